import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MemoptError, UsageError } from '../../src/errors.ts';

/**
 * The plumbing of memopt's stand-alone scripts (dataset and trace generators, benches): typed option parsing with
 * the same messages, and an entry point that maps a MemoptError to its exit code.
 */

type ScriptOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * A script's options parsed strictly (unknown options and positionals are errors), or a UsageError with the
 * parser's message followed by the script's usage text.
 */
export function parseScriptArgs<const O extends ScriptOptions>(argv: readonly string[], options: O, usage: string) {
  try {
    return parseArgs({ args: [...argv], strict: true as const, allowPositionals: false as const, options }).values;
  } catch (error) {
    throw new UsageError({}, `${(error as Error).message}\n\n${usage}`, { cause: error });
  }
}

/** An integer option from its raw text; a UsageError naming the option otherwise. */
export function integerOption(name: string, raw: string, min = Number.MIN_SAFE_INTEGER): number {
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
    const bound = min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : '';
    throw new UsageError({ field: name }, `expected an integer${bound}, found '${raw}'`);
  }
  return value;
}

/** A number option in [min, max] from its raw text; a UsageError naming the option otherwise. */
export function numberOption(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError({ field: name }, `expected a number from ${min} to ${max}, found '${raw}'`);
  }
  return value;
}

/**
 * When the module at `moduleUrl` is the process's entry point (`npx tsx that-file.ts`), runs `main` with the
 * command-line arguments and sets the exit code: main's own, or a MemoptError's (its message on stderr).
 */
export async function runIfEntryPoint(moduleUrl: string, main: (argv: readonly string[]) => Promise<number>): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof MemoptError)) throw error;
    console.error(`error: ${error.message}`);
    process.exitCode = error.exitCode;
  }
}
