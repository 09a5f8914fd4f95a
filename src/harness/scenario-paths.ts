/**
 * Where a scenario's paths point. A relative path in a scenario resolves against the folder of the scenario file
 * that gives it, never against the working directory, so `memopt run path/to/scenario.ts` reads the same files from
 * any folder. memopt's own data (datasets/: memories, queries, traces, the shipped vectors) is addressed by the
 * drivers' defaults and by `shippedDataPath()` (src/datasets/defaults.ts), both absolute paths into the package.
 *
 * Which workload fields are paths is what the driver declares through `inputs()` (a file declaration whose `field`
 * is a workload field holding exactly that path): every file the harness checks and hashes is resolved here, for
 * memopt's drivers and a user's own alike.
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ONNX_SPEC_PREFIX } from '../endpoint/models/spec.ts';
import type { InputDeclaration, WorkloadDriver } from './types.ts';

/**
 * The workload with every relative path its driver declares as an input resolved against `scenarioDir`. Returns the
 * same object when nothing changes; otherwise a copy (the objects along each changed field are copied, never the
 * scenario's own).
 */
export function resolveWorkloadPaths(
  driver: Pick<WorkloadDriver, 'inputs'>,
  workload: unknown,
  variants: { baseline: unknown; optimized: unknown },
  scenarioDir: string,
): unknown {
  return mapWorkloadPaths(driver, workload, variants, (path) => (isAbsolute(path) ? path : resolve(scenarioDir, path)));
}

/**
 * The workload as run.json's manifest records it: each declared input path as `reportedPath` gives it, so a run in
 * another checkout or on another machine records (and `compare` sees) the same workload.
 */
export function reportedWorkload(driver: Pick<WorkloadDriver, 'inputs'>, workload: unknown, variants: { baseline: unknown; optimized: unknown }): unknown {
  return mapWorkloadPaths(driver, workload, variants, (path) => (isAbsolute(path) ? reportedPath(path) : path));
}

/** The workload with `map` applied to each file path its driver declares under a workload field (a copy if any changes). */
function mapWorkloadPaths(
  driver: Pick<WorkloadDriver, 'inputs'>,
  workload: unknown,
  variants: { baseline: unknown; optimized: unknown },
  map: (path: string) => string,
): unknown {
  if (!driver.inputs || typeof workload !== 'object' || workload === null) return workload;
  const declarations: unknown = driver.inputs(workload, variants);
  if (!Array.isArray(declarations)) return workload; // checkInputs reports a driver that returns no array
  let mapped = workload as Record<string, unknown>;
  for (const declaration of declarations as InputDeclaration[]) {
    if (declaration.kind === 'postgres' || typeof declaration.path !== 'string') continue;
    const keys = declaration.field.split('.');
    if (keys[0] !== 'workload' || keys.length < 2) continue;
    if (valueAt(mapped, keys.slice(1)) !== declaration.path) continue;
    const next = map(declaration.path);
    if (next !== declaration.path) mapped = withValueAt(mapped, keys.slice(1), next);
  }
  return mapped;
}

/** A scenario's endpoint model: `onnx:<folder>` with a relative folder resolves against the scenario's folder. */
export function resolveModelPath(model: string | undefined, scenarioDir: string): string | undefined {
  if (model === undefined || !model.startsWith(ONNX_SPEC_PREFIX)) return model;
  const folder = model.slice(ONNX_SPEC_PREFIX.length);
  return folder === '' || isAbsolute(folder) ? model : `${ONNX_SPEC_PREFIX}${resolve(scenarioDir, folder)}`;
}

/** The folder a scenario file's relative paths resolve against. */
export function scenarioDirOf(file: string): string {
  return dirname(resolve(file));
}

/**
 * A path as a report records it: relative to the working directory when it lies inside it (so a run in the
 * repository records `datasets/memories.jsonl`, as before paths were resolved), otherwise absolute.
 */
export function reportedPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd === '' || fromCwd === '..' || fromCwd.startsWith(`..${sep}`) || isAbsolute(fromCwd) ? path : fromCwd;
}

function valueAt(object: Record<string, unknown>, keys: readonly string[]): unknown {
  let value: unknown = object;
  for (const key of keys) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function withValueAt(object: Record<string, unknown>, keys: readonly string[], value: unknown): Record<string, unknown> {
  const [key, ...rest] = keys;
  const inner = object[key];
  return { ...object, [key]: rest.length === 0 ? value : withValueAt(inner as Record<string, unknown>, rest, value) };
}
