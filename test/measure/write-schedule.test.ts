import { describe, expect, it } from 'vitest';
import { buildWriteSchedule, type WriteScheduleOptions } from '../../src/measure/write-schedule.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

const vectors = syntheticEmbeddings({ count: 260, dims: 16, seed: 3 });
const options = (seed: number, overrides: Partial<WriteScheduleOptions> = {}): WriteScheduleOptions => ({
  initial: vectors.slice(0, 100),
  pool: vectors.slice(100, 250),
  queries: vectors.slice(250),
  blockPairs: 3,
  searchesPerBlock: 20,
  searchesPerSecond: 100,
  writesPerSecond: 100,
  mix: { insert: 0.4, update: 0.4, delete: 0.2 },
  k: 5,
  seed,
  ...overrides,
});

describe('write schedule (seeded, virtual clock)', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(buildWriteSchedule(options(1))).toEqual(buildWriteSchedule(options(1)));
    expect(buildWriteSchedule(options(2)).events).not.toEqual(buildWriteSchedule(options(1)).events);
  });

  it('puts writes only in writing blocks, at about the writes-to-searches ratio of the rates', () => {
    const { events, counts } = buildWriteSchedule(options(1));
    expect(counts.searches).toBe(120);
    const writes = counts.inserts + counts.updates + counts.deletes;
    // 60 writing-block searches at 100/s span 0.6 virtual seconds: about 60 writes at 100/s (Poisson).
    expect(writes).toBeGreaterThan(30);
    expect(writes).toBeLessThan(90);
    let phase: string | undefined;
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i];
      if (e.kind === 'search') phase = e.phase;
      else expect(phase).toBe('writing');
    }
    // Time never goes back.
    for (let i = 1; i < events.length; i++) expect(events[i].at).toBeGreaterThanOrEqual(events[i - 1].at);
  });

  it('has no writes at a write rate of 0, and more at a higher one', () => {
    const none = buildWriteSchedule(options(1, { writesPerSecond: 0 })).counts;
    expect(none.inserts + none.updates + none.deletes).toBe(0);
    const more = buildWriteSchedule(options(1, { writesPerSecond: 200 })).counts;
    const base = buildWriteSchedule(options(1)).counts;
    expect(more.inserts + more.updates + more.deletes).toBeGreaterThan(base.inserts + base.updates + base.deletes);
  });

  it('gives each search the exact top-k over the data as it stands at that point', () => {
    const { events } = buildWriteSchedule(options(4));
    const live = new Map<string, Float32Array>(vectors.slice(0, 100).map((v, i) => [`m${i}`, v]));
    const pool = vectors.slice(100, 250);
    const queries = vectors.slice(250);
    const cos = (a: Float32Array, b: Float32Array) => {
      let d = 0, na = 0, nb = 0;
      for (let i = 0; i < a.length; i++) (d += a[i] * b[i]), (na += a[i] * a[i]), (nb += b[i] * b[i]);
      return d / Math.sqrt(na * nb);
    };
    for (const e of events) {
      if (e.kind === 'insert' || e.kind === 'update') live.set(e.id, pool[e.row]);
      else if (e.kind === 'delete') live.delete(e.id);
      else {
        const ranked = [...live].map(([id, v]) => ({ id, score: cos(queries[e.query], v) })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
        expect(e.exact).toEqual(ranked.slice(0, 5).map((h) => h.id));
      }
    }
  });

  it('refuses a schedule whose writes outrun the pool of new vectors', () => {
    expect(() => buildWriteSchedule(options(1, { pool: vectors.slice(100, 105), mix: { insert: 1, update: 0, delete: 0 } }))).toThrow(/pool of 5 new vectors ran out/);
  });
});
