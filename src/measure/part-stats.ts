import type { DetailTable } from '../harness/types.ts';

/**
 * A user part's own counters (its `stats()`), reported beside the driver's generic metrics as the detail table
 * `part_stats` (one row per finite numeric field; the runner adds side, variant and repetition). Undefined when
 * the part has no stats or none of them is a number.
 */
export function partStatsTable(stats: unknown): DetailTable | undefined {
  if (typeof stats !== 'object' || stats === null) return undefined;
  const rows: DetailTable['rows'] = [];
  for (const [name, value] of Object.entries(stats)) {
    if (typeof value === 'number' && Number.isFinite(value)) rows.push([name, value]);
  }
  return rows.length > 0 ? { name: 'part_stats', columns: ['stat', 'value'], rows } : undefined;
}
