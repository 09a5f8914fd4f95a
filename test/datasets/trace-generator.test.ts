import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { canonicalKey, normalizeQuery } from '../../src/parts/search-cache/keys.ts';
import { loadDataset, loadQueries } from '../../src/datasets/index.ts';
import { DEFAULT_TRACES, generateTrace, type TraceSearch } from '../../src/datasets/traces.ts';
import { OptionError } from '../../src/errors.ts';
import { toJsonlLine } from '../../src/datasets/jsonl.ts';

const queries = Array.from({ length: 200 }, (_, i) => ({ text: `query number ${i}`, topic: `t${i % 7}` }));
const adds = Array.from({ length: 500 }, (_, i) => ({ text: `memory ${i}`, topic: `t${i % 7}` }));

describe('trace generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateTrace(queries, adds, { ops: 500, poolSize: 100, seed: 1 });
    expect(generateTrace(queries, adds, { ops: 500, poolSize: 100, seed: 1 })).toEqual(a);
    expect(generateTrace(queries, adds, { ops: 500, poolSize: 100, seed: 2 })).not.toEqual(a);
  });

  it('interleaves adds at the write rate, in the order of the memories given', () => {
    const trace = generateTrace(queries, adds, { ops: 5_000, poolSize: 100, writeRate: 0.05 });
    const added = trace.filter((op) => op.op === 'add');
    expect(added.length / trace.length).toBeGreaterThan(0.04);
    expect(added.length / trace.length).toBeLessThan(0.06);
    expect(added.map((op) => op.text)).toEqual(adds.slice(0, added.length).map((m) => m.text));
    expect(added[0]).toMatchObject({ metadata: { topic: 't0' } });
  });

  it('draws popularity from a Zipf distribution: more skew with a larger alpha', () => {
    const topShare = (alpha: number) => {
      const searches = generateTrace(queries, adds, { ops: 5_000, poolSize: 200, zipfAlpha: alpha, writeRate: 0, nearDuplicateShare: 0 });
      const counts = new Map<string, number>();
      for (const op of searches) counts.set(op.text, (counts.get(op.text) ?? 0) + 1);
      const sorted = [...counts.values()].sort((x, y) => y - x);
      return sorted.slice(0, 10).reduce((s, c) => s + c, 0) / searches.length;
    };
    // Expected top-10 mass for 200 ranks: alpha 0 -> 5%, alpha 0.9 -> ~40%, alpha 1.5 -> ~85%.
    expect(topShare(0)).toBeLessThan(0.1);
    expect(topShare(0.9)).toBeGreaterThan(0.3);
    expect(topShare(0.9)).toBeLessThan(0.5);
    expect(topShare(1.5)).toBeGreaterThan(0.75);
  });

  it('makes near-duplicates that differ only in case or spacing', () => {
    const trace = generateTrace(queries, adds, { ops: 3_000, poolSize: 100, nearDuplicateShare: 0.3, writeRate: 0 }) as TraceSearch[];
    const pool = new Set(queries.map((q) => q.text));
    const variants = trace.filter((op) => !pool.has(op.text));
    expect(variants.length / trace.length).toBeGreaterThan(0.25);
    expect(variants.length / trace.length).toBeLessThan(0.35);
    const folded = new Set(queries.map((q) => normalizeQuery(q.text, { caseFold: true })));
    for (const op of variants) expect(folded.has(normalizeQuery(op.text, { caseFold: true }))).toBe(true);
  });

  it('writes the same search with options in different key orders and with the default topK left out', () => {
    const trace = generateTrace(queries, adds, { ops: 5_000, poolSize: 20, filterShare: 1, writeRate: 0, nearDuplicateShare: 0 }) as TraceSearch[];
    const forms = new Map<string, Set<string>>();
    for (const op of trace) {
      const key = canonicalKey(op.text, op.options);
      forms.set(key, (forms.get(key) ?? new Set()).add(JSON.stringify(op.options)));
    }
    expect([...forms.values()].some((set) => set.size >= 3)).toBe(true);
  });

  it('rejects options out of range', () => {
    expect(() => generateTrace(queries, adds, { poolSize: 201 })).toThrow(OptionError);
    expect(() => generateTrace(queries, adds, { poolSize: 100, zipfAlpha: -1 })).toThrow(/zipfAlpha/);
    expect(() => generateTrace(queries, adds, { poolSize: 100, writeRate: 1 })).toThrow(/writeRate/);
    expect(() => generateTrace(queries, adds.slice(0, 2), { ops: 1_000, poolSize: 10, writeRate: 0.5 })).toThrow(/memories given/);
  });

  it('reproduces the committed quick trace byte for byte', async () => {
    const [memories, allQueries] = await Promise.all([loadDataset('datasets/memories.jsonl'), loadQueries('datasets/queries.jsonl')]);
    const { ops, seed, file } = DEFAULT_TRACES.quick;
    const trace = generateTrace(allQueries, memories.slice(DEFAULT_TRACES.preload), { ops, seed });
    const committed = await readFile(`datasets/${DEFAULT_TRACES.dir}/${file}`, 'utf8');
    expect(trace.map(toJsonlLine).join('')).toBe(committed);
  });
});
