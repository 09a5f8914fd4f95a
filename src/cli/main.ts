import { resolve } from 'node:path';
import yargs from 'yargs';
import { ExitCode, MemoptError, UsageError } from '../errors.ts';
import { describeEnvironment } from '../harness/environment.ts';
import { findScenarioFiles, loadScenarios } from '../harness/loader.ts';
import { exitCodeFor, runScenario } from '../harness/runner.ts';
import type { ScenarioResult } from '../harness/types.ts';
import { formatEnvironment, formatOutcome, formatScenario } from '../report/console.ts';
import { ReportWriter } from '../report/report-writer.ts';
import { describeTarget } from './describe.ts';

const DEFAULT_SCENARIO_DIR = 'scenarios';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Runs the CLI and returns the exit code (0 met, 1 target missed, 2 bad input, 3 run failed). */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const parser = yargs()
    .scriptName('memopt')
    .usage('$0 <command> [options]')
    // Options are single words; without camel-case expansion an unknown --foo-bar is reported once, not twice.
    .parserConfiguration({ 'camel-case-expansion': false })
    .command(
      'run [files..]',
      'Run scenarios (default: every file in scenarios/), print a table, write CSV reports, exit 1 if a target is missed',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, describe: 'Scenario files or folders' })
          .option('quick', { type: 'boolean', default: false, describe: 'Smaller workloads and fewer repetitions (for CI)' })
          .option('filter', { type: 'string', describe: 'Only scenarios whose name contains this text, or matches /regex/' })
          .option('seed', { type: 'number', describe: "Seed for every scenario (default: each scenario's own, else 42)" })
          .option('out', { type: 'string', default: 'reports', describe: 'Folder for the CSV reports' }),
      async (args) => {
        exitCode = await runCommand(
          { files: args.files ?? [], quick: args.quick, filter: args.filter, seed: args.seed, out: args.out },
          io,
        );
      },
    )
    .command(
      'list [files..]',
      'List scenarios with their workload driver and targets',
      (y) => y.positional('files', { type: 'string', array: true, describe: 'Scenario files or folders' }),
      async (args) => {
        exitCode = await listCommand(args.files ?? [], io);
      },
    )
    .demandCommand(1, 'Name a command: run or list (see --help)')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError({}, `${message} (see memopt --help)`);
    });

  try {
    const output = await new Promise<string>((resolveOutput, reject) => {
      parser
        .parseAsync([...argv], {}, (err, _argv, out) => (err ? reject(err) : resolveOutput(out)))
        .catch(reject);
    });
    if (output) io.out(`${output}\n`);
  } catch (error) {
    return reportError(error, io);
  }
  return exitCode;
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof MemoptError) {
    io.err(`memopt: ${error.message}\n`);
    return error.exitCode;
  }
  io.err(`memopt: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.runFailed;
}

interface RunArgs {
  files: string[];
  quick: boolean;
  filter?: string;
  seed?: number;
  out: string;
}

async function runCommand(args: RunArgs, io: CliIo): Promise<number> {
  if (args.seed !== undefined && !Number.isInteger(args.seed)) {
    throw new UsageError({ field: '--seed' }, `expected an integer, found ${args.seed}`);
  }
  const files = await findScenarioFiles(args.files, DEFAULT_SCENARIO_DIR);
  if (files.length === 0) throw new UsageError({ file: args.files.join(' ') || DEFAULT_SCENARIO_DIR }, 'no scenario files found');
  // Validate every scenario before running any, so bad input costs nothing and writes nothing.
  const scenarios = await loadScenarios(files, { quick: args.quick, seed: args.seed, filter: args.filter });
  if (scenarios.length === 0) throw new UsageError({ field: '--filter' }, `no scenario name matches '${args.filter}'`);

  const environment = describeEnvironment({ seed: args.seed, quick: args.quick });
  const writer = new ReportWriter(resolve(args.out), environment);
  io.out(`${formatEnvironment(environment)}\n\n`);
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, { quick: args.quick, log: (line) => io.err(`  ... ${line}\n`) });
    results.push(result);
    await writer.add(result);
    io.out(`${formatScenario(result)}\n`);
  }
  io.out(`${formatOutcome(results)}\nReports: ${writer.outDir}/summary.csv\n`);
  return exitCodeFor(results);
}

async function listCommand(paths: string[], io: CliIo): Promise<number> {
  const files = await findScenarioFiles(paths, DEFAULT_SCENARIO_DIR);
  const scenarios = await loadScenarios(files, { quick: false });
  for (const s of scenarios) {
    const d = s.definition;
    io.out(`${d.name}  [${d.driver.name}]  ${d.baseline.label} vs ${d.optimized.label}\n  ${d.description}\n`);
    for (const target of s.targets) io.out(`  target: ${describeTarget(target)}\n`);
    io.out('\n');
  }
  return ExitCode.ok;
}
