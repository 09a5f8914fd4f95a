/**
 * The peer methods' Pareto rows (src/drivers/index-pareto.ts: binary, Matryoshka, usearch HNSW) beside memopt's
 * CompressedIndex and ScalarQuantizedIndex, on any raw float32 vector file (the last --queries rows held out as
 * queries; exact top 10 by cosine). Not a test: run it by hand.
 *
 *     npx tsx scripts/peer-pareto.ts --file /tmp/mock-11000.f32 [--queries 1000] [--out peers.csv]
 *                                    [--matryoshka 256,512] [--binary 1,3,10] [--usearch f32,f16,i8,b1] [--ef 16,64,256]
 */
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../src/util/atomic-write.ts';
import { measurePeers, paretoMembers, peerMethodSchema, PARETO_COLUMNS } from '../src/drivers/index-pareto.ts';
import { CompressedIndex } from '../src/parts/vector-index/compressed-index.ts';
import { fitPca } from '../src/parts/vector-index/pca.ts';
import { exactTopK, recallAtK } from '../src/parts/vector-index/recall.ts';
import { ScalarQuantizedIndex } from '../src/parts/vector-index/scalar-quantized-index.ts';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { holdOut, readRawVectors } from './lib/raw-vectors.ts';

const USAGE = 'usage: npx tsx scripts/peer-pareto.ts --file F.f32 [--dim D] [--queries 1000] [--out F.csv] [--matryoshka 256,512] [--binary 1,3,10] [--usearch f32,f16,i8,b1] [--ef 16,64,256]';

async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    {
      file: { type: 'string' },
      dim: { type: 'string' },
      queries: { type: 'string', default: '1000' },
      out: { type: 'string' },
      matryoshka: { type: 'string', default: '256,512' },
      binary: { type: 'string', default: '1,3,10' },
      usearch: { type: 'string', default: 'f32,f16,i8,b1' },
      ef: { type: 'string', default: '16,64,256' },
      widths: { type: 'string', default: '64,128,256' },
    },
    USAGE,
  );
  if (!values.file) throw new Error(`--file is required\n${USAGE}`);
  const raw = await readRawVectors(values.file, values.dim === undefined ? undefined : integerOption('dim', values.dim, 1));
  const { base, queries } = holdOut(raw, integerOption('queries', values.queries, 1));
  const ids = base.map((_, i) => `r${i}`);
  const exact = exactTopK(base, ids, queries, 10);
  const list = (text: string) => text.split(',').filter((s) => s !== '').map((s) => integerOption('list', s, 1));
  const methods = [
    peerMethodSchema.parse({ method: 'binary', oversample: list(values.binary), rescore: 'int8' }),
    peerMethodSchema.parse({ method: 'binary', oversample: list(values.binary), rescore: 'float32' }),
    peerMethodSchema.parse({ method: 'matryoshka', dimensions: list(values.matryoshka) }),
    peerMethodSchema.parse({ method: 'usearch', quantization: values.usearch.split(','), expansionSearch: list(values.ef) }),
  ];
  console.log(`# ${values.file}: ${base.length} stored + ${queries.length} held-out queries, ${raw.dim}-d`);
  const table = await measurePeers({ ids, vectors: base, queries, exact, k: 10, methods, log: (m) => console.log(m) });
  // memopt's own points on the same vectors, measured the same way, for one front.
  const entries = base.map((v, i) => [ids[i], v] as const);
  const widths = list(values.widths);
  const fitRows = Math.min(5000, base.length);
  const sample = new Float32Array(fitRows * raw.dim);
  for (let r = 0; r < fitRows; r++) sample.set(base[Math.floor((r * base.length) / fitRows)], r * raw.dim);
  const model = fitPca(sample, raw.dim, fitRows, { components: Math.max(...widths) }).model;
  const own = (name: string, setting: string, build: () => CompressedIndex | ScalarQuantizedIndex) => {
    let started = performance.now();
    const index = build();
    const buildMs = performance.now() - started;
    started = performance.now();
    const results = queries.map((q) => index.search(q, 10));
    const queryMs = (performance.now() - started) / queries.length;
    const bytes = index.memoryBytes();
    table.rows.push([name, setting, bytes / base.length, bytes, 'exact: arrays held', buildMs, queryMs, recallAtK(results, exact, 1), recallAtK(results, exact, 10), false]);
    console.log(`memopt: ${name} ${setting}: recall@10 ${recallAtK(results, exact, 10).toFixed(3)} at ${(bytes / base.length).toFixed(0)} B/vector`);
  };
  for (const components of widths) {
    for (const variant of [{ precision: 'int8' as const, rerank: false as const }, { precision: 'int8' as const, rerank: { oversample: 8, precision: 'int8' as const } }]) {
      own('pca', `${components} int8${variant.rerank ? ' + int8 re-rank x8' : ''}, mean term`, () => {
        const index = new CompressedIndex({ components, ...variant, initialCapacity: base.length });
        index.fit(base, { model });
        index.addMany(entries);
        return index;
      });
    }
  }
  own('sq8', `${raw.dim} int8, no PCA`, () => {
    const index = new ScalarQuantizedIndex({ initialCapacity: base.length });
    index.fit(base);
    index.addMany(entries);
    return index;
  });
  const front = paretoMembers(table.rows.map((r) => ({ bytes: r[2] as number, recall: r[8] as number })));
  table.rows.forEach((r, i) => (r[9] = front.includes(i)));
  const csv = stringify([PARETO_COLUMNS, ...table.rows], {});
  if (values.out) await writeFileAtomic(values.out, csv);
  console.log(csv);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
