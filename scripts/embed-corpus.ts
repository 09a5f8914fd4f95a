/**
 * Embeds every distinct text of datasets/ with the real USE-lite model and writes the shipped vectors:
 *
 *   npx tsx scripts/embed-corpus.ts [--workers 2] [--dtype float16] [--datasets datasets] [--out datasets/vectors]
 *   npx tsx scripts/embed-corpus.ts --set agent-memory     (the agent-memory workloads' texts, to datasets/agent-memory/vectors)
 *
 * `--set agent-memory` takes the texts of datasets/agent-memory/*.jsonl (distinctAgentMemoryTexts) instead of the
 * corpus's, minus those the corpus vectors already have (`--base`, default datasets/vectors; recorded as `base` in
 * the manifest): the model's loader (loadShippedVectorSets) consults both sets, so no row is stored twice.
 *
 * Writes `use-lite.f16.npy` (rows x 512, little-endian float16, C order; `.f32.npy` with --dtype float32),
 * `use-lite.texts.jsonl` (`{"row": r, "text": ...}` per row, in the order of distinctCorpusTexts) and
 * `use-lite.manifest.json` (model, package versions, backend, date, dims, normalization, sha256 of each file and of
 * each source file). Texts go to the model in fixed batches of 32 whatever the worker count, so the vectors do not
 * depend on --workers. Each worker thread loads its own copy of the model (about 150 MB); the machine may be shared,
 * so keep --workers at or below the free cores. Files are written atomically, the manifest last.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { distinctAgentMemoryTexts } from '../src/datasets/agent-memory-texts.ts';
import { distinctCorpusTexts } from '../src/datasets/corpus-texts.ts';
import { encodeNpy, parseNpy } from '../src/datasets/vector-files.ts';
import { sha256, ShippedVectors, type ShippedManifest } from '../src/endpoint/models/shipped-vectors.ts';
import { USE_LITE_DIMENSIONS, USE_LITE_NAME, USE_LITE_PACKAGES } from '../src/endpoint/models/use-lite.ts';
import { UsageError } from '../src/errors.ts';
import { writeFileAtomic } from '../src/util/atomic-write.ts';

const USAGE = `Usage: npx tsx scripts/embed-corpus.ts [options]
  --datasets <dir>   folder with memories.jsonl, queries.jsonl, traces/ (default: datasets)
  --set <name>       corpus (default: memories, queries, traces/) or agent-memory (agent-memory/*.jsonl)
  --out <dir>        where the vectors go (default: datasets/vectors; with --set agent-memory, datasets/agent-memory/vectors)
  --base <dir>       leave out the texts the shipped vectors there already have, 'none' to embed every text
                     (default: none; with --set agent-memory, datasets/vectors)
  --workers <n>      worker threads, each with its own model (default: 2)
  --dtype <t>        float16 (default) or float32
  --help             show this help`;

const BATCH = 32;
const WORKER_FILE = new URL('./lib/use-lite-worker.mjs', import.meta.url);

export async function embedAll(texts: string[], workers: number): Promise<{ data: Float32Array; backend: string }> {
  const data = new Float32Array(texts.length * USE_LITE_DIMENSIONS);
  const batches = Math.ceil(texts.length / BATCH);
  let next = 0;
  let done = 0;
  let backend = '';
  const started = Date.now();
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(WORKER_FILE);
      const send = () => {
        if (next >= batches) {
          void worker.terminate().then(() => resolve());
          return;
        }
        const id = next++;
        worker.postMessage({ id, texts: texts.slice(id * BATCH, (id + 1) * BATCH) });
      };
      worker.on('message', (message: { kind: string; id: number; flat?: Float32Array; message?: string; backend?: string }) => {
        if (message.kind === 'ready') {
          backend = message.backend ?? '';
          send();
        } else if (message.kind === 'done') {
          data.set(message.flat!, message.id * BATCH * USE_LITE_DIMENSIONS);
          done++;
          if (done % 25 === 0 || done === batches) {
            const rate = (Math.min(done * BATCH, texts.length) / ((Date.now() - started) / 1000)).toFixed(1);
            process.stderr.write(`embedded ${Math.min(done * BATCH, texts.length)}/${texts.length} (${rate} texts/s)\n`);
          }
          send();
        } else {
          void worker.terminate();
          reject(new Error(`batch ${message.id}: ${message.message}`));
        }
      });
      worker.on('error', reject);
    });
  await Promise.all(Array.from({ length: Math.min(workers, batches) }, runWorker));
  return { data, backend };
}

export function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const versions: Record<string, string> = {};
  for (const name of USE_LITE_PACKAGES) versions[name] = (require(`${name}/package.json`) as { version: string }).version;
  return versions;
}

export async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    {
      datasets: { type: 'string', default: 'datasets' },
      set: { type: 'string', default: 'corpus' },
      out: { type: 'string' },
      base: { type: 'string' },
      workers: { type: 'string', default: '2' },
      dtype: { type: 'string', default: 'float16' },
      help: { type: 'boolean', default: false },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const workers = integerOption('--workers', values.workers, 1);
  const dtype = values.dtype;
  if (dtype !== 'float16' && dtype !== 'float32') throw new UsageError({ field: '--dtype' }, `expected float16 or float32, found '${dtype}'`);

  const set = values.set;
  if (set !== 'corpus' && set !== 'agent-memory') throw new UsageError({ field: '--set' }, `expected corpus or agent-memory, found '${set}'`);
  const out = values.out ?? (set === 'corpus' ? 'datasets/vectors' : 'datasets/agent-memory/vectors');
  const baseDir = values.base ?? (set === 'corpus' ? 'none' : 'datasets/vectors');
  const all = set === 'corpus' ? await distinctCorpusTexts(values.datasets) : await distinctAgentMemoryTexts(values.datasets);
  const base = baseDir === 'none' ? undefined : await ShippedVectors.load(USE_LITE_NAME, baseDir);
  // Texts the base set has are answered from it (loadShippedVectorSets combines both); only the others are here.
  const texts = base ? all.texts.filter((text) => !base.has(text)) : all.texts;
  const { sources } = all;
  process.stderr.write(
    `${all.texts.length} distinct texts from ${sources.join(', ')}; ${all.texts.length - texts.length} already in ${baseDir}, ${texts.length} to embed; ${workers} worker(s)\n`,
  );
  const started = Date.now();
  const { data, backend } = await embedAll(texts, workers);
  process.stderr.write(`embedded ${texts.length} texts in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  const dims = USE_LITE_DIMENSIONS;
  let maxNormError = 0;
  for (let r = 0; r < texts.length; r++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += data[r * dims + j] ** 2;
    maxNormError = Math.max(maxNormError, Math.abs(Math.sqrt(s) - 1));
  }
  const npy = encodeNpy(data, texts.length, dims, dtype);
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
  const vectorsName = `${USE_LITE_NAME}.${dtype === 'float16' ? 'f16' : 'f32'}.npy`;
  const textsName = `${USE_LITE_NAME}.texts.jsonl`;
  const sourceSums: ShippedManifest['sources'] = {};
  for (const source of sources) {
    const bytes = await readFile(join(values.datasets, source));
    sourceSums[source] = { sha256: sha256(bytes), bytes: bytes.byteLength };
  }
  const manifest: ShippedManifest = {
    model: USE_LITE_NAME,
    description: 'Universal Sentence Encoder lite (512-d), TensorFlow.js graph run by @energetic-ai/embeddings',
    packages: packageVersions(),
    backend: `@energetic-ai/core (TensorFlow.js) ${backend} backend, Node ${process.version}`,
    created: new Date().toISOString(),
    rows: texts.length,
    dims,
    dtype,
    normalization: 'the model outputs unit-norm vectors; stored as produced (not re-normalized)',
    maxNormError,
    maxStorageCosineLoss,
    sources: sourceSums,
    files: { vectors: vectorsName, texts: textsName },
    checksums: {
      [vectorsName]: { sha256: sha256(npy), bytes: npy.byteLength },
      [textsName]: { sha256: sha256(textsJsonl), bytes: Buffer.byteLength(textsJsonl) },
    },
    command: `npx tsx scripts/embed-corpus.ts${set === 'corpus' ? '' : ` --set ${set}`} --workers ${workers} --dtype ${dtype}`,
    ...(base ? { base: { from: relative(out, baseDir) || '.', rows: all.texts.length - texts.length, sha256: base.manifest.checksums[base.manifest.files.vectors].sha256 } } : {}),
  };
  await writeFileAtomic(join(out, vectorsName), npy);
  await writeFileAtomic(join(out, textsName), textsJsonl);
  await writeFileAtomic(join(out, `${USE_LITE_NAME}.manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stderr.write(
    `wrote ${relative('.', join(out, vectorsName))} (${npy.byteLength} bytes), ${textsName}, manifest; max |norm-1| ${maxNormError.toExponential(2)}, max 1-cos from storage ${maxStorageCosineLoss.toExponential(2)}\n`,
  );
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
