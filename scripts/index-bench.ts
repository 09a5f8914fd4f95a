/**
 * Query throughput of FlatIndex and CompressedIndex at scale, with tinybench. Not part of the test suite (it holds
 * ~0.8 GB and runs for a minute or more): run it by hand, on an otherwise idle machine if the figures matter.
 *
 *     npx tsx scripts/index-bench.ts [--size 100000] [--queries 50] [--time 5000] [--fit-rows 5000]
 *
 * Vectors are the mock's embeddings (1536-d) of a generated corpus of `size` memories (datasets' generator, seed 7),
 * added straight into the indexes (no other copy is kept: 100,000 x 1536 float32 is 614 MB). Queries are held-out
 * generated queries. Like lru-cache's benchmark, nothing is timed before a correctness check: FlatIndex must find
 * each of a few stored vectors as its own best match with score 1, and the compressed index's recall@10 against
 * FlatIndex on the queries is printed beside its speed.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import { generateCorpus, generateQueries } from '../src/datasets/index.ts';
import { embeddingFor } from '../src/endpoint/emulated-api/index.ts';
import { CompressedIndex, type CompressedIndexOptions } from '../src/parts/vector-index/compressed-index.ts';
import { FlatIndex } from '../src/parts/vector-index/flat-index.ts';
import { recallAtK } from '../src/parts/vector-index/recall.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '50' },
    time: { type: 'string', default: '5000' },
    'fit-rows': { type: 'string', default: '5000' },
  },
});
const size = Number(values.size);
const queryCount = Number(values.queries);
const timeMs = Number(values.time);
const fitRows = Number(values['fit-rows']);
const log = (line: string) => console.log(line);

log(`# node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
let t = performance.now();
const corpus = generateCorpus({ size, seed: 7 });
const queries = generateQueries({ size: queryCount, seed: 8 }).map((q) => embeddingFor(q.text));
log(`generated ${size} texts and ${queryCount} queries in ${(performance.now() - t).toFixed(0)} ms`);

const flat = new FlatIndex({ initialCapacity: size });
const sample: Float32Array[] = [];
const sampleEvery = Math.max(1, Math.floor(size / fitRows));
t = performance.now();
for (let i = 0; i < size; i++) {
  const v = embeddingFor(corpus[i].text);
  flat.add(corpus[i].id, v);
  if (i % sampleEvery === 0 && sample.length < fitRows) sample.push(v);
}
log(`embedded and added ${size} vectors to FlatIndex in ${(performance.now() - t).toFixed(0)} ms (${(flat.memoryBytes() / 2 ** 20).toFixed(0)} MiB, SIMD scan: ${flat.usesSimd})`);

// Correctness before speed: a stored vector is its own best match.
for (const i of [0, Math.floor(size / 2), size - 1]) {
  const [best] = flat.search(embeddingFor(corpus[i].text), 1);
  if (Math.abs(best.score - 1) > 1e-5 || flat.search(flat.get(best.id)!, 1)[0].score < 1 - 1e-5) {
    throw new Error(`FlatIndex check failed for ${corpus[i].id}: best ${best.id} ${best.score}`);
  }
}

const variants: Array<[string, CompressedIndexOptions]> = [
  ['compressed 256 float32', { components: 256 }],
  ['compressed 256 int8 + re-rank x8', { components: 256, precision: 'int8', rerank: { oversample: 8, precision: 'int8' } }],
  [
    'compressed 256 int8 + re-rank x8, prefilter 96/2000',
    { components: 256, precision: 'int8', rerank: { oversample: 8, precision: 'int8' }, prefilter: { components: 96, candidates: 2000 } },
  ],
];
const compressed: Array<[string, CompressedIndex]> = [];
let model;
for (const [name, options] of variants) {
  const index = new CompressedIndex({ ...options, initialCapacity: size, fitSampleSize: fitRows });
  t = performance.now();
  const report = index.fit(sample, model ? { model } : {});
  log(`${name}: fit on ${report.sampleRows} x 1536 (${report.method}${model ? ', model reused' : ''}) in ${(performance.now() - t).toFixed(0)} ms, explained variance ${report.explainedVariance.toFixed(4)}`);
  model ??= index.model;
  t = performance.now();
  // Re-embedding is cheaper than keeping a second 614 MB copy; the mock's vectors are deterministic.
  for (let start = 0; start < size; start += 4096) {
    index.addMany(corpus.slice(start, start + 4096).map((r) => [r.id, embeddingFor(r.text)] as const));
  }
  log(`${name}: added ${size} vectors in ${(performance.now() - t).toFixed(0)} ms (${(index.memoryBytes() / 2 ** 20).toFixed(0)} MiB)`);
  compressed.push([name, index]);
}

const exact = queries.map((q) => flat.search(q, 10));
for (const [name, index] of compressed) {
  log(`${name}: recall@10 against FlatIndex on ${queryCount} queries: ${recallAtK(queries.map((q) => index.search(q, 10)), exact, 10).toFixed(3)}`);
}

const bench = new Bench({ name: 'index query throughput', time: timeMs, iterations: 10, warmupTime: 500 });
let next = 0;
const query = () => queries[next++ % queries.length];
bench.add(`FlatIndex exact scan, ${size} x 1536`, () => {
  flat.search(query(), 10);
});
// The same exact scan with the JavaScript kernel, over a copy of the rows (another 614 MB at 100,000).
const flatJs = new FlatIndex({ initialCapacity: size, simd: false });
for (let i = 0; i < size; i++) flatJs.add(corpus[i].id, flat.get(corpus[i].id)!);
bench.add(`FlatIndex exact scan (JavaScript kernel), ${size} x 1536`, () => {
  flatJs.search(query(), 10);
});
for (const [name, index] of compressed) {
  bench.add(`${name}, ${size} vectors`, () => {
    index.search(query(), 10);
  });
}
await bench.run();

log('\ntask\tmean_ms\tqueries_per_s\trme_pct\tsamples\tspeedup_vs_flat');
let flatMean = Number.NaN;
for (const task of bench.tasks) {
  const result = task.result;
  if (result?.state !== 'completed') {
    log(`${task.name}\t${result?.state ?? 'not run'}`);
    continue;
  }
  const mean = result.latency.mean;
  if (Number.isNaN(flatMean)) flatMean = mean;
  log([task.name, mean.toFixed(2), (1000 / mean).toFixed(1), result.latency.rme.toFixed(1), result.latency.samplesCount, (flatMean / mean).toFixed(2)].join('\t'));
}
log(`# load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
