/**
 * Loading dataset files for a run, and taking reproducible samples of them.
 */
import { DatasetError, OptionError } from '../errors.ts';
import { createRng } from '../util/rng.ts';
import { iterateJsonl, type ReadJsonlOptions } from './jsonl.ts';
import { MemoryRecordSchema, QueryRecordSchema, type DatasetQuery, type DatasetRecord } from './records.ts';
import type { ZodType } from 'zod';

/**
 * Reads a memories file (JSONL of `{id, text, topic?}`, see datasets/README.md). Beyond each line's schema it checks
 * that ids are unique and that the file holds at least one record; any failure is a `DatasetError` (exit code 2).
 */
export function loadDataset(file: string, options?: ReadJsonlOptions): Promise<DatasetRecord[]> {
  return loadUnique(file, MemoryRecordSchema, options);
}

/** Reads a queries file (JSONL of `{id, text, topic?}`), with the same checks as `loadDataset`. */
export function loadQueries(file: string, options?: ReadJsonlOptions): Promise<DatasetQuery[]> {
  return loadUnique(file, QueryRecordSchema, options);
}

async function loadUnique<T extends { id: string }>(
  file: string,
  schema: ZodType<T>,
  options?: ReadJsonlOptions,
): Promise<T[]> {
  const records: T[] = [];
  const lineOf = new Map<string, number>();
  for await (const { line, value } of iterateJsonl(file, schema, options)) {
    const first = lineOf.get(value.id);
    if (first !== undefined) {
      throw new DatasetError({ file, line, field: 'id' }, `duplicate id '${value.id}', first used on line ${first}`);
    }
    lineOf.set(value.id, line);
    records.push(value);
  }
  if (records.length === 0 && options?.limit !== 0) {
    throw new DatasetError({ file }, 'no records (the file is empty or holds only blank and comment lines)');
  }
  return records;
}

/**
 * `n` records drawn without replacement, deterministically from `seed`, kept in their original order (so a sample
 * of a corpus reads like the corpus). When `n` is at least `records.length`, returns a copy of all of them.
 */
export function takeSample<T>(records: readonly T[], n: number, seed: number): T[] {
  if (!Number.isInteger(n) || n < 0) throw new OptionError('n', 'a non-negative integer', n);
  if (!Number.isInteger(seed)) throw new OptionError('seed', 'an integer', seed);
  if (n >= records.length) return [...records];
  // Partial Fisher-Yates over the indices: the first n slots end up a uniform sample.
  const rng = createRng(seed).fork('sample');
  const indices = Array.from(records, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = rng.int(i, indices.length - 1);
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  return indices
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => records[i]);
}
