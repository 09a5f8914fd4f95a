/**
 * The tiny seeded ONNX model folder (test/fixtures/onnx-tiny/, built by its build.py) and the pinned
 * `@huggingface/transformers` that runs it (test/onnx-peer/, a test-only sub-project with its own lock file).
 *
 * Without the sub-project installed (`cd test/onnx-peer && npm ci --ignore-scripts`) the success-path tests skip with
 * a message, unless MEMOPT_REQUIRE_ONNX=1 (set by .ci/run, which installs it): then they fail, so CI never skips them
 * silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { cosine } from '../../src/memory/reference.mjs';

export const ONNX_TINY_FOLDER = fileURLToPath(new URL('../fixtures/onnx-tiny', import.meta.url));
const PEER_FOLDER = fileURLToPath(new URL('../onnx-peer', import.meta.url));
/** The module memopt imports in place of the package (transformersModule / MEMOPT_TRANSFORMERS_MODULE). */
export const ONNX_PEER_MODULE = join(PEER_FOLDER, 'index.mjs');

export interface ExpectedText {
  text: string;
  tokens: string[];
  token_count: number;
  /** Computed by build.py in numpy: mean over attention-masked tokens, L2-normalized. */
  vector: number[];
}
export interface OnnxTinyExpected {
  seed: number;
  hidden_size: number;
  texts: ExpectedText[];
}
export const ONNX_TINY_EXPECTED = JSON.parse(readFileSync(join(ONNX_TINY_FOLDER, 'expected.json'), 'utf8')) as OnnxTinyExpected;

const installed = existsSync(join(PEER_FOLDER, 'node_modules', '@huggingface', 'transformers', 'package.json'));
const required = process.env.MEMOPT_REQUIRE_ONNX === '1';
/** Whether the success-path tests run: the sub-project is installed, or CI requires them (then they fail without it). */
export const ONNX_PEER_RUNS = installed || required;
if (!ONNX_PEER_RUNS) {
  console.warn('onnx:<folder> success path: test/onnx-peer is not installed; skipping. Run `cd test/onnx-peer && npm ci --ignore-scripts` to test it.');
}
