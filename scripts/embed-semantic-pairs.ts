/**
 * Embeds every text of the semantic-cache workload (src/datasets/semantic-pairs.ts: memories and question phrasings
 * of `--users` namespaces at `--seed`) with the real USE-lite model, and writes them as shipped vectors the way
 * scripts/embed-corpus.ts writes the corpus's (same worker, same fixed batches of 32, same manifest format):
 *
 *   npx tsx scripts/embed-semantic-pairs.ts [--seed 42] [--users 16] [--workers 1] [--out datasets/vectors/semantic]
 *
 * A workload with fewer users at the same seed is a prefix of this one (namespaces are drawn one after another), so
 * the quick form's texts are all shipped too. Files are written atomically, the manifest last.
 */
import { join, relative } from 'node:path';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { embedAll, packageVersions } from './embed-corpus.ts';
import { generateSemanticWorkload, semanticWorkloadTexts } from '../src/datasets/semantic-pairs.ts';
import { encodeNpy, parseNpy } from '../src/datasets/vector-files.ts';
import { sha256, type ShippedManifest } from '../src/endpoint/models/shipped-vectors.ts';
import { USE_LITE_DIMENSIONS, USE_LITE_NAME } from '../src/endpoint/models/use-lite.ts';
import { writeFileAtomic } from '../src/util/atomic-write.ts';

const USAGE = `Usage: npx tsx scripts/embed-semantic-pairs.ts [options]
  --seed <n>      workload seed (default: 42)
  --users <n>     namespaces (default: 16)
  --workers <n>   worker threads, each with its own model (default: 1)
  --out <dir>     where the vectors go (default: datasets/vectors/semantic)
  --help          show this help`;

export async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    {
      seed: { type: 'string', default: '42' },
      users: { type: 'string', default: '16' },
      workers: { type: 'string', default: '1' },
      out: { type: 'string', default: 'datasets/vectors/semantic' },
      help: { type: 'boolean', default: false },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seed = integerOption('--seed', values.seed);
  const users = integerOption('--users', values.users, 1);
  const workers = integerOption('--workers', values.workers, 1);
  const texts = semanticWorkloadTexts(generateSemanticWorkload({ seed, users, pairsPerKind: 0 }));
  process.stderr.write(`${texts.length} distinct texts of the semantic workload (seed ${seed}, ${users} users); ${workers} worker(s)\n`);
  const { data, backend } = await embedAll(texts, workers);
  const dims = USE_LITE_DIMENSIONS;
  let maxNormError = 0;
  for (let r = 0; r < texts.length; r++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += data[r * dims + j] ** 2;
    maxNormError = Math.max(maxNormError, Math.abs(Math.sqrt(s) - 1));
  }
  const npy = encodeNpy(data, texts.length, dims, 'float16');
  const stored = parseNpy('(encoded)', npy).data;
  let maxStorageCosineLoss = 0;
  for (let r = 0; r < texts.length; r++) {
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let j = 0; j < dims; j++) {
      const x = data[r * dims + j];
      const y = stored[r * dims + j];
      dot += x * y;
      a += x * x;
      b += y * y;
    }
    maxStorageCosineLoss = Math.max(maxStorageCosineLoss, 1 - dot / Math.sqrt(a * b));
  }
  const textsJsonl = texts.map((text, row) => `${JSON.stringify({ row, text })}\n`).join('');
  const vectorsName = `${USE_LITE_NAME}.f16.npy`;
  const textsName = `${USE_LITE_NAME}.texts.jsonl`;
  const manifest: ShippedManifest = {
    model: USE_LITE_NAME,
    description: 'Universal Sentence Encoder lite (512-d) vectors of the semantic-cache workload (src/datasets/semantic-pairs.ts)',
    packages: packageVersions(),
    backend: `@energetic-ai/core (TensorFlow.js) ${backend} backend, Node ${process.version}`,
    created: new Date().toISOString(),
    rows: texts.length,
    dims,
    dtype: 'float16',
    normalization: 'the model outputs unit-norm vectors; stored as produced (not re-normalized)',
    maxNormError,
    maxStorageCosineLoss,
    sources: { [`semantic-pairs seed ${seed} users ${users}`]: { sha256: sha256(textsJsonl), bytes: Buffer.byteLength(textsJsonl) } },
    files: { vectors: vectorsName, texts: textsName },
    checksums: {
      [vectorsName]: { sha256: sha256(npy), bytes: npy.byteLength },
      [textsName]: { sha256: sha256(textsJsonl), bytes: Buffer.byteLength(textsJsonl) },
    },
    command: `npx tsx scripts/embed-semantic-pairs.ts --seed ${seed} --users ${users} --workers ${workers}`,
  };
  await writeFileAtomic(join(values.out, vectorsName), npy);
  await writeFileAtomic(join(values.out, textsName), textsJsonl);
  await writeFileAtomic(join(values.out, `${USE_LITE_NAME}.manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stderr.write(`wrote ${relative('.', join(values.out, vectorsName))} (${npy.byteLength} bytes), ${textsName}, manifest\n`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
