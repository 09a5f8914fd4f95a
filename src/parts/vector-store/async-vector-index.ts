import type { SearchHit } from '../../memory/types.ts';

/**
 * Contract C1 (the async-capable VectorIndex), as /work/contracts.md states it, until the "testbed" stream's
 * src/memory/types.ts lands; then this file goes and PgVectorIndex implements VectorIndex from there.
 */
export type MaybePromise<T> = T | Promise<T>;
export interface AsyncVectorIndex {
  readonly dimensions: number | undefined;
  readonly size: number;
  add(id: string, vector: ArrayLike<number>): MaybePromise<void>;
  addMany?(entries: Iterable<readonly [string, ArrayLike<number>]>): MaybePromise<void>;
  remove(id: string): MaybePromise<boolean>;
  search(vector: ArrayLike<number>, k: number): MaybePromise<SearchHit[]>;
  memoryBytes(): MaybePromise<number>;
  fit?(sample: readonly ArrayLike<number>[]): MaybePromise<unknown>;
  stats?(): Record<string, number>;
  close?(): MaybePromise<void>;
}
