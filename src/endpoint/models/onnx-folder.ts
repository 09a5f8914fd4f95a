/**
 * `onnx:<folder>`: a user's local transformers.js model folder (MiniLM, bge, e5...), run by
 * `@huggingface/transformers` with remote models disabled: nothing is ever downloaded.
 *
 * `@huggingface/transformers` is NOT a memopt dependency, not even optional or dev (`npm ci` installs both anyway):
 * with its `onnxruntime-node` (native runtime binaries for every platform, and an install script that fetches a
 * CUDA runtime from the network, which must stay denied) and `onnxruntime-web` it adds 475 MB to node_modules
 * (measured, 4.3.2), which every memopt user would download for one opt-in feature that needs a model folder they
 * must bring anyway. A user who has such a folder installs it next to memopt:
 *
 *   ONNXRUNTIME_NODE_INSTALL=skip npm install @huggingface/transformers   (keep onnxruntime-node's script denied)
 *
 * or names a module to import in its place (`transformersModule`, or the environment variable
 * MEMOPT_TRANSFORMERS_MODULE): a path to a file that re-exports the package from wherever it is installed.
 *
 * The folder is checked before the package is even imported, so a missing or incomplete folder is a clear error
 * (exit 2) whether or not the package is there. Expected layout (what transformers.js's conversion writes):
 *   <folder>/config.json, <folder>/tokenizer.json, <folder>/tokenizer_config.json,
 *   <folder>/onnx/model.onnx (float32) or <folder>/onnx/model_quantized.onnx (int8).
 * Vectors are mean-pooled over tokens and L2-normalized (the sentence-transformers recipe); `usage` tokens are the
 * model's own tokenizer's ids, special tokens included.
 *
 * Both paths are tested. The success path runs on a tiny seeded BERT-shaped model built offline
 * (test/fixtures/onnx-tiny/, vectors checked against numpy), with the package from the pinned test-only sub-project
 * test/onnx-peer/ (its own lock file; .ci/run installs it with scripts denied and requires the test to run).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../../errors.ts';
import { createCachedModel } from './cached-model.ts';
import type { TextEmbeddingModel } from './types.ts';

export const ONNX_PREFIX = 'onnx:';
/** The package a user installs for `onnx:<folder>` (not a memopt dependency; see the module comment). */
export const TRANSFORMERS_PACKAGE = '@huggingface/transformers';
/** Environment variable naming a module to import in place of the package (see `transformersModule`). */
export const TRANSFORMERS_MODULE_ENV = 'MEMOPT_TRANSFORMERS_MODULE';

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
const MODEL_FILES = { 'onnx/model.onnx': 'fp32', 'onnx/model_quantized.onnx': 'q8' } as const;

export interface OnnxFolderCheck {
  folder: string;
  /** The weights file found and the dtype transformers.js loads it as. */
  modelFile: keyof typeof MODEL_FILES;
  dtype: (typeof MODEL_FILES)[keyof typeof MODEL_FILES];
}

/** Checks the folder's layout; an InputError (exit 2) lists everything missing. */
export function checkOnnxFolder(folder: string): OnnxFolderCheck {
  const where = { field: `--model ${ONNX_PREFIX}${folder}` };
  const absolute = resolve(folder);
  if (!existsSync(absolute)) throw new InputError(where, `model folder ${absolute} does not exist`);
  if (!statSync(absolute).isDirectory()) throw new InputError(where, `${absolute} is a file, expected a transformers.js model folder`);
  const missing: string[] = REQUIRED_FILES.filter((file) => !existsSync(join(absolute, file)));
  const modelFile = (Object.keys(MODEL_FILES) as Array<keyof typeof MODEL_FILES>).find((file) => existsSync(join(absolute, file)));
  if (!modelFile) missing.push(Object.keys(MODEL_FILES).join(' or '));
  if (missing.length > 0) {
    throw new InputError(where, `incomplete transformers.js model folder ${absolute}: missing ${missing.join(', ')}`);
  }
  return { folder: absolute, modelFile: modelFile!, dtype: MODEL_FILES[modelFile!] };
}

// The package's types are not available at compile time (it is not installed here), so its surface is declared.
interface FeatureExtractor {
  (texts: string[], options: { pooling: 'mean'; normalize: boolean }): Promise<{ dims: number[]; tolist(): number[][] }>;
  tokenizer: { encode(text: string): number[] };
}
interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline(task: 'feature-extraction', model: string, options: { dtype: string; local_files_only: boolean }): Promise<FeatureExtractor>;
}

/**
 * Imports the package by a computed name, so memopt type-checks and runs without it; or, when `module` is given, the
 * module at that path (a file that re-exports the package from another install, e.g. test/onnx-peer/index.mjs).
 */
async function importTransformers(folder: string, module: string | undefined): Promise<TransformersModule> {
  const where = { field: `--model ${ONNX_PREFIX}${folder}` };
  if (module !== undefined) {
    const path = resolve(module);
    let loaded: Partial<TransformersModule>;
    try {
      loaded = (await import(pathToFileURL(path).href)) as Partial<TransformersModule>;
    } catch (error) {
      throw new InputError(where, `cannot import ${path} (named by ${TRANSFORMERS_MODULE_ENV} or transformersModule) in place of ${TRANSFORMERS_PACKAGE}: ${(error as Error).message}`, { cause: error });
    }
    if (typeof loaded.pipeline !== 'function' || typeof loaded.env !== 'object') {
      throw new InputError(where, `${path} (named by ${TRANSFORMERS_MODULE_ENV} or transformersModule) does not export ${TRANSFORMERS_PACKAGE}'s pipeline and env`);
    }
    return loaded as TransformersModule;
  }
  const name: string = TRANSFORMERS_PACKAGE;
  try {
    return (await import(name)) as TransformersModule;
  } catch (error) {
    throw new InputError(
      where,
      `${TRANSFORMERS_PACKAGE} is not installed (it is not a memopt dependency): install it with ` +
        `ONNXRUNTIME_NODE_INSTALL=skip npm install ${TRANSFORMERS_PACKAGE} (${(error as Error).message})`,
      { cause: error },
    );
  }
}

export interface OnnxFolderModelOptions {
  /** Vectors of earlier texts kept, in entries. Default 20,000. */
  cacheEntries?: number;
  /**
   * Path of a module to import in place of `@huggingface/transformers` (one that re-exports it from another install).
   * Default: the environment variable MEMOPT_TRANSFORMERS_MODULE if set, else the package itself, resolved from memopt.
   */
  transformersModule?: string;
}

/** Checks the folder, loads the model once, and returns it as a TextEmbeddingModel (no shipped vectors). */
export async function loadOnnxFolderModel(folder: string, options: OnnxFolderModelOptions = {}): Promise<TextEmbeddingModel> {
  const check = checkOnnxFolder(folder);
  const config = JSON.parse(await readFile(join(check.folder, 'config.json'), 'utf8')) as { hidden_size?: number };
  const transformers = await importTransformers(folder, options.transformersModule ?? (process.env[TRANSFORMERS_MODULE_ENV] || undefined));
  // transformers.js resolves a model name under env.localModelPath; this is process-wide.
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = dirname(check.folder);
  const extractor = await transformers.pipeline('feature-extraction', basename(check.folder), {
    dtype: check.dtype,
    local_files_only: true,
  });
  const run = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const output = await extractor([...texts], { pooling: 'mean', normalize: true });
    return output.tolist().map((row) => Float32Array.from(row));
  };
  const [probe] = await run(['dimension probe']);
  if (config.hidden_size !== undefined && config.hidden_size !== probe.length) {
    throw new InputError({ file: join(check.folder, 'config.json'), field: 'hidden_size' }, `says ${config.hidden_size}, but the model returns ${probe.length} dimensions`);
  }
  return createCachedModel({
    name: `${ONNX_PREFIX}${folder}`,
    dimensions: probe.length,
    normalizes: true,
    tokenCounting: "the model folder's own tokenizer (tokenizer.json), special tokens included",
    maxInputTokens: await declaredMaxLength(check.folder),
    run,
    passesFor: () => 1,
    countTokens: async (texts) => texts.map((text) => extractor.tokenizer.encode(text).length),
    cacheEntries: options.cacheEntries ?? 20_000,
    shipped: async () => null,
  });
}

/**
 * The input length the folder's tokenizer declares (tokenizer_config.json model_max_length), to which transformers.js
 * truncates; null when it declares none or a placeholder (Hugging Face writes 1e30 for "no limit"). Declared, not
 * measured by memopt.
 */
async function declaredMaxLength(folder: string): Promise<number | null> {
  try {
    const value = (JSON.parse(await readFile(join(folder, 'tokenizer_config.json'), 'utf8')) as { model_max_length?: unknown }).model_max_length;
    return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 1_000_000 ? value : null;
  } catch {
    return null;
  }
}
