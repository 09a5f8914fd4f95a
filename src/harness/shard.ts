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

/**
 * The scenario names of shard `index` of `count`: the selected names sorted, then dealt round-robin, so the same
 * scenario set and `count` give the same split on every machine, and shard sizes differ by at most one scenario.
 * (Balanced by count: memopt keeps no committed duration file yet; durations measured on a runner would make the
 * split differ between machines.)
 */
export function shardNames(names: readonly string[], shard: ShardSpec): Set<string> {
  const sorted = [...names].sort();
  return new Set(sorted.filter((_, i) => i % shard.count === shard.index - 1));
}
