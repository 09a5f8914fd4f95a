import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { loadDataset, loadQueries } from '../datasets/load.ts';
import { readTrace } from '../datasets/traces.ts';
import { readAgentTrace } from '../datasets/agent-trace.ts';
import { readVectorFile } from '../datasets/vector-files.ts';
import { InputError, InputErrorList, ScenarioError } from '../errors.ts';
import type { ValidatedScenario } from './scenario-schema.ts';
import { reportedPath, scenarioDirOf } from './scenario-paths.ts';
import { checkPgConnection } from '../parts/vector-store/database.ts';
import type { CheckedInput, FileInputDeclaration, InputDeclaration, PostgresInputDeclaration } from './types.ts';

/** How each kind of declared input is read in full: every line parsed, so a broken one fails here with its number. */
const READERS: Record<FileInputDeclaration['kind'], (path: string) => Promise<{ length: number; width?: number }>> = {
  dataset: loadDataset,
  queries: loadQueries,
  trace: readTrace,
  'agent-trace': readAgentTrace,
  // Every row checked (width, finite, non-zero norm); a bad one is a DatasetError naming the file and row.
  vectors: async (path) => {
    const matrix = await readVectorFile(path);
    return { length: matrix.rows, width: matrix.dim };
  },
};

/**
 * Reads, checks and hashes every input the scenarios' drivers declare (`WorkloadDriver.inputs`), in the form this run
 * uses and in the other one (full or --quick), before any scenario starts; a file several scenarios read is read
 * once. Each scenario gets `inputs` (its own form's files with their sha256) for run.json. Failures are bad input
 * (exit 2) naming the file and line, and the scenario and field that asked for the file; every bad input of every
 * scenario is listed at once (InputErrorList).
 */
export async function checkInputs(scenarios: readonly ValidatedScenario[]): Promise<void> {
  const seen = new Map<string, Promise<InputRead>>();
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
  const problems: InputError[] = [];
  const reported = new Set<string>();
  /**
   * Keeps a bad input for the list, once per `key` (its message without the form: a problem of both the full and
   * the --quick form is listed once, as the form this run uses).
   */
  const problem = (error: InputError, key = error.message) => {
    if (reported.has(key)) return;
    reported.add(key);
    problems.push(error);
  };
  for (const scenario of scenarios) {
    const driver = scenario.definition.driver;
    if (!driver.inputs) continue;
    const forms = [scenario.workload, ...(scenario.otherFormWorkload === undefined ? [] : [scenario.otherFormWorkload])];
    const checked: CheckedInput[] = [];
    for (const [form, workload] of forms.entries()) {
      const inForm = form === 1 ? ` (in the ${scenario.quick ? 'full' : '--quick'} form)` : '';
      const widths = new Map<string, { width: number; path: string }>();
      const declarations = declare(scenario, workload);
      for (const declaration of declarations) {
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
          problem(
            new InputError(error.where, `${error.problem} (read by scenario '${scenario.definition.name}' in ${scenario.file} as ${declaration.field}${folderNote(scenario.file, declaration.path)})`, {
              cause: error,
            }),
          );
          continue;
        }
        if (declaration.atLeast && result.records < declaration.atLeast.count) {
          const text = `asks for ${declaration.atLeast.count} records but ${declaration.path} has ${result.records}${declaration.atLeast.why ? ` (${declaration.atLeast.why})` : ''}`;
          problem(new ScenarioError({ file: scenario.file, field: declaration.atLeast.field }, `${text}${inForm}`), `${scenario.file}\0${declaration.atLeast.field}\0${text}`);
        }
        if (result.width !== undefined) widths.set(declaration.field, { width: result.width, path: declaration.path });
        if (form === 0) checked.push({ kind: declaration.kind, field: declaration.field, path: reportedPath(declaration.path), sha256: result.sha256, records: result.records });
      }
      for (const declaration of declarations) {
        if (declaration.kind === 'postgres' || declaration.sameWidthAs === undefined) continue;
        const mine = widths.get(declaration.field);
        const other = widths.get(declaration.sameWidthAs);
        if (mine && other && mine.width !== other.width) {
          const text = `${declaration.path} holds ${mine.width}-dimensional vectors but ${other.path} (${declaration.sameWidthAs}) holds ${other.width}-dimensional ones; both must have the same width`;
          problem(new ScenarioError({ file: scenario.file, field: declaration.field }, `${text}${inForm}`), `${scenario.file}\0${declaration.field}\0${text}`);
        }
      }
    }
    scenario.inputs = checked;
  }
  if (problems.length > 0) throw InputErrorList.of(problems);
}

/** Says where a path inside the scenario's own folder came from: a relative path there is read from that folder. */
function folderNote(scenarioFile: string, path: string): string {
  const fromFolder = relative(scenarioDirOf(scenarioFile), path);
  return fromFolder.startsWith('..') || isAbsolute(fromFolder) ? '' : "; a scenario's relative paths are read from its own folder";
}

function declare(scenario: ValidatedScenario, workload: unknown): InputDeclaration[] {
  const declarations = scenario.definition.driver.inputs!(workload, { baseline: scenario.baselineParams, optimized: scenario.optimizedParams });
  if (!Array.isArray(declarations)) {
    throw new ScenarioError({ file: scenario.file, field: 'driver.inputs' }, `driver '${scenario.definition.driver.name}' returned ${typeof declarations}, expected an array of input declarations`);
  }
  return declarations;
}

/** What reading one declared file found: its hash, its records, and the width of its vectors (vector files). */
interface InputRead {
  sha256: string;
  records: number;
  width?: number;
}

async function readInput(declaration: FileInputDeclaration): Promise<InputRead> {
  const read = READERS[declaration.kind];
  if (!read) throw new InputError({ field: declaration.field }, `unknown input kind '${declaration.kind}'`);
  const records = await read(declaration.path);
  const sha256 = await sha256Of(declaration.path);
  return { sha256, records: records.length, ...(records.width === undefined ? {} : { width: records.width }) };
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
