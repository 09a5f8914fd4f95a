/**
 * The mock's embedding geometry against the real USE-lite model's, on the shipped corpus texts:
 *
 *   npx tsx scripts/mock-vs-real.ts [--texts N] [--seed 1] [--queries 500] [--out table.json]
 *
 * Uses the shipped real vectors (datasets/vectors/use-lite.*; no model run) and the mock's text-embedding-3-small
 * vectors of the same texts (all distinct corpus texts, or a seeded sample of --texts). Prints the table as
 * Markdown; --out also writes it as JSON (a DetailTable: name, columns, rows).
 */
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { mockVsRealOnTexts } from '../src/analysis/mock-vs-real.ts';
import { ShippedVectors } from '../src/endpoint/models/shipped-vectors.ts';
import { takeSample } from '../src/datasets/load.ts';
import { writeFileAtomic } from '../src/util/atomic-write.ts';
import type { DetailTable } from '../src/harness/types.ts';

const USAGE = `Usage: npx tsx scripts/mock-vs-real.ts [options]
  --texts <n>     compare on a seeded sample of n texts (default: all shipped texts)
  --queries <n>   texts whose 10 nearest neighbours are compared (default: 500)
  --seed <n>      seed of the samples (default: 1)
  --out <file>    also write the table as JSON
  --help          show this help`;

function markdown(table: DetailTable): string {
  const cell = (v: string | number | boolean | null) => (v === null ? '' : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v));
  return [
    `| ${table.columns.join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    {
      texts: { type: 'string' },
      queries: { type: 'string', default: '500' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seed = integerOption('--seed', values.seed);
  const shipped = await ShippedVectors.load('use-lite');
  let texts = shipped.texts();
  if (values.texts !== undefined) texts = takeSample(texts, integerOption('--texts', values.texts, 2), seed);
  const table = await mockVsRealOnTexts(texts, { shipped, seed, neighbourQueries: integerOption('--queries', values.queries, 1) });
  console.log(markdown(table));
  if (values.out) await writeFileAtomic(values.out, `${JSON.stringify(table, null, 2)}\n`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
