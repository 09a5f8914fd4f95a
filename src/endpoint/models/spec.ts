/** The names `--model` accepts, checked without loading anything (so a bad name fails before a server starts). */
import { InputError, type InputLocation } from '../../errors.ts';

export const USE_LITE_SPEC = 'use-lite';
export const ONNX_SPEC_PREFIX = 'onnx:';

export const MODEL_SPEC_EXPECTED = `'${USE_LITE_SPEC}' or '${ONNX_SPEC_PREFIX}<folder>'`;

/** Whether `spec` names a model memopt can serve (without loading it). */
export function isModelSpec(spec: string): boolean {
  return spec === USE_LITE_SPEC || (spec.startsWith(ONNX_SPEC_PREFIX) && spec.length > ONNX_SPEC_PREFIX.length);
}

/** Throws InputError (exit 2) unless `spec` is `use-lite` or `onnx:<folder>`. */
export function checkModelSpec(spec: string, where: InputLocation = { field: '--model' }): void {
  if (!isModelSpec(spec)) throw new InputError(where, `unknown model '${spec}': expected ${MODEL_SPEC_EXPECTED}`);
}
