/**
 * memopt's kernels against the NumPy/OpenBLAS and scikit-learn peer (/work/shared/peers/numpy_peer.py), on the same
 * file, on the same machine, minutes apart (peer first, then memopt), one thread each. Not a test: run it by hand.
 *
 *     npx tsx scripts/peer-speed.ts [--file /tmp/memopt-peer-20000x1536.f32] [--rows 20000] [--queries 200]
 *                                   [--batch 256] [--pca 256] [--pca-fits randomized:all,randomized:5000,subspace:5000]
 *                                   [--out peer-speed.csv] [--peer /work/shared/peers/numpy_peer.py]
 *
 * The file is the mock's embeddings of the corpus (scripts/mock-corpus-vectors.ts), written first if missing.
 * Needs Debian's python3-numpy and python3-sklearn, run with /usr/bin/python3.
 *
 * Measured, each as a ratio to the peer's figure (targets as stated below):
 *   flat_scan     FlatIndex.search (WebAssembly SIMD float32 scan + top 10), GB/s of rows read   vs sgemv   >= 0.75
 *   int8_scan     ScalarQuantizedIndex.search (int8 SIMD scan + top 10), GB/s of codes read       vs sgemv   (reported)
 *   binary_scan   BinaryIndex.search, Hamming only (WebAssembly i64.popcnt + top 10), GB/s of bits vs sgemv (reported)
 *   batched       Q queries against every row (WasmRows.scanMany, no top k, as the peer's B @ Q.T), GFLOP/s  vs sgemm  >= 0.12
 *   pca_fit_*     fitPca to --pca components (each --pca-fits entry: method:rows, rows a count or 'all'), seconds,
 *                 and recall@10 of PCA-only search with its axes, against scikit-learn's one-thread randomized solver
 *                 on all rows (its axes fitted here once more to export them; recall of sklearn's full solver too)
 *                                                                 time ratio >= 1/3 at recall >= peer's - 0.005
 * Timings are best of 3 passes (the peer's rule too). The machine is shared: the load average is printed beside
 * the results, and figures from a loaded machine are pessimistic.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../src/util/atomic-write.ts';
import { createRng } from '../src/util/rng.ts';
import { BinaryIndex } from '../src/parts/vector-index/binary-index.ts';
import { CompressedIndex } from '../src/parts/vector-index/compressed-index.ts';
import { FlatIndex } from '../src/parts/vector-index/flat-index.ts';
import { PCA_METHODS, fitPca, explainedVariance, type PcaMethod, type PcaModel } from '../src/parts/vector-index/pca.ts';
import { exactTopK, recallAtK } from '../src/parts/vector-index/recall.ts';
import { ScalarQuantizedIndex } from '../src/parts/vector-index/scalar-quantized-index.ts';
import { WasmRows, simdAvailable } from '../src/parts/vector-index/wasm-rows.ts';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { readRawVectors, rowOf, writeRawVectors, type RawVectors } from './lib/raw-vectors.ts';
import { PYTHON, sklearnFit, type SklearnSolver } from './lib/sklearn-pca.ts';

const USAGE =
  'usage: npx tsx scripts/peer-speed.ts [--file F.f32] [--rows 20000] [--queries 200] [--batch 256] [--pca 256] [--pca-fits randomized:all,randomized:5000,subspace:5000] [--out peer-speed.csv] [--peer numpy_peer.py]';

interface Row {
  measure: string;
  memopt: number;
  peer: number;
  unit: string;
  ratio: number;
  target: string;
  verdict: string;
  detail: string;
}

function bestOf(passes: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let p = 0; p < passes; p++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best / 1000;
}

function runPeer(peer: string, file: string, dim: number, queries: number, batch: number, pca: number): Map<string, { value: number; detail: string }> {
  const result = spawnSync(PYTHON, [peer, file, '--dim', String(dim), '--queries', String(queries), '--batch', String(batch), '--pca', String(pca)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (result.status !== 0) throw new Error(`the peer failed (${PYTHON} ${peer}): ${result.stderr || result.error?.message}`);
  const out = new Map<string, { value: number; detail: string }>();
  for (const line of result.stdout.trim().split('\n').slice(1)) {
    const [mode, value, , detail] = line.split(',');
    out.set(mode, { value: Number(value), detail: detail ?? '' });
  }
  return out;
}

/** scikit-learn's PCA with `solver` (one thread) fitted on the rows, its mean and axes exported for recall. */
async function sklearnModel(file: string, dim: number, components: number, solver: SklearnSolver): Promise<PcaModel> {
  return (await sklearnFit(file, dim, components, solver)).model;
}

async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    {
      file: { type: 'string', default: join(tmpdir(), 'memopt-peer-20000x1536.f32') },
      rows: { type: 'string', default: '20000' },
      queries: { type: 'string', default: '200' },
      batch: { type: 'string', default: '256' },
      pca: { type: 'string', default: '256' },
      'pca-fits': { type: 'string', default: 'randomized:all,randomized:5000,subspace:5000' },
      out: { type: 'string', default: 'peer-speed.csv' },
      peer: { type: 'string', default: '/work/shared/peers/numpy_peer.py' },
    },
    USAGE,
  );
  const rowsWanted = integerOption('rows', values.rows, 2);
  const queryCount = integerOption('queries', values.queries, 1);
  const batch = integerOption('batch', values.batch, 1);
  const components = integerOption('pca', values.pca, 1);
  if (!existsSync(values.file)) {
    const { corpusTexts } = await import('./mock-corpus-vectors.ts');
    const { embeddingFor } = await import('../src/endpoint/emulated-api/index.ts');
    const texts = await corpusTexts(rowsWanted);
    const dim = embeddingFor('probe').length;
    const data = new Float32Array(rowsWanted * dim);
    texts.forEach((text, r) => data.set(embeddingFor(text), r * dim));
    await writeRawVectors(values.file, { rows: rowsWanted, dim, data }, { source: 'mock embeddings of the corpus (scripts/peer-speed.ts)' });
  }
  const vectors: RawVectors = await readRawVectors(values.file);
  const { rows: n, dim } = vectors;
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`# ${values.file}: ${n} x ${dim} float32; node ${process.version}; SIMD ${simdAvailable()}; load average ${load()}`);

  console.log('# running the peer ...');
  const peer = runPeer(values.peer, values.file, dim, queryCount, batch, components);
  const peerLoad = load();
  console.log(`# peer done (load average ${peerLoad}): ${[...peer].map(([k, v]) => `${k} ${v.value}`).join(', ')}`);
  const sgemv = peer.get('sgemv_single')!.value; // GB/s
  const sgemm = peer.get('sgemm_batched')!.value; // GFLOP/s

  const rng = createRng(1).fork('peer-speed-queries');
  const picks = new Set<number>();
  while (picks.size < Math.max(queryCount, batch)) picks.add(rng.int(0, n - 1));
  const queryRows = [...picks].map((r) => rowOf(vectors, r));
  const entries = Array.from({ length: n }, (_, r) => [`r${r}`, rowOf(vectors, r)] as const);
  const rows: Row[] = [];
  const ratioRow = (measure: string, memopt: number, peerValue: number, unit: string, target: number | undefined, detail: string) => {
    const ratio = memopt / peerValue;
    const verdict = target === undefined ? 'reported' : ratio >= target ? 'met' : 'missed';
    rows.push({ measure, memopt, peer: peerValue, unit, ratio, target: target === undefined ? '' : `>= ${target}`, verdict, detail });
  };
  const singleQueries = queryRows.slice(0, queryCount);

  {
    const flat = new FlatIndex({ initialCapacity: n });
    flat.addMany(entries);
    const seconds = bestOf(3, () => singleQueries.forEach((q) => flat.search(q, 10))) / queryCount;
    ratioRow('flat_scan', (4 * n * dim) / seconds / 1e9, sgemv, 'GB/s', 0.75, `FlatIndex.search k=10, ${(seconds * 1e3).toFixed(3)} ms/query, vs sgemv`);
  }
  {
    const sq = new ScalarQuantizedIndex({ initialCapacity: n });
    sq.fit(entries.map(([, v]) => v));
    sq.addMany(entries);
    const seconds = bestOf(3, () => singleQueries.forEach((q) => sq.search(q, 10))) / queryCount;
    ratioRow('int8_scan', (n * dim) / seconds / 1e9, sgemv, 'GB/s', undefined, `ScalarQuantizedIndex.search k=10, ${(seconds * 1e3).toFixed(3)} ms/query, bytes of codes read, vs sgemv`);
  }
  {
    const binary = new BinaryIndex({ rescore: false, initialCapacity: n });
    binary.addMany(entries);
    const seconds = bestOf(3, () => singleQueries.forEach((q) => binary.search(q, 10))) / queryCount;
    ratioRow('binary_scan', (n * dim) / 8 / seconds / 1e9, sgemv, 'GB/s', undefined, `BinaryIndex Hamming scan k=10 (WebAssembly i64.popcnt), ${(seconds * 1e3).toFixed(3)} ms/query, bytes of bits read, vs sgemv`);
  }
  {
    const store = new WasmRows('f32', dim, n);
    store.view.set(vectors.data);
    const out = new Float32Array(batch * n);
    const batchQueries = new Float32Array(batch * dim);
    queryRows.slice(0, batch).forEach((q, j) => batchQueries.set(q, j * dim));
    const seconds = bestOf(3, () => store.scanMany(batchQueries, batch, n, out));
    const single = new Float64Array(n);
    const oneByOne = bestOf(1, () => {
      for (let j = 0; j < batch; j++) store.scan(batchQueries.subarray(j * dim, (j + 1) * dim), n, single);
    });
    ratioRow(
      'batched',
      (2 * n * dim * batch) / seconds / 1e9,
      sgemm,
      'GFLOP/s',
      0.12,
      `${batch} queries x ${n} rows, WasmRows.scanMany (3 queries per row load; cache-blocked), ${((2 * n * dim * batch) / oneByOne / 1e9).toFixed(2)} GFLOP/s one scan per query; vs sgemm`,
    );
  }
  {
    // Each fit: method on all rows or on a sample of them (5,000 is CompressedIndex's default fit sample).
    const fits = values['pca-fits'].split(',').map((spec) => {
      const [method, rowsText] = spec.split(':');
      if (!(PCA_METHODS as readonly string[]).includes(method)) throw new Error(`--pca-fits: unknown method '${method}' in '${spec}'`);
      const count = rowsText === 'all' ? n : Math.min(n, integerOption('pca-fits', rowsText, components + 1));
      return { method: method as PcaMethod, count };
    });
    const randomized = peer.get('pca_randomized_fit')!.value;
    const sklearnRandomized = await sklearnModel(values.file, dim, components, 'randomized');
    const sklearnFull = await sklearnModel(values.file, dim, components, 'full');
    // Recall@10 of PCA-only search (float32 codes, mean term, no re-rank) with each model's axes, all rows stored.
    const truth = exactTopK(entries.map(([, v]) => v), entries.map(([id]) => id), singleQueries, 10);
    const recallWith = (model: PcaModel) => {
      const index = new CompressedIndex({ components, initialCapacity: n });
      index.fit([rowOf(vectors, 0)], { model });
      index.addMany(entries);
      return recallAtK(singleQueries.map((q) => index.search(q, 10)), truth, 10);
    };
    const recallRandomized = recallWith(sklearnRandomized);
    const recallFull = recallWith(sklearnFull);
    for (const { method, count } of fits) {
      // A seeded random sample of `count` rows, as CompressedIndex draws its fit sample (the file is in corpus order).
      let data = vectors.data;
      if (count < n) {
        const pick = createRng(2).fork('peer-speed-pca-sample');
        const chosen = new Set<number>();
        while (chosen.size < count) chosen.add(pick.int(0, n - 1));
        data = new Float32Array(count * dim);
        [...chosen].forEach((r, i) => data.set(vectors.data.subarray(r * dim, (r + 1) * dim), i * dim));
      }
      const started = performance.now();
      const { model } = fitPca(data, dim, count, { components, method });
      const seconds = (performance.now() - started) / 1000;
      const recall = recallWith(model);
      const what = `${method} on ${count === n ? `all ${n} rows` : `a seeded sample of ${count} rows`}`;
      const detail =
        `${what}; explained variance ${explainedVariance(model).toFixed(4)} vs sklearn randomized ${explainedVariance(sklearnRandomized).toFixed(4)}; ` +
        `recall@10 ${recall.toFixed(3)} vs sklearn randomized ${recallRandomized.toFixed(3)} and sklearn full ${recallFull.toFixed(3)} ` +
        `(PCA ${components} float32 + mean term, no re-rank, ${singleQueries.length} queries; sklearn fits all ${n} rows)`;
      // A time ratio: peer seconds / memopt seconds, so >= 1/3 means within 3x; equal recall within 0.005.
      const ratio = randomized / seconds;
      rows.push({
        measure: `pca_fit_${method}_${count === n ? 'all_rows' : `${count}_rows`}`,
        memopt: seconds,
        peer: randomized,
        unit: 's',
        ratio,
        target: '>= 0.333 (peer s / memopt s) at recall >= peer - 0.005',
        verdict: ratio >= 1 / 3 && recall >= recallRandomized - 0.005 ? 'met' : 'missed',
        detail,
      });
    }
  }
  const memoptLoad = load();
  const csv = stringify(
    rows.map((r) => ({ ...r, peer_load: peerLoad, memopt_load: memoptLoad, file: `${values.file} (${n}x${dim})` })),
    { header: true },
  );
  await writeFileAtomic(values.out, csv);
  console.log(csv);
  console.log(`# wrote ${values.out}; load average after memopt: ${memoptLoad}`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
