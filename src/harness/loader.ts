import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError, InputErrorList, ScenarioError, UsageError } from '../errors.ts';
import { validateScenario, type ValidatedScenario } from './scenario-schema.ts';

/** TypeScript (through tsx's loader) or JavaScript, ES modules or CommonJS (`module.exports = defineScenario(...)`). */
const SCENARIO_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);
const isDeclarationFile = (name: string) => /\.d\.[cm]?ts$/.test(name);

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
        if (SCENARIO_EXTENSIONS.has(extname(entry)) && !isDeclarationFile(entry)) files.add(resolve(full, entry));
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
  /** Replaces `workload.trace` of every scenario whose driver takes an agent-memory trace (--trace). */
  trace?: string;
}

/**
 * Imports one scenario file and validates its default export: one scenario (`export default defineScenario(...)`)
 * or a suite of them (`export default [defineScenario(...), ...]`, each with its own name and report). Records the
 * file's sha256 for the manifest.
 */
export async function loadScenarioFile(file: string, options: LoadOptions): Promise<ValidatedScenario[]> {
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new ScenarioError({ file }, `cannot load the scenario module: ${(error as Error).message}`, { cause: error });
  }
  if (!('default' in module)) {
    throw new ScenarioError({ file, field: 'default' }, 'expected `export default defineScenario({...})` or an array of them');
  }
  const exported = module.default;
  let validated: ValidatedScenario[];
  if (Array.isArray(exported)) {
    if (exported.length === 0) throw new ScenarioError({ file, field: 'default' }, 'an empty array: expected at least one scenario');
    validated = exported.map((definition, i) => {
      try {
        return validateScenario(file, definition, options);
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        const field = error.where.field ? `default.${i}.${error.where.field}` : `default.${i}`;
        throw new ScenarioError({ file, field }, error.problem, { cause: error });
      }
    });
  } else {
    validated = [validateScenario(file, exported, options)];
  }
  const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
  for (const scenario of validated) scenario.fileSha256 = sha256;
  return validated;
}

/**
 * Loads every file first, so bad files fail the run (exit 2) before any scenario runs or writes anything; every bad
 * file is reported at once (InputErrorList), not only the first.
 */
export async function loadScenarios(
  files: readonly string[],
  options: LoadOptions & { filter?: string },
): Promise<ValidatedScenario[]> {
  const loaded: ValidatedScenario[] = [];
  const names = new Map<string, string>();
  const problems: InputError[] = [];
  for (const file of files) {
    let scenarios: ValidatedScenario[];
    try {
      scenarios = await loadScenarioFile(file, options);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(error);
      continue;
    }
    scenarios.forEach((scenario, i) => {
      const name = scenario.definition.name;
      const clash = names.get(name);
      const field = scenarios.length > 1 ? `default.${i}.name` : 'name';
      if (clash) {
        problems.push(new ScenarioError({ file, field }, `name '${name}' is already used by ${clash === file ? 'another scenario in this file' : basename(clash)}`));
        return;
      }
      names.set(name, file);
      if (!options.filter || matchesFilter(name, options.filter)) loaded.push(scenario);
    });
  }
  if (problems.length > 0) throw InputErrorList.of(problems);
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
