/**
 * The errors that decide an exit code live here, each with the code the CLI maps it to: bad input (a scenario,
 * dataset, trace or vector file, an option, an unwritable output: 2) and a run that failed (an API, a store, a
 * report write: 3). Misuse of a part by code (a vector of another width, a call after close, an option out of its
 * range in a constructor) throws the standard RangeError or TypeError where it happens, as libraries do, or an
 * OptionError from here when a user's option is at fault; a standard error that escapes a run ends that scenario as
 * failed (3), never as bad input.
 *
 * Exit codes: 0 all targets met, 1 a target missed (not an error: see harness), 2 bad input, 3 a run failed.
 */
export const ExitCode = {
  ok: 0,
  targetMissed: 1,
  badInput: 2,
  runFailed: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where bad input was found: a file, a field path inside it, a 1-based line number. */
export interface InputLocation {
  file?: string;
  field?: string;
  line?: number;
}

export class MemoptError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

function describeLocation(where: InputLocation): string {
  const parts: string[] = [];
  if (where.file) parts.push(where.line !== undefined ? `${where.file}:${where.line}` : where.file);
  else if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.field) parts.push(`field '${where.field}'`);
  return parts.join(', ');
}

/** Bad input from the user: exit code 2. The message names the file, field or line. */
export class InputError extends MemoptError {
  readonly where: InputLocation;
  /** The message without its location, so a caller can re-locate it (e.g. inside an array of scenarios). */
  readonly problem: string;
  constructor(where: InputLocation, problem: string, options?: { cause?: unknown }) {
    const loc = describeLocation(where);
    super(loc ? `${loc}: ${problem}` : problem, ExitCode.badInput, options);
    this.where = where;
    this.problem = problem;
  }
}

/**
 * Several pieces of bad input found in one check (every bad scenario file of a folder, every bad input file), so
 * the user fixes them all at once: exit code 2, one line per problem. `InputErrorList.of` returns a lone error as
 * it is.
 */
export class InputErrorList extends InputError {
  readonly errors: readonly InputError[];
  constructor(errors: readonly InputError[]) {
    super({}, `${errors.length} problems:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`);
    this.errors = errors;
  }

  static of(errors: readonly InputError[]): InputError {
    return errors.length === 1 ? errors[0] : new InputErrorList(errors);
  }
}

/** A scenario file that does not load or does not validate. */
export class ScenarioError extends InputError {}

/** A dataset or trace file with a broken line. */
export class DatasetError extends InputError {}

/** An unknown or invalid CLI option. */
export class UsageError extends InputError {}

/** A run refused by the cost guard before any request (no --max-cost-usd, no known price, or a bound above it). */
export class CostGuardError extends InputError {}

/** A run that failed for a reason other than bad input, e.g. the embeddings API kept failing: exit code 3. */
export class RunError extends MemoptError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.runFailed, options);
  }
}

/**
 * The run's cost cap (`--max-cost-usd`) reached: the next embeddings request would have passed it, so it was not
 * sent, and the run stops (exit 3; what was measured so far is kept). See src/endpoint/cost-budget.ts.
 */
export class CostCapError extends RunError {}

/**
 * An embeddings request that finally failed (after any retries). Carries the HTTP status when there was one.
 * Only the callers whose texts were in the failed request are rejected with it.
 */
export class EmbeddingRequestError extends RunError {
  readonly status: number | undefined;
  readonly attempts: number;
  constructor(message: string, status: number | undefined, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.attempts = attempts;
  }
}

/** A call on something already closed (an embedder, a pool). */
export class ClosedError extends MemoptError {
  constructor(what: string) {
    super(`${what} is closed`, ExitCode.runFailed);
  }
}

/** A constructor or function option outside its allowed range; thrown at construction, like lru-cache does. */
export class OptionError extends MemoptError {
  constructor(option: string, expected: string, found: unknown) {
    super(`option '${option}': expected ${expected}, found ${JSON.stringify(found)}`, ExitCode.badInput);
  }
}

/** An add to a SharedVectorIndex whose preallocated slots are all used (replacements take a slot too). */
export class IndexCapacityError extends MemoptError {
  readonly capacity: number;
  constructor(capacity: number, id: string) {
    super(
      `SharedVectorIndex.add('${id}'): all ${capacity} slots are used (each add or replacement takes one; removals do not free one); create the index with a larger capacity`,
      ExitCode.runFailed,
    );
    this.capacity = capacity;
  }
}

/** Why a vector store cannot be used; each is found before a run starts. */
export type VectorStoreProblem = 'unreachable' | 'rejected' | 'extension-missing' | 'schema-mismatch';

/**
 * A vector store (Postgres with pgvector) that cannot be used as configured: the server cannot be reached or refuses
 * the connection, the `vector` extension is missing, or the table's embedding column does not match. Exit code 2,
 * raised before anything is measured. The message never contains the connection string or its password.
 */
export class VectorStoreError extends MemoptError {
  readonly problem: VectorStoreProblem;
  constructor(problem: VectorStoreProblem, message: string) {
    super(message, ExitCode.badInput);
    this.problem = problem;
  }
}

/** One report file that could not be written, and why (the system's message, e.g. ENOSPC). */
export interface ReportFileFailure {
  path: string;
  message: string;
}

/** Report files that could not be written (the others were): exit code 3, naming each file and its reason. */
export class ReportWriteError extends RunError {
  constructor(
    readonly failed: readonly ReportFileFailure[],
    /** The files of the same batch that were written whole. */
    readonly written: readonly string[],
  ) {
    super(`could not write ${failed.map((f) => `${f.path} (${f.message})`).join(', ')}`);
  }
}
