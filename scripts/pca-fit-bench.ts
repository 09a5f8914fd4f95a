/**
 * Measures every PCA fit method on the mock's embeddings of the memories corpus, to choose the default by
 * measurement (README.md, "Choosing the fit method"). Not part of the test suite: run it by hand.
 *
 *     npx tsx scripts/pca-fit-bench.ts [--rows 5000] [--components 256] [--methods subspace,covariance-evd]
 *                                    [--small-rows 1000] [--nipals-components 4]
 *
 * The ml-pca methods take minutes at full size, so by default ml-pca SVD and covariance are measured on
 * `--small-rows` rows and NIPALS for `--nipals-components` components, and each line says what was measured. The
 * subspace method also prints the variance its block captures after each iteration, against the exact
 * eigendecomposition when 'covariance-evd' is among the methods.
 */
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/datasets/index.ts';
import { embeddingFor } from '../src/endpoint/emulated-api/index.ts';
import { PCA_METHODS, explainedVariance, fitPca, type PcaMethod } from '../src/parts/vector-index/pca.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    components: { type: 'string', default: '256' },
    methods: { type: 'string', default: 'subspace,covariance-evd,ml-pca-svd,ml-pca-covariance,ml-pca-nipals' },
    'small-rows': { type: 'string', default: '1000' },
    'nipals-components': { type: 'string', default: '4' },
    dataset: { type: 'string', default: 'datasets/memories.jsonl' },
  },
});
const rows = Number(values.rows);
const components = Number(values.components);
const smallRows = Number(values['small-rows']);
const nipalsComponents = Number(values['nipals-components']);
const methods = values.methods.split(',') as PcaMethod[];
for (const m of methods) if (!(PCA_METHODS as readonly string[]).includes(m)) throw new Error(`unknown method ${m}`);

const records = await loadDataset(values.dataset);
const dims = embeddingFor('probe').length;
const data = new Float32Array(rows * dims);
records.slice(0, rows).forEach((record, r) => data.set(embeddingFor(record.text), r * dims));
console.log(`# ${rows} x ${dims} mock embeddings of ${values.dataset}, ${components} components, node ${process.version}`);
console.log('method\trows\tcomponents\tfit_ms\texplained_variance\titerations\tnote');

let exact: number | undefined;
const trajectory: Array<[number, number]> = [];
for (const method of methods) {
  const slow = method === 'ml-pca-svd' || method === 'ml-pca-covariance';
  const n = slow ? Math.min(rows, smallRows) : rows;
  const k = method === 'ml-pca-nipals' ? Math.min(components, nipalsComponents) : Math.min(components, n - 1);
  const started = performance.now();
  const result = fitPca(data, dims, n, {
    components: k,
    method,
    onIteration: method === 'subspace' ? (i, captured) => trajectory.push([i, captured]) : undefined,
  });
  const ms = performance.now() - started;
  const ev = explainedVariance(result.model);
  if (method === 'covariance-evd' && n === rows && k === components) exact = ev;
  const note = n !== rows ? `measured on ${n} rows` : k !== components ? `measured for ${k} components` : '';
  console.log([method, n, k, ms.toFixed(0), ev.toFixed(5), result.iterations, note].join('\t'));
}
if (trajectory.length > 0) {
  console.log('\n# subspace iteration: variance captured by the whole block (components + oversample) after each iteration');
  for (const [i, captured] of trajectory) console.log(`iteration ${i}\tcaptured ${captured.toFixed(6)}`);
  if (exact !== undefined) console.log(`exact explained variance of the top ${components} (covariance-evd): ${exact.toFixed(5)}`);
}
