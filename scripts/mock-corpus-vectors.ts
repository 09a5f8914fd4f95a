/**
 * Writes the mock's embeddings of the shipped corpus as a raw float32 file (+ JSON sidecar): the data the speed
 * scripts and the mean-term script run on (random isotropic rows are no good for PCA timing).
 *
 *     npx tsx scripts/mock-corpus-vectors.ts --out /tmp/mock-20000x1536.f32 [--rows 20000] [--model text-embedding-3-small]
 *
 * Rows, in order: every distinct memory text, every distinct query text, every distinct trace text; if that is
 * fewer than --rows, variants of the memories follow (the memory text plus one of a few short suffixes, so each
 * variant is a near-duplicate with its own vector), until --rows.
 *
 * `--model use-lite` writes the shipped real vectors (datasets/vectors/, USE-lite 512-d) of the same texts instead;
 * it has rows for the corpus texts only (12,158), so --rows may not exceed that:
 *
 *     npx tsx scripts/mock-corpus-vectors.ts --model use-lite --rows 11000 --out /tmp/use-lite-11000.f32
 */
import { join } from 'node:path';
import { DEFAULT_DATASET_DIR, DEFAULT_DATASETS, loadDataset, loadQueries } from '../src/datasets/index.ts';
import { readTrace } from '../src/datasets/traces.ts';
import { embeddingFor } from '../src/endpoint/emulated-api/index.ts';
import { ShippedVectors } from '../src/endpoint/models/shipped-vectors.ts';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { writeRawVectors } from './lib/raw-vectors.ts';

const USAGE = 'usage: npx tsx scripts/mock-corpus-vectors.ts --out FILE.f32 [--rows 20000] [--model text-embedding-3-small]';
const SUFFIXES = ['Noted again later.', 'Still true as of this week.', 'Mentioned twice.', 'Confirmed by the user.', 'Worth remembering.'];

/** The corpus texts the file's rows embed, in row order. */
export async function corpusTexts(rows: number): Promise<string[]> {
  const memories = await loadDataset(join(DEFAULT_DATASET_DIR, DEFAULT_DATASETS.memories.file));
  const queries = await loadQueries(join(DEFAULT_DATASET_DIR, DEFAULT_DATASETS.queries.file));
  const traceTexts: string[] = [];
  for (const name of ['search-default.jsonl', 'search-quick.jsonl']) {
    for (const op of await readTrace(join(DEFAULT_DATASET_DIR, 'traces', name))) traceTexts.push(op.text);
  }
  const texts = [...new Set([...memories.map((m) => m.text), ...queries.map((q) => q.text), ...traceTexts])];
  for (let round = 0; texts.length < rows; round++) {
    const suffix = SUFFIXES[round % SUFFIXES.length] + (round >= SUFFIXES.length ? ` (${Math.floor(round / SUFFIXES.length) + 1})` : '');
    for (const memory of memories) {
      if (texts.length >= rows) break;
      texts.push(`${memory.text} ${suffix}`);
    }
  }
  return texts.slice(0, rows);
}

async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(argv, { out: { type: 'string' }, rows: { type: 'string', default: '20000' }, model: { type: 'string', default: 'text-embedding-3-small' } }, USAGE);
  if (!values.out) throw new Error(`--out is required\n${USAGE}`);
  const rows = integerOption('rows', values.rows, 1);
  const texts = await corpusTexts(rows);
  let embed = (text: string) => embeddingFor(text, values.model);
  let source = `mock ${values.model} embeddings of the corpus (scripts/mock-corpus-vectors.ts)`;
  if (values.model === 'use-lite') {
    const shipped = await ShippedVectors.load('use-lite');
    embed = (text) => {
      const v = shipped.vectorFor(text);
      if (!v) throw new Error(`the shipped use-lite vectors have no row for ${JSON.stringify(text.slice(0, 60))}: use --rows ${shipped.size} or fewer`);
      return v;
    };
    source = `shipped use-lite vectors of the corpus (datasets/vectors/, ${shipped.manifest.created})`;
  }
  const dim = embed(texts[0]).length;
  const data = new Float32Array(rows * dim);
  texts.forEach((text, r) => data.set(embed(text), r * dim));
  await writeRawVectors(values.out, { rows, dim, data }, { source });
  console.log(`wrote ${values.out}: ${rows} x ${dim} float32 (${texts.length} texts)`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
