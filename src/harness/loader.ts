import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ScenarioError, UsageError } from '../errors.ts';
import { validateScenario, type ValidatedScenario } from './scenario-schema.ts';

const SCENARIO_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/** The scenario files to run: the given files or folders, or every file in `defaultDir`; sorted, de-duplicated. */
export async function findScenarioFiles(paths: readonly string[], defaultDir: string): Promise<string[]> {
  const roots = paths.length > 0 ? paths : [defaultDir];
  const files = new Set<string>();
  for (const root of roots) {
    const full = resolve(root);
    let info;
    try {
      info = await stat(full);
    } catch {
      throw new UsageError({ file: root }, 'no such scenario file or folder');
    }
    if (info.isDirectory()) {
      for (const entry of (await readdir(full)).sort()) {
        if (SCENARIO_EXTENSIONS.has(extname(entry)) && !entry.endsWith('.d.ts')) files.add(resolve(full, entry));
      }
    } else {
      files.add(full);
    }
  }
  return [...files].sort();
}

export interface LoadOptions {
  quick: boolean;
  seed?: number;
  /** Replaces every scenario's repetition count (--repetitions). */
  repetitions?: number;
}

/** Imports one scenario module and validates its default export; records the file's sha256 for the manifest. */
export async function loadScenario(file: string, options: LoadOptions): Promise<ValidatedScenario> {
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new ScenarioError({ file }, `cannot load the scenario module: ${(error as Error).message}`, { cause: error });
  }
  if (!('default' in module)) {
    throw new ScenarioError({ file, field: 'default' }, 'expected `export default defineScenario({...})`');
  }
  const validated = validateScenario(file, module.default, options);
  validated.fileSha256 = createHash('sha256').update(await readFile(file)).digest('hex');
  return validated;
}

/** Loads every file first, so a bad one fails the run (exit 2) before any scenario runs or writes anything. */
export async function loadScenarios(
  files: readonly string[],
  options: LoadOptions & { filter?: string },
): Promise<ValidatedScenario[]> {
  const loaded: ValidatedScenario[] = [];
  const names = new Map<string, string>();
  for (const file of files) {
    const scenario = await loadScenario(file, options);
    const name = scenario.definition.name;
    const clash = names.get(name);
    if (clash) throw new ScenarioError({ file, field: 'name' }, `name '${name}' is already used by ${basename(clash)}`);
    names.set(name, file);
    if (!options.filter || matchesFilter(name, options.filter)) loaded.push(scenario);
  }
  return loaded;
}

/** `--filter` matches a scenario name by substring, or by regular expression when written /like-this/. */
export function matchesFilter(name: string, filter: string): boolean {
  const regex = /^\/(.*)\/([a-z]*)$/.exec(filter);
  if (regex) {
    try {
      return new RegExp(regex[1], regex[2]).test(name);
    } catch (error) {
      throw new UsageError({ field: '--filter' }, `not a valid regular expression: ${(error as Error).message}`);
    }
  }
  return name.includes(filter);
}
