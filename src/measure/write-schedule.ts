/**
 * A seeded schedule of searches and writes on a virtual clock, for measuring search while the memory is written.
 *
 * The schedule alternates quiet blocks (searches only) and writing blocks (the same number of searches, with
 * inserts, updates and deletes arriving between them), the order of the two swapped every pair so neither always
 * runs first. Searches arrive every 1/searchesPerSecond virtual seconds; in writing blocks, writes arrive as a
 * Poisson stream at writesPerSecond (seeded exponential gaps), each an insert, update or delete as `mix` draws it.
 * The virtual clock decides only the order of events, never how long anything waits, so every counter that follows
 * (writes, which ids, which search sees which data) is a function of the seed alone.
 *
 * Each search carries its exact top-k over the data as it stands at that point of the schedule (exact cosine, ties by
 * id), so recall is measured against the memory a search actually saw.
 */
import { compareHits, cosine, dot, norm, scoreFromDot } from '../memory/reference.mjs';
import type { SearchHit } from '../memory/types.ts';
import { createRng } from '../util/rng.ts';

export interface WriteScheduleOptions {
  /** Vectors of the memories stored before the schedule starts (ids `m0`, `m1`, ...). */
  initial: readonly Float32Array[];
  /** Vectors inserts and updates draw their new content from, in order (index = the pool row). */
  pool: readonly Float32Array[];
  /** Query vectors a search draws from (uniformly). */
  queries: readonly Float32Array[];
  /** Quiet/writing block pairs. */
  blockPairs: number;
  /** Searches in each block. */
  searchesPerBlock: number;
  searchesPerSecond: number;
  writesPerSecond: number;
  /** Shares of inserts, updates and deletes (normalized). */
  mix: { insert: number; update: number; delete: number };
  k: number;
  seed: number;
  /**
   * An update's new vector is drawn until its cosine with the old one is below this, so a check can tell the new
   * content from the old. Default 0.95.
   */
  distinctBelow?: number;
}

export type ScheduleEvent =
  | { kind: 'search'; phase: 'quiet' | 'writing'; query: number; exact: string[]; at: number }
  | { kind: 'insert'; id: string; row: number; at: number }
  | { kind: 'update'; id: string; row: number; at: number }
  | { kind: 'delete'; id: string; at: number };

export interface WriteSchedule {
  events: ScheduleEvent[];
  /** Ids live at the end, with the pool row of their content (-1: their initial vector). */
  finalRows: Map<string, number>;
  /** Ids deleted and not re-inserted by the end. */
  deleted: Set<string>;
  counts: { searches: number; inserts: number; updates: number; deletes: number };
}

export function buildWriteSchedule(options: WriteScheduleOptions): WriteSchedule {
  const { initial, pool, queries, k } = options;
  const rng = createRng(options.seed).fork('write-schedule');
  const distinctBelow = options.distinctBelow ?? 0.95;
  const total = options.mix.insert + options.mix.update + options.mix.delete;
  if (!(total > 0)) throw new RangeError('write schedule: the write mix must have a positive share');
  const live = new Map<string, Float32Array>();
  const rowOf = new Map<string, number>();
  initial.forEach((v, i) => {
    live.set(`m${i}`, v);
    rowOf.set(`m${i}`, -1);
  });
  const liveIds = [...live.keys()];
  const position = new Map(liveIds.map((id, i) => [id, i]));
  const removeLive = (id: string) => {
    const at = position.get(id)!;
    const last = liveIds.pop()!;
    if (last !== id) {
      liveIds[at] = last;
      position.set(last, at);
    }
    position.delete(id);
  };
  const deleted = new Set<string>();
  let nextPoolRow = 0;
  let nextInsert = 0;
  const takeRow = (differentFrom?: Float32Array): number => {
    for (;;) {
      if (nextPoolRow >= pool.length) throw new RangeError(`write schedule: the pool of ${pool.length} new vectors ran out; give more rows or fewer writes`);
      const row = nextPoolRow++;
      if (!differentFrom || cosine(pool[row], differentFrom) < distinctBelow) return row;
    }
  };
  // The reference cosine (cosine() = scoreFromDot(dot, norm, norm)) with each vector's norm computed once.
  const norms = new Map<Float32Array, number>();
  const normOf = (v: Float32Array) => {
    let n = norms.get(v);
    if (n === undefined) norms.set(v, (n = norm(v)));
    return n;
  };
  const counts = { searches: 0, inserts: 0, updates: 0, deletes: 0 };
  const events: ScheduleEvent[] = [];
  let clock = 0;
  const search = (phase: 'quiet' | 'writing') => {
    const query = rng.int(0, queries.length - 1);
    const q = queries[query];
    const qn = normOf(q);
    // The k best in hit order (compareHits), kept by insertion: no sort of every live memory per search.
    const best: SearchHit[] = [];
    for (const [id, v] of live) {
      const hit = { id, score: scoreFromDot(dot(v, q), normOf(v), qn) };
      if (best.length === k && compareHits(hit, best[k - 1]) >= 0) continue;
      let at = best.length === k ? k - 1 : best.length;
      if (best.length === k) best.pop();
      while (at > 0 && compareHits(hit, best[at - 1]) < 0) at--;
      best.splice(at, 0, hit);
    }
    events.push({ kind: 'search', phase, query, exact: best.map((h) => h.id), at: clock });
    counts.searches++;
  };
  const write = () => {
    const draw = rng.next() * total;
    if (draw < options.mix.insert || liveIds.length <= 1) {
      const id = `w${nextInsert++}`;
      const row = takeRow();
      live.set(id, pool[row]);
      rowOf.set(id, row);
      position.set(id, liveIds.length);
      liveIds.push(id);
      events.push({ kind: 'insert', id, row, at: clock });
      counts.inserts++;
    } else if (draw < options.mix.insert + options.mix.update) {
      const id = liveIds[rng.int(0, liveIds.length - 1)];
      const row = takeRow(live.get(id));
      live.set(id, pool[row]);
      rowOf.set(id, row);
      events.push({ kind: 'update', id, row, at: clock });
      counts.updates++;
    } else {
      const id = liveIds[rng.int(0, liveIds.length - 1)];
      live.delete(id);
      rowOf.delete(id);
      removeLive(id);
      deleted.add(id);
      events.push({ kind: 'delete', id, at: clock });
      counts.deletes++;
    }
  };
  const searchGap = 1 / options.searchesPerSecond;
  for (let pair = 0; pair < options.blockPairs; pair++) {
    const phases: Array<'quiet' | 'writing'> = pair % 2 === 0 ? ['quiet', 'writing'] : ['writing', 'quiet'];
    for (const phase of phases) {
      const start = clock;
      let nextWrite = phase === 'writing' && options.writesPerSecond > 0 ? start + exponential(rng.next(), options.writesPerSecond) : Infinity;
      for (let i = 0; i < options.searchesPerBlock; i++) {
        const searchAt = start + i * searchGap;
        while (nextWrite <= searchAt) {
          clock = nextWrite;
          write();
          nextWrite += exponential(rng.next(), options.writesPerSecond);
        }
        clock = searchAt;
        search(phase);
      }
      clock = start + options.searchesPerBlock * searchGap;
    }
  }
  return { events, finalRows: rowOf, deleted, counts };
}

/** A gap of a Poisson stream at `rate` per second from a uniform draw in [0, 1). */
function exponential(uniform: number, rate: number): number {
  return -Math.log(1 - uniform) / rate;
}
