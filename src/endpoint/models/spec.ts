/** The names `--model` accepts, checked without loading anything (so a bad name fails before a server starts). */
import { InputError, type InputLocation } from '../../errors.ts';

export const USE_LITE_SPEC = 'use-lite';
export const ONNX_SPEC_PREFIX = 'onnx:';

/** Throws InputError (exit 2) unless `spec` is `use-lite` or `onnx:<folder>`. */
export function checkModelSpec(spec: string, where: InputLocation = { field: '--model' }): void {
  if (spec === USE_LITE_SPEC) return;
  if (spec.startsWith(ONNX_SPEC_PREFIX) && spec.length > ONNX_SPEC_PREFIX.length) return;
  throw new InputError(where, `unknown model '${spec}': expected '${USE_LITE_SPEC}' or '${ONNX_SPEC_PREFIX}<folder>'`);
}
