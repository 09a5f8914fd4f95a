/**
 * The scale sweep (`npm run bench:scale`), apart from the main bench: flat, sq8, PCA (int8 + re-rank), binary +
 * rescoring, usearch HNSW and pgvector HNSW (PGlite) at N = 10^4, 10^5, 10^6 memories of 512-d mock vectors.
 *
 *     npm run bench:scale -- [--sizes 10000,100000,1000000] [--max-n N] [--queries 500] [--seed 1]
 *         [--indexes flat,sq8,pca,binary,usearch,pgvector] [--pgvector-max-n 100000] [--usearch-max-n 100000]
 *         [--fit-rows 5000] [--out reports/scale] [--work-dir DIR] [--keep-vectors] [--merge DIR,DIR]
 *
 * Vectors (src/datasets/scale-vectors.ts): the mock model's text-embedding-3-small at 512 dimensions, of seeded
 * synthetic texts; generated once, in chunks, into a raw float32 file in --work-dir (the OS temp folder by default;
 * 2 GB at 10^6, deleted at the end unless --keep-vectors), and streamed back from it into each index, chunk by chunk:
 * no copy of the whole collection is ever held in this process, and indexes are built one at a time. The N are
 * prefixes of the one file. Queries: --queries held-out texts of another seed; the ground truth is the FlatIndex's
 * exact scan over the same vectors at each N (checked first: stored vectors find themselves).
 *
 * Writes <out>/scale.csv (one row per N, index and search setting, written after each row), <out>/scale-growth.csv
 * (each metric's growth exponent, the log-log slope), <out>/scale.md (both as Markdown), <out>/charts/*.svg and prints the total duration. Timings are
 * wall times on whatever else the machine is running: compare within one run.
 */
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../src/errors.ts';
import {
  readVectorChunks,
  scaleId,
  scaleQueries,
  SCALE_DIMENSIONS,
  SCALE_MODEL,
  writeScaleVectors,
} from '../src/datasets/scale-vectors.ts';
import { runScaleSweep, type ScaleIndexSpec, type ScaleRow } from '../src/drivers/scale-sweep.ts';
import type { IndexEntry } from '../src/measure/index-runs.ts';
import { indexParamsSchema } from '../src/parts/registry.ts';
import { chartToSvg } from '../src/report/charts/render.ts';
import { growthCsv, growthTable, parseScaleCsv, scaleCharts, scaleCsv, scaleMarkdown } from '../src/report/scale-report.ts';
import { writeFileAtomic } from '../src/util/atomic-write.ts';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';

const USAGE = `usage: npm run bench:scale -- [--sizes N,N,...] [--max-n N] [--queries Q] [--seed S]
       [--indexes flat,sq8,pca,binary,usearch,pgvector] [--pgvector-max-n N] [--usearch-max-n N]
       [--fit-rows R] [--out DIR] [--work-dir DIR] [--keep-vectors] [--merge DIR,DIR --out DIR]`;

/** Default rows of the fit sample (sq8's ranges, PCA, binary's thresholds), evenly spaced over the N (--fit-rows). */
const FIT_SAMPLE_ROWS = 5000;

/** The indexes the sweep knows, in the order they run (flat first: its answers are the ground truth). */
const indexesFor = (fitRows: number): Record<string, Omit<ScaleIndexSpec, 'maxN' | 'stopReason'>> => ({
  flat: { label: 'flat', params: indexParamsSchema.parse({ index: 'flat' }) },
  sq8: { label: 'sq8', params: indexParamsSchema.parse({ index: 'sq8', fitSampleSize: fitRows }) },
  pca: {
    label: 'pca256-int8-rerank8',
    params: indexParamsSchema.parse({ index: 'compressed', components: 256, precision: 'int8', rerank: { oversample: 8, precision: 'int8' }, fitSampleSize: fitRows }),
  },
  binary: { label: 'binary-rescore10', params: indexParamsSchema.parse({ index: 'binary', oversample: 10, rescore: 'int8' }) },
  usearch: {
    label: 'usearch-hnsw-f32',
    params: indexParamsSchema.parse({ index: 'usearch', quantization: 'f32', connectivity: 16, expansionAdd: 128, expansionSearch: 64 }),
    searchSweep: [{ expansionSearch: 16 }, { expansionSearch: 256 }],
  },
  pgvector: {
    label: 'pgvector-hnsw',
    // maintenance_work_mem 512 MB: the HNSW graph at 10^5 x 512 (about 250 MB) is built in memory, as pgvector advises.
    params: indexParamsSchema.parse({ index: 'pgvector', storage: 'vector', search: 'hnsw', m: 16, efConstruction: 64, efSearch: 40, buildMemoryMb: 512 }),
    searchSweep: [{ efSearch: 100 }],
  },
});
const INDEX_NAMES = Object.keys(indexesFor(FIT_SAMPLE_ROWS));

function intList(name: string, raw: string): number[] {
  return raw.split(',').map((part) => integerOption(name, part.trim(), 1));
}

/** Rows [0, n) of the vector file as chunks of entries (fresh arrays: no index may keep a reference to them). */
async function* entryChunks(file: string, n: number, log: (line: string) => void): AsyncGenerator<IndexEntry[]> {
  const started = performance.now();
  let nextLog = n / 10;
  for await (const chunk of readVectorChunks(file, n)) {
    if (chunk.firstRow >= nextLog) {
      // The previous chunk's add has returned when the next is read: this is the index's loading progress.
      log(`  ${chunk.firstRow} of ${n} rows added, ${((performance.now() - started) / 1000).toFixed(1)} s`);
      nextLog += n / 10;
    }
    const entries: IndexEntry[] = [];
    for (let i = 0; i < chunk.rows; i++) entries.push([scaleId(chunk.firstRow + i), chunk.data.subarray(i * SCALE_DIMENSIONS, (i + 1) * SCALE_DIMENSIONS)]);
    yield entries;
  }
}

/** `count` rows evenly spaced over [0, n), read one by one. */
async function evenlySpaced(file: string, n: number, count: number): Promise<Float32Array[]> {
  const handle = await open(file, 'r');
  try {
    const rows = Math.min(n, count);
    const out: Float32Array[] = [];
    for (let i = 0; i < rows; i++) {
      const row = Math.floor((i * n) / rows);
      const v = new Float32Array(SCALE_DIMENSIONS);
      await handle.read(new Uint8Array(v.buffer), 0, v.byteLength, row * SCALE_DIMENSIONS * 4);
      out.push(v);
    }
    return out;
  } finally {
    await handle.close();
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    {
      sizes: { type: 'string', default: '10000,100000,1000000' },
      'max-n': { type: 'string' },
      queries: { type: 'string', default: '500' },
      seed: { type: 'string', default: '1' },
      indexes: { type: 'string', default: INDEX_NAMES.join(',') },
      'fit-rows': { type: 'string', default: String(FIT_SAMPLE_ROWS) },
      'pgvector-max-n': { type: 'string', default: '100000' },
      'usearch-max-n': { type: 'string', default: '100000' },
      out: { type: 'string', default: 'reports/scale' },
      'work-dir': { type: 'string' },
      'keep-vectors': { type: 'boolean', default: false },
      merge: { type: 'string' },
    },
    USAGE,
  );
  if (values.merge !== undefined) return mergeRuns(values.merge.split(','), values.out);
  const maxN = values['max-n'] === undefined ? Number.POSITIVE_INFINITY : integerOption('--max-n', values['max-n'], 1);
  const sizes = [...new Set(intList('--sizes', values.sizes))].sort((a, b) => a - b).filter((n) => n <= maxN);
  if (sizes.length === 0) throw new UsageError({ field: '--max-n' }, `no size in --sizes ${values.sizes} is at most ${maxN}`);
  const queryCount = integerOption('--queries', values.queries, 1);
  const seed = integerOption('--seed', values.seed, 0);
  const fitRows = integerOption('--fit-rows', values['fit-rows'], 2);
  const INDEXES = indexesFor(fitRows);
  const names = values.indexes.split(',').map((s) => s.trim());
  for (const name of names) if (!INDEXES[name]) throw new UsageError({ field: '--indexes' }, `unknown index '${name}'; known: ${INDEX_NAMES.join(', ')}`);
  if (names[0] !== 'flat') throw new UsageError({ field: '--indexes' }, `must start with flat (its exact answers are the ground truth), found '${names[0]}'`);
  const pgvectorMaxN = integerOption('--pgvector-max-n', values['pgvector-max-n'], 1);
  // Defaults from the measured sweep (docs/results.md, "Scale sweep"): PGlite's HNSW build at 10^5 took 197 s on a
  // quiet machine (and ran past the store client's 300 s query timeout under load: a 'failed' row); usearch's build
  // took 2,132 s at 10^5 under load and grows as about N^1.5.
  const usearchMaxN = integerOption('--usearch-max-n', values['usearch-max-n'], 1);
  const indexes: ScaleIndexSpec[] = names.map((name) => {
    const spec: ScaleIndexSpec = { ...INDEXES[name] };
    if (name === 'pgvector') {
      spec.maxN = pgvectorMaxN;
      spec.stopReason = `not built above --pgvector-max-n ${pgvectorMaxN}: PGlite takes rows as text over one connection (batched INSERT ... unnest) and builds HNSW in WebAssembly on one thread (measured times in docs/results.md)`;
    }
    if (name === 'usearch') {
      spec.maxN = usearchMaxN;
      spec.stopReason = `not built above --usearch-max-n ${usearchMaxN}: its HNSW build grows as about N^1.5 (measured times in docs/results.md)`;
    }
    return spec;
  });

  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const started = performance.now();
  const largest = sizes.at(-1)!;
  const workDir = values['work-dir'] ?? tmpdir();
  await mkdir(workDir, { recursive: true });
  // A kept file is named by what it holds and reused by a later run (rows are a function of the seed: any prefix serves).
  const file = join(workDir, `memopt-scale-${SCALE_MODEL}-${SCALE_DIMENSIONS}-seed${seed}${values['keep-vectors'] ? '' : `-${process.pid}`}.f32`);
  log(`# node ${process.version}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  log(`# N = ${sizes.join(', ')}; ${SCALE_DIMENSIONS}-d mock vectors (${SCALE_MODEL}); ${queryCount} held-out queries; indexes ${names.join(', ')}`);

  const rows: ScaleRow[] = [];
  const subtitle = `${SCALE_DIMENSIONS}-d mock vectors (${SCALE_MODEL}), seed ${seed}, ${queryCount} held-out queries`;
  // After each row, so a later crash (or a stop at the deadline) loses nothing measured.
  const writeTables = async () => {
    await writeFileAtomic(join(values.out, 'scale.csv'), scaleCsv(rows));
    await writeFileAtomic(join(values.out, 'scale-growth.csv'), growthCsv(growthTable(rows)));
  };
  try {
    let t = performance.now();
    const have = await stat(file).then((st) => st.size, () => 0);
    if (values['keep-vectors'] && have >= largest * SCALE_DIMENSIONS * 4) log(`reusing ${file} (${have / (SCALE_DIMENSIONS * 4)} rows)`);
    else {
      let nextLog = 0;
      // Written beside its final name and renamed when whole: a concurrent or later run never reads half a file.
      const partial = `${file}.${process.pid}.partial`;
      await writeScaleVectors(partial, seed, largest, (done) => {
        if (done >= nextLog) {
          log(`generating vectors: ${done} of ${largest}`);
          nextLog += Math.max(100_000, Math.floor(largest / 10));
        }
      });
      await rename(partial, file);
      log(`generated ${largest} x ${SCALE_DIMENSIONS} vectors into ${file} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    t = performance.now();
    const queries = scaleQueries(seed + 1_000_003, queryCount);
    log(`generated ${queryCount} queries in ${(performance.now() - t).toFixed(0)} ms`);

    await runScaleSweep(
      {
        sizes,
        dimensions: SCALE_DIMENSIONS,
        indexes,
        chunks: (n) => entryChunks(file, n, log),
        sample: (n) => evenlySpaced(file, n, fitRows),
        queries,
        k: 10,
        log,
        storedRows: (n) => Promise.all([0, Math.floor(n / 2), n - 1].map(async (r) => ({ id: scaleId(r), vector: await readRow(file, r) }))),
      },
      async (row) => {
        rows.push(row);
        await writeTables();
      },
    );
    await writeOutputs(rows, values.out, subtitle);
    log(`wrote ${join(values.out, 'scale.csv')}, scale-growth.csv and the charts in ${join(values.out, 'charts')}`);
    for (const g of growthTable(rows)) {
      log(`growth ${g.series} over N=${g.sizes.join(',')}: ${Object.entries(g.exponents).map(([m, e]) => `${m} ${Number.isFinite(e) ? e.toFixed(3) : '-'}`).join(', ')}`);
    }
  } finally {
    if (!values['keep-vectors']) await rm(file, { force: true });
    log(`total duration ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return 0;
}

/** The merged or final outputs: scale.csv, scale-growth.csv, the charts (SVG) and their Vega-Lite specs. */
async function writeOutputs(rows: ScaleRow[], out: string, subtitle: string): Promise<void> {
  await writeFileAtomic(join(out, 'scale.csv'), scaleCsv(rows));
  await writeFileAtomic(join(out, 'scale-growth.csv'), growthCsv(growthTable(rows)));
  await writeFileAtomic(join(out, 'scale.md'), scaleMarkdown(rows));
  const charts = scaleCharts(rows, subtitle);
  for (const chart of charts) await writeFileAtomic(join(out, 'charts', `${chart.id}.svg`), await chartToSvg(chart));
  await writeFileAtomic(join(out, 'charts', 'specs.json'), JSON.stringify(Object.fromEntries(charts.map((c) => [c.id, c.spec])), null, 1));
}

/**
 * Merges the scale.csv of runs made apart (e.g. the cheap indexes and the slow peers, run side by side) into one
 * scale.csv, growth table and chart set in `out`. Each run's flat rows are its own ground truth; the merged file keeps
 * the first run's flat rows (the vectors, queries and exact answers are the same for the same seed and N).
 */
async function mergeRuns(dirs: readonly string[], out: string): Promise<number> {
  const rows: ScaleRow[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    const file = join(dir, 'scale.csv');
    for (const row of parseScaleCsv(await readFile(file, 'utf8'), file)) {
      const key = `${row.n}|${row.index}|${row.searchSetting}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(row);
    }
  }
  rows.sort((a, b) => a.n - b.n);
  await writeOutputs(rows, out, `${SCALE_DIMENSIONS}-d mock vectors (${SCALE_MODEL}), merged from ${dirs.join(', ')}`);
  console.log(`merged ${rows.length} rows into ${join(out, 'scale.csv')}, scale-growth.csv and charts/`);
  for (const g of growthTable(rows)) {
    console.log(`growth ${g.series} over N=${g.sizes.join(',')}: ${Object.entries(g.exponents).map(([m, e]) => `${m} ${Number.isFinite(e) ? e.toFixed(3) : '-'}`).join(', ')}`);
  }
  return 0;
}

async function readRow(file: string, row: number): Promise<Float32Array> {
  const handle = await open(file, 'r');
  try {
    const v = new Float32Array(SCALE_DIMENSIONS);
    await handle.read(new Uint8Array(v.buffer), 0, v.byteLength, row * SCALE_DIMENSIONS * 4);
    return v;
  } finally {
    await handle.close();
  }
}

await runIfEntryPoint(import.meta.url, main);
