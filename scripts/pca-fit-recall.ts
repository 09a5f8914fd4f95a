/**
 * Recall@10 of PCA-only search (CompressedIndex, float32 codes, mean term, no re-rank) with the axes of several fits,
 * against the exact fit on all rows, at every width. The last --queries rows of the file are the held-out queries,
 * the rest the collection (as scripts/mean-term-recall.ts splits it); the ground truth is the exact cosine top 10.
 * Not a test: run it by hand.
 *
 *     npx tsx scripts/mock-corpus-vectors.ts --model use-lite --rows 11000 --out /tmp/use-lite-11000.f32
 *     npx tsx scripts/pca-fit-recall.ts --file /tmp/use-lite-11000.f32 [--queries 1000]
 *                                       [--widths 32,64,128,256,384,512] [--fits default,subspace:5000] [--out F.csv]
 *
 * The exact fit is 'covariance-evd' (float64 covariance, full eigendecomposition) on all rows at the widest width,
 * truncated for the narrower ones (exact axes nest). Each --fits entry is 'default' (what CompressedIndex does
 * with its default options: its sample of at most fitSampleSize evenly spaced rows, its method), or
 * method:rows ('all' or a count of evenly spaced rows); each is fitted at every width (as a scenario's optimized
 * side fits at its own width) and once more at the widest, truncated (as the width sweep does), and both are
 * reported. CPU seconds of each fit are reported beside it.
 */
import { stringify } from 'csv-stringify/sync';
import { CompressedIndex } from '../src/parts/vector-index/compressed-index.ts';
import { PCA_METHODS, fitPca, truncateModel, type PcaMethod, type PcaModel } from '../src/parts/vector-index/pca.ts';
import { exactTopK, recallAtK } from '../src/parts/vector-index/recall.ts';
import { writeFileAtomic } from '../src/util/atomic-write.ts';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { holdOut, readRawVectors } from './lib/raw-vectors.ts';

const USAGE = 'usage: npx tsx scripts/pca-fit-recall.ts --file F.f32 [--queries 1000] [--widths 32,64,128,256,384,512] [--fits default,subspace:5000] [--out F.csv]';

async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    {
      file: { type: 'string' },
      queries: { type: 'string', default: '1000' },
      widths: { type: 'string', default: '32,64,128,256,384,512' },
      fits: { type: 'string', default: 'default,subspace:5000' },
      out: { type: 'string' },
    },
    USAGE,
  );
  if (!values.file) throw new Error(`--file is required\n${USAGE}`);
  const raw = await readRawVectors(values.file);
  const { base, queries } = holdOut(raw, integerOption('queries', values.queries, 1));
  const n = base.length;
  const dim = raw.dim;
  const widths = values.widths.split(',').map((w) => integerOption('widths', w, 1)).filter((w) => w <= dim).sort((a, b) => a - b);
  const widest = widths[widths.length - 1];
  const ids = base.map((_, i) => `r${i}`);
  const truth = exactTopK(base, ids, queries, 10);
  const entries = base.map((v, i) => [ids[i], v] as const);
  const recallWith = (model: PcaModel) => {
    const index = new CompressedIndex({ components: model.components, initialCapacity: n });
    index.fit([base[0]], { model });
    index.addMany(entries);
    return recallAtK(queries.map((q) => index.search(q, 10)), truth, 10);
  };
  const cpuSeconds = <T>(run: () => T): [T, number] => {
    const started = process.cpuUsage();
    const value = run();
    const used = process.cpuUsage(started);
    return [value, (used.user + used.system) / 1e6];
  };
  console.log(`# ${values.file}: ${n} stored + ${queries.length} held-out queries, ${dim}-d; widths ${widths.join(', ')}`);

  // Normalized rows, as CompressedIndex fits them (evenly spaced when fewer than all).
  const unitRows = (rows: number): Float64Array => {
    const out = new Float64Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const v = base[Math.floor((r * n) / rows)];
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += v[j] * v[j];
      const inverse = norm === 0 ? 0 : 1 / Math.sqrt(norm);
      for (let j = 0; j < dim; j++) out[r * dim + j] = v[j] * inverse;
    }
    return out;
  };
  const all = unitRows(n);
  const [exactWidest, exactSeconds] = cpuSeconds(() => fitPca(all, dim, n, { components: widest, method: 'covariance-evd' }).model);
  console.log(`# exact: covariance-evd on all ${n} rows at ${widest} components, ${exactSeconds.toFixed(1)} s cpu`);

  type Fit = { label: string; fit: (components: number) => { model: PcaModel; rows: number; method: string } };
  const fits: Fit[] = values.fits.split(',').map((spec) => {
    if (spec === 'default') {
      return {
        label: 'default',
        fit: (components) => {
          const index = new CompressedIndex({ components, initialCapacity: 1 });
          const report = index.fit(base);
          return { model: index.model!, rows: report.sampleRows, method: report.method };
        },
      };
    }
    const [method, rowsText = 'all'] = spec.split(':');
    if (!(PCA_METHODS as readonly string[]).includes(method)) throw new Error(`--fits: unknown method '${method}' in '${spec}'`);
    const rows = rowsText === 'all' ? n : Math.min(n, integerOption('fits', rowsText, 2));
    const sample = rows === n ? all : unitRows(rows);
    return { label: spec, fit: (components) => ({ model: fitPca(sample, dim, rows, { components, method: method as PcaMethod }).model, rows, method }) };
  });

  const out: Array<Record<string, string | number>> = [];
  const exactRecall = new Map(widths.map((w) => [w, recallWith(truncateModel(exactWidest, w))]));
  for (const { label, fit } of fits) {
    const [atWidest, widestSeconds] = cpuSeconds(() => fit(widest));
    for (const width of widths) {
      const [own, seconds] = width === widest ? [atWidest, widestSeconds] : cpuSeconds(() => fit(width));
      const recallOwn = recallWith(own.model);
      const recallTruncated = width === widest ? recallOwn : recallWith(truncateModel(atWidest.model, width));
      const exact = exactRecall.get(width)!;
      out.push({
        file: values.file,
        fit: label,
        method: own.method,
        rows: own.rows,
        components: width,
        fit_cpu_s: seconds,
        recall_exact_all_rows: exact,
        recall_fit_at_width: recallOwn,
        recall_fit_at_widest_truncated: recallTruncated,
        loss_at_width: exact - recallOwn,
        loss_truncated: exact - recallTruncated,
      });
      console.log(
        `${label}\t${own.method} on ${own.rows} rows\t${width}\texact ${exact.toFixed(4)}\tat width ${recallOwn.toFixed(4)} (${(recallOwn - exact).toFixed(4)}, ${seconds.toFixed(2)} s cpu)\tfrom ${widest} ${recallTruncated.toFixed(4)} (${(recallTruncated - exact).toFixed(4)})`,
      );
    }
  }
  if (values.out) await writeFileAtomic(values.out, stringify(out, { header: true }));
  const worst = Math.max(...out.map((r) => Math.max(r.loss_at_width as number, r.loss_truncated as number)));
  console.log(`# largest loss against the exact fit on all rows: ${worst.toFixed(4)}`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
