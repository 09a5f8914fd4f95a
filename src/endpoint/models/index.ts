/**
 * Real embedding models run in-process, chosen by name: `use-lite` (shipped with memopt) or `onnx:<folder>` (a
 * user's local transformers.js model folder). `memopt serve --model <name>` serves one under the OpenAI contract.
 */
import { checkModelSpec } from './spec.ts';
import { loadOnnxFolderModel, ONNX_PREFIX, type OnnxFolderModelOptions } from './onnx-folder.ts';
import type { TextEmbeddingModel } from './types.ts';
import { createUseLiteModel, USE_LITE_NAME } from './use-lite.ts';

export type { ModelEmbeddings, ModelStats, TextEmbeddingModel } from './types.ts';
export { createCachedModel, type CachedModelOptions } from './cached-model.ts';
export { createUseLiteModel, countUseLiteTokens, embedWithUseLite, loadUseLite, USE_LITE_DIMENSIONS, USE_LITE_NAME, type UseLiteModelOptions } from './use-lite.ts';
export { checkOnnxFolder, loadOnnxFolderModel, ONNX_PREFIX, TRANSFORMERS_MODULE_ENV, TRANSFORMERS_PACKAGE, type OnnxFolderModelOptions } from './onnx-folder.ts';
export {
  AGENT_MEMORY_VECTORS_DIR,
  combineShippedVectors,
  loadShippedVectorSets,
  SHIPPED_VECTOR_DIRS,
  SHIPPED_VECTORS_DIR,
  ShippedVectors,
  type ShippedManifest,
  type ShippedVectorLookup,
} from './shipped-vectors.ts';

export { checkModelSpec } from './spec.ts';

/** The model a `--model` value names; an InputError (exit 2) for anything else. USE-lite itself loads lazily. */
export async function openTextEmbeddingModel(
  spec: string,
  options: { cacheEntries?: number; transformersModule?: OnnxFolderModelOptions['transformersModule'] } = {},
): Promise<TextEmbeddingModel> {
  checkModelSpec(spec);
  const { transformersModule, ...common } = options;
  if (spec === USE_LITE_NAME) return createUseLiteModel(common);
  return loadOnnxFolderModel(spec.slice(ONNX_PREFIX.length), { ...common, transformersModule });
}
