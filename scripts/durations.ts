/**
 * Writes the duration file `memopt run --shard i/n` balances shards by: each scenario's wall time in seconds, from
 * one complete reference run (an unsharded run, or a merged one), so every CI machine deals the same split.
 *
 *   npx tsx scripts/durations.ts --run reports                # the latest complete run under reports/
 *   npx tsx scripts/durations.ts --run reports/runs/<folder> --out scenarios/durations.json
 *
 * Commit the file. Refresh it when scenarios are added or change size a lot: a scenario it does not list counts as
 * the median of those it does, and a stale file only makes the split less even, never wrong.
 */
import { join, resolve } from 'node:path';
import { loadRunReport } from '../src/runs/baselines.ts';
import { UsageError } from '../src/errors.ts';
import { DEFAULT_DURATIONS_FILE } from '../src/harness/shard.ts';
import type { RunReport } from '../src/harness/types.ts';
import { writeReportFiles } from '../src/report/report-writer.ts';
import { resolveRunFolder } from '../src/runs/run-folder.ts';
import { parseScriptArgs, runIfEntryPoint } from './lib/options.ts';

const USAGE = `Usage: npx tsx scripts/durations.ts --run DIR [--out ${DEFAULT_DURATIONS_FILE}]`;

/** The duration file's contents for a run: seconds to 0.1 s, scenarios sorted by name. */
export function durationsJson(report: RunReport): string {
  const env = report.environment;
  const seconds = Object.fromEntries(
    report.scenarios
      .map((s) => [s.name, Math.round(s.durationMs / 100) / 10] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const source = `run ${env.runId} of ${env.startedAt}, commit ${(env.gitCommit ?? 'unknown').slice(0, 12)}, ${env.quick ? '--quick' : 'full size'}, ${env.cpuCount} x ${env.cpuModel}`;
  return `${JSON.stringify({ source, seconds }, null, 2)}\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = parseScriptArgs(argv, { run: { type: 'string' }, out: { type: 'string', default: DEFAULT_DURATIONS_FILE } }, USAGE);
  if (!options.run) throw new UsageError({ field: '--run' }, `name a run folder or reports root\n\n${USAGE}`);
  const dir = await resolveRunFolder(options.run, '--run');
  const report = await loadRunReport(dir);
  if (report.status !== 'complete') {
    // Durations of an interrupted or failed run are partial: a split balanced by them would mislead.
    throw new UsageError({ file: join(dir, 'run.json'), field: 'status' }, `run ${report.environment.runId} is ${report.status ?? 'of unknown status'}${report.exitCode != null ? ` (exit code ${report.exitCode})` : ''}, not complete: use a complete reference run`);
  }
  const [file] = await writeReportFiles(process.cwd(), [{ name: resolve(options.out), contents: durationsJson(report) }]);
  console.log(`${file}: ${report.scenarios.length} scenario(s) from ${dir}`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
