import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.ts';
import {
  countWords,
  generateCorpus,
  generateQueries,
  MAX_PHRASE_QUERY_WORDS,
  TOPIC_NAMES,
} from '../../src/datasets/corpus.ts';
import { QueryRecordSchema } from '../../src/datasets/records.ts';

const queries = generateQueries({ size: 1_000, seed: 43 });

describe('generateQueries', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(generateQueries({ size: 300, seed: 8 })).toEqual(generateQueries({ size: 300, seed: 8 }));
    const other = new Set(generateQueries({ size: 300, seed: 9 }).map((q) => q.text));
    expect(generateQueries({ size: 300, seed: 8 }).filter((q) => other.has(q.text)).length).toBeLessThan(150);
  });

  it('returns `size` valid queries with ordered ids, unique ignoring case', () => {
    expect(queries.map((q) => q.id)).toEqual(queries.map((_, i) => `q-${String(i).padStart(4, '0')}`));
    for (const q of queries) expect(QueryRecordSchema.safeParse(q).success).toBe(true);
    expect(new Set(queries.map((q) => q.text.toLowerCase().replace(/\?$/, ''))).size).toBe(queries.length);
    expect(() => generateQueries({ size: -2, seed: 1 })).toThrow(OptionError);
  });

  it('are questions ending in ? or short phrases, so they can never equal a memory', () => {
    for (const q of queries) {
      expect(q.text.endsWith('?') || countWords(q.text) <= MAX_PHRASE_QUERY_WORDS, q.text).toBe(true);
    }
    const phrases = queries.filter((q) => !q.text.endsWith('?'));
    expect(phrases.length).toBeGreaterThan(200);
    expect(queries.length - phrases.length).toBeGreaterThan(200);
  });

  it('never equals a corpus text, in any casing', () => {
    const memories = new Set(generateCorpus({ size: 10_000, seed: 42 }).map((r) => r.text.toLowerCase().trim()));
    const many = generateQueries({ size: 5_000, seed: 1 });
    for (const q of [...queries, ...many]) expect(memories.has(q.text.toLowerCase().trim()), q.text).toBe(false);
  });

  it('covers the corpus topics and shares their vocabulary', () => {
    expect(new Set(queries.map((q) => q.topic)).size).toBe(TOPIC_NAMES.length);
    const corpus = generateCorpus({ size: 10_000, seed: 42 });
    const vocabulary = new Map<string, Set<string>>();
    for (const r of corpus) {
      const set = vocabulary.get(r.topic) ?? new Set<string>();
      for (const w of r.text.toLowerCase().match(/[a-z0-9]+/g) ?? []) set.add(w);
      vocabulary.set(r.topic, set);
    }
    const stop = new Set(
      'what which who when where how why does did do is are there the a and for to of in on user'.split(' '),
    );
    const grounded = queries.filter((q) =>
      (q.text.toLowerCase().match(/[a-z0-9]+/g) ?? []).some((w) => !stop.has(w) && vocabulary.get(q.topic)!.has(w)),
    );
    expect(grounded.length / queries.length).toBeGreaterThan(0.9);
  });

  it('allows repeats instead of looping forever when asked for more queries than the templates hold', () => {
    const huge = generateQueries({ size: 20_000, seed: 2 });
    expect(huge).toHaveLength(20_000);
  });
});
