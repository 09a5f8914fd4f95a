import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError } from '../errors.ts';

/** `--shard i/n`: run the i-th of n deterministic shares of the selected scenarios (1-based, as Jest and Playwright). */
export interface ShardSpec {
  index: number;
  count: number;
}

export function parseShard(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || count > 1000 || index < 1 || index > count) {
    throw new UsageError({ field: '--shard' }, `expected i/n with 1 <= i <= n <= 1000 (e.g. 1/2), found '${text}'`);
  }
  return { index, count };
}

/** How the scenarios were dealt: by count, or by a committed duration file (recorded in run.json for `merge`). */
export type ShardBalance =
  | { by: 'count' }
  /** `estimated`: selected scenarios the file does not list, given the median of those it does. */
  | { by: 'durations'; file: string; sha256: string; estimated: string[] };

/** A committed duration file: scenario name -> seconds from one reference run (scripts/durations.ts writes it). */
export interface ScenarioDurations {
  file: string;
  sha256: string;
  seconds: ReadonlyMap<string, number>;
}

/** The default duration file, used by `run --shard` when it exists. */
export const DEFAULT_DURATIONS_FILE = 'scenarios/durations.json';

const durationsSchema = z
  .object({
    /** Where the figures came from (run id, commit, quick or not): for the reader. */
    source: z.string().optional(),
    seconds: z.record(z.string(), z.number().finite().nonnegative()),
  })
  .strict();

/** Reads and checks a duration file; a bad one is bad input (exit 2) naming the file and field. */
export async function loadDurations(file: string): Promise<ScenarioDurations> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new UsageError({ file, field: '--durations' }, 'cannot read the duration file');
  }
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new UsageError({ file }, `not valid JSON: ${(error as Error).message}`);
  }
  const parsed = durationsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError({ file, field: issue.path.map(String).join('.') }, `not a duration file ({ "seconds": { "<scenario>": <seconds> } }): ${issue.message}`);
  }
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), seconds: new Map(Object.entries(parsed.data.seconds)) };
}

export interface ShardPlan {
  /** Each shard's scenario names (index 0 = shard 1), sorted by name. */
  shards: string[][];
  balance: ShardBalance;
}

/**
 * Deals the selected scenario names to `count` shards; the same names, count and duration file give the same split
 * on every machine (the order names are given in does not matter).
 *
 * - With durations for at least one selected scenario: longest processing time first. Names are sorted by duration
 *   (whole milliseconds, so sums are exact integers), longest first, ties by name; each goes to the shard with the
 *   least total so far, ties to the lowest index. A scenario the file does not list counts as the median of those it
 *   does. Never durations measured on the runner: they would differ between machines, and so would the split.
 * - Otherwise by count: the sorted names dealt round-robin (shard sizes differ by at most one).
 */
export function planShards(names: readonly string[], count: number, durations?: ScenarioDurations): ShardPlan {
  const sorted = [...new Set(names)].sort();
  const known = durations ? sorted.filter((name) => durations.seconds.has(name)) : [];
  if (!durations || known.length === 0) {
    return { shards: Array.from({ length: count }, (_, s) => sorted.filter((_, i) => i % count === s)), balance: { by: 'count' } };
  }
  const ms = (name: string) => Math.round(durations.seconds.get(name)! * 1000);
  const knownMs = known.map(ms).sort((a, b) => a - b);
  const median = knownMs[Math.floor((knownMs.length - 1) / 2)];
  const estimated = sorted.filter((name) => !durations.seconds.has(name));
  const weight = new Map(sorted.map((name) => [name, durations.seconds.has(name) ? ms(name) : median]));
  const order = [...sorted].sort((a, b) => weight.get(b)! - weight.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  const totals = new Array<number>(count).fill(0);
  const shards = Array.from({ length: count }, () => [] as string[]);
  for (const name of order) {
    let least = 0;
    for (let s = 1; s < count; s++) if (totals[s] < totals[least]) least = s;
    totals[least] += weight.get(name)!;
    shards[least].push(name);
  }
  for (const shard of shards) shard.sort();
  return { shards, balance: { by: 'durations', file: durations.file, sha256: durations.sha256, estimated } };
}

/** The scenario names of shard `shard.index` of `shard.count` (see `planShards`). */
export function shardNames(names: readonly string[], shard: ShardSpec, durations?: ScenarioDurations): Set<string> {
  return new Set(planShards(names, shard.count, durations).shards[shard.index - 1]);
}
