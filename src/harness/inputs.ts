import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadDataset, loadQueries } from '../datasets/load.ts';
import { readTrace } from '../datasets/traces.ts';
import { readVectorFile } from '../datasets/vector-files.ts';
import { InputError, ScenarioError } from '../errors.ts';
import type { ValidatedScenario } from './scenario-schema.ts';
import { checkPgConnection } from '../parts/vector-store/database.ts';
import type { CheckedInput, FileInputDeclaration, InputDeclaration, PostgresInputDeclaration } from './types.ts';

/** How each kind of declared input is read in full: every line parsed, so a broken one fails here with its number. */
const READERS: Record<FileInputDeclaration['kind'], (path: string) => Promise<{ length: number }>> = {
  dataset: loadDataset,
  queries: loadQueries,
  trace: readTrace,
  // Every row checked (width, finite, non-zero norm); a bad one is a DatasetError naming the file and row.
  vectors: async (path) => ({ length: (await readVectorFile(path)).rows }),
};

/**
 * Reads, checks and hashes every input the scenarios' drivers declare (`WorkloadDriver.inputs`), in the form this run
 * uses and in the other one (full or --quick), before any scenario starts; a file several scenarios read is read
 * once. Each scenario gets `inputs` (its own form's files with their sha256) for run.json. A failure is bad input
 * (exit 2) naming the file and line, and the scenario and field that asked for the file.
 */
export async function checkInputs(scenarios: readonly ValidatedScenario[]): Promise<void> {
  const seen = new Map<string, Promise<{ sha256: string; records: number }>>();
  const databases = new Map<string, Promise<void>>();
  const checkDatabase = (declaration: PostgresInputDeclaration) => {
    let pending = databases.get(declaration.connectionEnv);
    if (!pending) {
      pending = checkPgConnection(declaration.connectionEnv);
      databases.set(declaration.connectionEnv, pending);
    }
    return pending;
  };
  const check = (declaration: FileInputDeclaration) => {
    const key = `${declaration.kind}\0${declaration.path}`;
    let pending = seen.get(key);
    if (!pending) {
      pending = readInput(declaration);
      seen.set(key, pending);
    }
    return pending;
  };
  for (const scenario of scenarios) {
    const driver = scenario.definition.driver;
    if (!driver.inputs) continue;
    const forms = [scenario.workload, ...(scenario.otherFormWorkload === undefined ? [] : [scenario.otherFormWorkload])];
    const checked: CheckedInput[] = [];
    for (const [form, workload] of forms.entries()) {
      for (const declaration of declare(scenario, workload)) {
        if (declaration.kind === 'postgres') {
          // A user's database: reachable, login accepted, pgvector installed. Nothing recorded (no URL in run.json).
          await checkDatabase(declaration);
          continue;
        }
        let result;
        try {
          result = await check(declaration);
        } catch (error) {
          if (!(error instanceof InputError)) throw error;
          throw new InputError(
            error.where,
            `${error.problem} (read by scenario '${scenario.definition.name}' in ${scenario.file} as ${declaration.field})`,
            { cause: error },
          );
        }
        if (declaration.atLeast && result.records < declaration.atLeast.count) {
          throw new ScenarioError(
            { file: scenario.file, field: declaration.atLeast.field },
            `asks for ${declaration.atLeast.count} records but ${declaration.path} has ${result.records}${form === 1 ? ` (in the ${scenario.quick ? 'full' : '--quick'} form)` : ''}`,
          );
        }
        if (form === 0) checked.push({ kind: declaration.kind, field: declaration.field, path: declaration.path, ...result });
      }
    }
    scenario.inputs = checked;
  }
}

function declare(scenario: ValidatedScenario, workload: unknown): InputDeclaration[] {
  const declarations = scenario.definition.driver.inputs!(workload, { baseline: scenario.baselineParams, optimized: scenario.optimizedParams });
  if (!Array.isArray(declarations)) {
    throw new ScenarioError({ file: scenario.file, field: 'driver.inputs' }, `driver '${scenario.definition.driver.name}' returned ${typeof declarations}, expected an array of input declarations`);
  }
  return declarations;
}

async function readInput(declaration: FileInputDeclaration): Promise<{ sha256: string; records: number }> {
  const read = READERS[declaration.kind];
  if (!read) throw new InputError({ field: declaration.field }, `unknown input kind '${declaration.kind}'`);
  const records = await read(declaration.path);
  const sha256 = await sha256Of(declaration.path);
  return { sha256, records: records.length };
}

/**
 * Input files are read once to be checked and hashed (checkInputs) and again by the driver that uses them, so the
 * runner hashes them again when its scenario starts and when its runs end: a file replaced in between would be
 * measured while run.json records the old hash. Refused instead (bad input, exit 2), naming the file and both hashes.
 */
export async function verifyInputsUnchanged(scenario: ValidatedScenario, when: 'before' | 'during'): Promise<void> {
  for (const input of scenario.inputs ?? []) {
    let now: string;
    try {
      now = await sha256Of(input.path);
    } catch (error) {
      throw new InputError({ file: input.path, field: input.field }, `can no longer be read (${(error as Error).message}); it was checked before the run`);
    }
    if (now !== input.sha256) {
      throw new InputError(
        { file: input.path, field: input.field },
        `changed ${when === 'before' ? 'after it was checked, before' : 'while'} scenario '${scenario.definition.name}' ran (sha256 ${input.sha256.slice(0, 12)} when checked, ${now.slice(0, 12)} now): its results would not match the hash run.json records, so the scenario is refused`,
      );
    }
  }
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}
