/**
 * Recall@10 of CompressedIndex with and without the mean term, at every width, on any raw float32 vector file (the
 * last --queries rows are the held-out queries, the rest the collection; exact top 10 by cosine). Not a test.
 *
 *     npx tsx scripts/mock-corpus-vectors.ts --out /tmp/mock-11000.f32 --rows 11000   # 10,000 memories + 1,000 queries
 *     npx tsx scripts/mean-term-recall.ts --file /tmp/mock-11000.f32 [--queries 1000] [--widths 32,64,128,256]
 *                                         [--precisions float32,int8] [--fit-rows 5000] [--out mean-term.csv]
 *
 * The width comes from the file's JSON sidecar ({ n, dim }) or --dim.
 */
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../src/util/atomic-write.ts';
import { CompressedIndex, type Precision } from '../src/parts/vector-index/compressed-index.ts';
import { fitPca } from '../src/parts/vector-index/pca.ts';
import { exactTopK, recallAtK } from '../src/parts/vector-index/recall.ts';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { holdOut, readRawVectors } from './lib/raw-vectors.ts';

const USAGE = 'usage: npx tsx scripts/mean-term-recall.ts --file F.f32 [--dim D] [--queries 1000] [--widths 32,64,128,256] [--precisions float32,int8] [--fit-rows 5000] [--out F.csv]';

async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    {
      file: { type: 'string' },
      dim: { type: 'string' },
      queries: { type: 'string', default: '1000' },
      widths: { type: 'string', default: '32,64,128,256' },
      precisions: { type: 'string', default: 'float32,int8' },
      'fit-rows': { type: 'string', default: '5000' },
      out: { type: 'string' },
    },
    USAGE,
  );
  if (!values.file) throw new Error(`--file is required\n${USAGE}`);
  const raw = await readRawVectors(values.file, values.dim === undefined ? undefined : integerOption('dim', values.dim, 1));
  const { base, queries } = holdOut(raw, integerOption('queries', values.queries, 1));
  const ids = base.map((_, i) => `r${i}`);
  const widths = values.widths.split(',').map((w) => integerOption('widths', w, 1));
  const precisions = values.precisions.split(',') as Precision[];
  const fitRows = Math.min(base.length, integerOption('fit-rows', values['fit-rows'], 2));
  console.log(`# ${values.file}: ${base.length} stored + ${queries.length} held-out queries, ${raw.dim}-d; fit on ${fitRows} rows`);
  const exact = exactTopK(base, ids, queries, 10);
  // One fit at the widest width; narrower models are its leading axes (as the driver's sweep does).
  const sample = new Float32Array(fitRows * raw.dim);
  for (let r = 0; r < fitRows; r++) sample.set(base[Math.floor((r * base.length) / fitRows)], r * raw.dim);
  const model = fitPca(sample, raw.dim, fitRows, { components: Math.max(...widths) }).model;
  const entries = base.map((v, i) => [ids[i], v] as const);
  const rows: Array<Record<string, string | number>> = [];
  for (const components of widths) {
    for (const precision of precisions) {
      const recall = (meanTerm: boolean) => {
        const index = new CompressedIndex({ components, precision, meanTerm, initialCapacity: base.length, fitSampleSize: fitRows });
        index.fit(base, { model });
        index.addMany(entries);
        return recallAtK(queries.map((q) => index.search(q, 10)), exact, 10);
      };
      const without = recall(false);
      const withTerm = recall(true);
      rows.push({ components, precision, recall_without_mean_term: without, recall_with_mean_term: withTerm, gain: withTerm - without });
      console.log(`${components}\t${precision}\twithout ${without.toFixed(4)}\twith ${withTerm.toFixed(4)}\tgain ${(withTerm - without).toFixed(4)}`);
    }
  }
  if (values.out) await writeFileAtomic(values.out, stringify(rows, { header: true }));
  const worse = rows.filter((r) => (r.gain as number) < 0);
  console.log(worse.length === 0 ? '# recall with the term >= without it at every width' : `# the term lost recall at ${worse.length} point(s)`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
