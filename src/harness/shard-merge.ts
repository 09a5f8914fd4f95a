import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { describeDifference, exactCounterDifferences } from './exact-counters.ts';
import { exitCodeFor } from './runner.ts';
import type { EnvironmentInfo, MergedShard, RunReport, ScenarioResult, ShardInfo } from './types.ts';

/** One shard run to merge: its folder and its run.json. */
export interface ShardRun {
  dir: string;
  report: RunReport;
}

/** What `memopt merge` writes: one run as the unsharded run would have recorded it. */
export interface MergedRun {
  environment: EnvironmentInfo;
  /** Every scenario's result, in the order the unsharded run would have run them. */
  results: ScenarioResult[];
  /** 0/1/2/3 by the same rules as `memopt run` (exitCodeFor). */
  exitCode: number;
}

/**
 * Checks that the shard runs belong to one sharded run and merges them. Refused (bad input, exit 2, naming the shard
 * folder's run.json and the field): a run that is not a shard; a shard that did not end (running, interrupted) or
 * lacks results of its share; shards of different code (git commit, uncommitted changes, package versions), seed,
 * quick mode, repetitions, scenario set, shard count, balance, input hashes, scenario seeds (and a result whose seed
 * is not the one recorded for its scenario) or mock model version; the same shard twice; a missing shard; a scenario
 * in two shards (naming the exact counters that differ, if any). A shard whose scenarios errored is merged: the
 * unsharded run would have failed as well.
 */
export function mergeShardRuns(shards: readonly ShardRun[], now: () => Date = () => new Date()): MergedRun {
  if (shards.length === 0) throw new UsageError({ field: 'merge' }, 'name at least one shard run folder');
  const infos = shards.map((shard) => checkShard(shard));
  const [first] = shards;
  const firstInfo = infos[0];
  const same = (shard: ShardRun, field: string, what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new UsageError(
        { file: runJson(shard), field },
        `${what} differs from that of ${runJson(first)}: ${JSON.stringify(b)} here, ${JSON.stringify(a)} there; merge only the shards of one run`,
      );
    }
  };
  for (const [i, shard] of shards.entries()) {
    if (i === 0) continue;
    const a = first.report.environment;
    const b = shard.report.environment;
    const info = infos[i];
    same(shard, 'environment.gitCommit', 'the code (git commit)', a.gitCommit, b.gitCommit);
    same(shard, 'environment.gitDirty', 'the code (uncommitted changes)', a.gitDirty ?? null, b.gitDirty ?? null);
    same(shard, 'environment.packages', 'the code (package versions)', a.packages, b.packages);
    same(shard, 'environment.seed', 'the seed', a.seed, b.seed);
    same(shard, 'environment.quick', 'quick mode', a.quick, b.quick);
    same(shard, 'environment.repetitions', 'the repetitions', a.repetitions ?? null, b.repetitions ?? null);
    same(shard, 'environment.mockModelVersion', 'the mock model version', a.mockModelVersion ?? null, b.mockModelVersion ?? null);
    same(shard, 'environment.shard.count', 'the shard count n', firstInfo.count, info.count);
    same(shard, 'environment.shard.scenarios', 'the scenario set', firstInfo.scenarios, info.scenarios);
    same(shard, 'environment.shard.balance', 'the balance (duration file)', firstInfo.balance ?? null, info.balance ?? null);
    same(shard, 'environment.shard.inputs', 'the input hashes', firstInfo.inputs ?? null, info.inputs ?? null);
    sameSeeds(shard, first, firstInfo.seeds, info.seeds);
  }
  const byIndex = new Map<number, ShardRun>();
  for (const [i, shard] of shards.entries()) {
    const other = byIndex.get(infos[i].index);
    if (other) {
      throw new UsageError(
        { file: runJson(shard), field: 'environment.shard.index' },
        `shard ${infos[i].index}/${infos[i].count} is given twice (also ${runJson(other)})`,
      );
    }
    byIndex.set(infos[i].index, shard);
  }
  const missing = Array.from({ length: firstInfo.count }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    throw new UsageError(
      { field: 'merge' },
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${firstInfo.count}`).join(', ')} missing (given: ${[...byIndex.keys()].sort((a, b) => a - b).map((i) => `${i}/${firstInfo.count}`).join(', ')})`,
    );
  }
  // Each shard ran its own share (checkShard), the shares are of one plan (same set, count and balance) and every
  // index is present once: so every selected scenario is here exactly once. Checked anyway, as it is cheap.
  const results = new Map<string, ScenarioResult>();
  for (const shard of shards) {
    for (const result of shard.report.scenarios) {
      const earlier = results.get(result.name);
      if (earlier) {
        // Never merged; but say whether the two could have come from the same code and seed (exact counters equal).
        const differences = exactCounterDifferences([earlier], [result]);
        const why = differences.length > 0
          ? `, and its exact counters differ, so the two could not come from the same code and seed: ${differences.slice(0, 5).map(describeDifference).join('; ')}${differences.length > 5 ? `; and ${differences.length - 5} more` : ''}`
          : '';
        throw new UsageError({ file: runJson(shard), field: 'scenarios' }, `scenario '${result.name}' is in two shards${why}`);
      }
      results.set(result.name, result);
    }
  }
  // Each result ran with the seed its shards recorded for it (a scenario's seed edited in one shard's run.json, or
  // its file edited between the shards' checkouts, is a different measurement).
  for (const shard of shards) {
    const seeds = shard.report.environment.shard!.seeds;
    if (!seeds) continue;
    for (const [i, result] of shard.report.scenarios.entries()) {
      if (seeds[result.name] !== undefined && result.seed !== seeds[result.name]) {
        throw new UsageError(
          { file: runJson(shard), field: `scenarios.${i}.seed` },
          `scenario '${result.name}' ran with seed ${result.seed}, but the shards selected it with seed ${seeds[result.name]}; run the shard again`,
        );
      }
    }
  }
  const absent = firstInfo.scenarios.filter((name) => !results.has(name));
  if (absent.length > 0) throw new UsageError({ field: 'merge' }, `no shard has a result for ${absent.join(', ')}`);
  const ordered = firstInfo.scenarios.map((name) => results.get(name)!);

  const sortedShards = [...shards].sort((a, b) => a.report.environment.shard!.index - b.report.environment.shard!.index);
  const mergedFrom: MergedShard[] = sortedShards.map((shard) => ({
    index: shard.report.environment.shard!.index,
    dir: shard.dir,
    runId: shard.report.environment.runId,
    status: shard.report.status,
    exitCode: shard.report.exitCode,
    finishedAt: shard.report.finishedAt,
    environment: shard.report.environment,
  }));
  const startedAt = shards.map((s) => s.report.environment.startedAt).sort()[0];
  const environment: EnvironmentInfo = {
    ...sortedShards[0].report.environment,
    runId: randomUUID(),
    startedAt: startedAt ?? now().toISOString(),
    shard: null,
    mergedFrom,
    // The merged run is written by this process, not the first shard's.
    pid: process.pid,
    hostname: hostname(),
  };
  return { environment, results: ordered, exitCode: exitCodeFor(ordered) };
}

/** The scenarios' seeds as each shard loaded them: refused naming the first scenario whose seed differs. */
function sameSeeds(shard: ShardRun, first: ShardRun, a: Record<string, number> | undefined, b: Record<string, number> | undefined): void {
  if (a === undefined && b === undefined) return; // shards written before seeds were recorded
  if (a === undefined || b === undefined) {
    throw new UsageError({ file: runJson(a === undefined ? first : shard), field: 'environment.shard.seeds' }, 'records no scenario seeds while another shard does (written by another memopt); run the shards again');
  }
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[name] !== b[name]) {
      throw new UsageError(
        { file: runJson(shard), field: 'environment.shard.seeds' },
        `scenario '${name}' has seed ${b[name] ?? '(none)'} here, ${a[name] ?? '(none)'} in ${runJson(first)} (its scenario file differs between the shards); merge only the shards of one run`,
      );
    }
  }
}

function runJson(shard: ShardRun): string {
  return join(shard.dir, 'run.json');
}

/** A shard run that ended with a result for each scenario of its share (errored ones included). */
function checkShard(shard: ShardRun): ShardInfo {
  const { report } = shard;
  const info = report.environment.shard;
  if (!info) throw new UsageError({ file: runJson(shard), field: 'environment.shard' }, 'not a shard run (run without --shard)');
  if (!info.assigned) {
    throw new UsageError({ file: runJson(shard), field: 'environment.shard.assigned' }, 'the shard run does not record its share (written by an older memopt); run the shards again');
  }
  const which = `shard ${info.index}/${info.count}`;
  if (report.status !== 'complete' && report.status !== 'failed') {
    throw new UsageError(
      { file: runJson(shard), field: 'status' },
      `${which} is ${report.status ?? 'of unknown status'}${report.exitCode != null ? ` (exit code ${report.exitCode})` : ''}, not complete: run it again`,
    );
  }
  const names = report.scenarios.map((s) => s.name).sort();
  if (JSON.stringify(names) !== JSON.stringify([...info.assigned].sort())) {
    throw new UsageError(
      { file: runJson(shard), field: 'scenarios' },
      `${which} is incomplete: it has results for ${names.join(', ') || 'no scenario'} of its share ${info.assigned.join(', ')} (status ${report.status}); run it again`,
    );
  }
  return info;
}
