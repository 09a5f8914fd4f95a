/**
 * Offline bounds on a cache's hit rate for a request sequence, to show beside a measured hit rate how good any
 * cache of the same capacity could have done on the same trace.
 *
 * - `infiniteCacheBound`: every repeat is a hit (no capacity limit). The ceiling for any capacity.
 * - `beladyBound`: Belady's MIN, the optimal offline policy for a cache of `capacity` equal-sized entries: on a
 *   miss, drop the entry whose next use is farthest in the future. This version may also decline to store the
 *   missed object when its own next use is the farthest ("bypass"), so it bounds caches with admission policies
 *   too; it is never below demand-fetch MIN.
 * - `lruHits`: plain LRU on the same sequence; `lruHitsForEvents`: LRU that drops invalidated entries, which is what
 *   SearchCache does on a sequential replay (a test checks it hit for hit).
 *
 * Invalidations: a cache that drops an entry when a write could change it never hits that entry again; its next
 * request is for a new object. `versionedRequests` renames each key after every invalidation (`key`, `key#1`, ...),
 * so the bounds above, run on the renamed sequence, are the bounds for a cache with that same invalidation policy.
 * MIN stays optimal on the renamed sequence: a dead version's next use is "never", so it is the first to go.
 */
import { OptionError } from '../errors.ts';

/** One step of a cache's view of a trace. */
export type CacheTraceEvent =
  | { kind: 'get'; key: string }
  /** The key's current entry can no longer be served (a write could change it). */
  | { kind: 'invalidate'; key: string }
  /** Every entry is dead (e.g. generation-based invalidation after any write). */
  | { kind: 'invalidate-all' };

export interface BoundResult {
  requests: number;
  hits: number;
  /** hits / requests; 0 when there are no requests. */
  hitRate: number;
}

/**
 * The object each `get` asks for, as small integers: the same key gets the same object until it is invalidated,
 * then a new one.
 */
export function versionedRequests(events: Iterable<CacheTraceEvent>): Int32Array {
  const current = new Map<string, number>();
  const out: number[] = [];
  let nextObject = 0;
  for (const event of events) {
    if (event.kind === 'get') {
      let object = current.get(event.key);
      if (object === undefined) {
        object = nextObject++;
        current.set(event.key, object);
      }
      out.push(object);
    } else if (event.kind === 'invalidate') {
      current.delete(event.key);
    } else {
      current.clear();
    }
  }
  return Int32Array.from(out);
}

/** Every repeat a hit: requests minus distinct objects. */
export function infiniteCacheBound(requests: ArrayLike<number>): BoundResult {
  const seen = new Set<number>();
  let hits = 0;
  for (let t = 0; t < requests.length; t++) {
    if (seen.has(requests[t])) hits++;
    else seen.add(requests[t]);
  }
  return result(requests.length, hits);
}

/** Belady's MIN with bypass for a cache of `capacity` entries (see the module comment). O(n log n). */
export function beladyBound(requests: ArrayLike<number>, capacity: number): BoundResult {
  checkCapacity(capacity);
  const n = requests.length;
  const NEVER = n; // larger than any real next use
  const next = nextUses(requests, NEVER);
  const cached = new Map<number, number>(); // object -> its next use
  const heap = new MaxHeap();
  let hits = 0;
  for (let t = 0; t < n; t++) {
    const object = requests[t];
    const nextUse = next[t];
    if (cached.has(object)) {
      hits++;
      if (nextUse === NEVER) cached.delete(object);
      else {
        cached.set(object, nextUse);
        heap.push(nextUse, object);
      }
      continue;
    }
    if (nextUse === NEVER) continue; // never used again: storing it cannot help
    if (cached.size < capacity) {
      cached.set(object, nextUse);
      heap.push(nextUse, object);
      continue;
    }
    // The cached object used farthest in the future (skipping heap entries made out of date by later uses).
    while (cached.get(heap.topObject()) !== heap.topKey()) heap.pop();
    if (heap.topKey() > nextUse) {
      cached.delete(heap.topObject());
      heap.pop();
      cached.set(object, nextUse);
      heap.push(nextUse, object);
    }
  }
  return result(n, hits);
}

/** Least-recently-used, for comparison with the bounds and with a real cache. */
export function lruHits(requests: ArrayLike<number>, capacity: number): BoundResult {
  checkCapacity(capacity);
  const order = new Map<number, true>(); // insertion order = recency order
  let hits = 0;
  for (let t = 0; t < requests.length; t++) {
    const object = requests[t];
    if (order.delete(object)) hits++;
    else if (order.size >= capacity) order.delete(order.keys().next().value as number);
    order.set(object, true);
  }
  return result(requests.length, hits);
}

/**
 * LRU over a cache's events, dropping an entry when it is invalidated (as SearchCache does): what SearchCache's hit
 * count is on a sequential replay of the same trace.
 */
export function lruHitsForEvents(events: Iterable<CacheTraceEvent>, capacity: number): BoundResult {
  checkCapacity(capacity);
  const order = new Map<string, true>();
  let requests = 0;
  let hits = 0;
  for (const event of events) {
    if (event.kind === 'get') {
      requests++;
      if (order.delete(event.key)) hits++;
      else if (order.size >= capacity) order.delete(order.keys().next().value as string);
      order.set(event.key, true);
    } else if (event.kind === 'invalidate') order.delete(event.key);
    else order.clear();
  }
  return result(requests, hits);
}

/** next[t] = index of the next request for the same object after t, or `never`. */
function nextUses(requests: ArrayLike<number>, never: number): Int32Array {
  const next = new Int32Array(requests.length);
  const upcoming = new Map<number, number>();
  for (let t = requests.length - 1; t >= 0; t--) {
    next[t] = upcoming.get(requests[t]) ?? never;
    upcoming.set(requests[t], t);
  }
  return next;
}

function result(requests: number, hits: number): BoundResult {
  return { requests, hits, hitRate: requests === 0 ? 0 : hits / requests };
}

function checkCapacity(capacity: number): void {
  if (!(Number.isInteger(capacity) && capacity > 0)) throw new OptionError('capacity', 'a positive integer', capacity);
}

/** A binary max-heap of (key, object) pairs, keys compared first. */
class MaxHeap {
  private keys: number[] = [];
  private objects: number[] = [];

  push(key: number, object: number): void {
    const keys = this.keys;
    const objects = this.objects;
    let i = keys.length;
    keys.push(key);
    objects.push(object);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] >= key) break;
      keys[i] = keys[parent];
      objects[i] = objects[parent];
      i = parent;
    }
    keys[i] = key;
    objects[i] = object;
  }

  topKey(): number {
    return this.keys[0];
  }

  topObject(): number {
    return this.objects[0];
  }

  pop(): void {
    const keys = this.keys;
    const objects = this.objects;
    const lastKey = keys.pop()!;
    const lastObject = objects.pop()!;
    const size = keys.length;
    if (size === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && keys[right] > keys[left] ? right : left;
      if (keys[child] <= lastKey) break;
      keys[i] = keys[child];
      objects[i] = objects[child];
      i = child;
    }
    keys[i] = lastKey;
    objects[i] = lastObject;
  }
}
