import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.ts';
import {
  countWords,
  EXACT_DUPLICATE_SHARE,
  generateCorpus,
  generateCorpusDetailed,
  MEMORY_WORDS,
  NEAR_DUPLICATE_SHARE,
  TOPIC_NAMES,
  validateTopics,
} from '../../src/datasets/corpus.ts';
import { MemoryRecordSchema } from '../../src/datasets/records.ts';
import { TOPICS } from '../../src/datasets/topics.ts';

const SIZE = 10_000;
const corpus = generateCorpusDetailed({ size: SIZE, seed: 42 });
const records = corpus.map((memory) => memory.record);

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

describe('generateCorpus: determinism', () => {
  it('gives identical records for the same seed', () => {
    expect(generateCorpus({ size: 2_000, seed: 9 })).toEqual(generateCorpus({ size: 2_000, seed: 9 }));
  });

  it('gives different records for a different seed', () => {
    const a = generateCorpus({ size: 500, seed: 1 }).map((r) => r.text);
    const b = new Set(generateCorpus({ size: 500, seed: 2 }).map((r) => r.text));
    expect(a.filter((text) => b.has(text)).length).toBeLessThan(50);
  });

  it('returns exactly `size` records with ordered unique ids, valid against MemoryRecordSchema', () => {
    for (const size of [0, 1, 7, 100]) expect(generateCorpus({ size, seed: 3 })).toHaveLength(size);
    expect(records.map((r) => r.id)).toEqual(records.map((_, i) => `mem-${String(i).padStart(4, '0')}`));
    for (const record of records) expect(MemoryRecordSchema.safeParse(record).success).toBe(true);
  });

  it('rejects a size or seed that is not an integer', () => {
    expect(() => generateCorpus({ size: -1, seed: 1 })).toThrow(OptionError);
    expect(() => generateCorpus({ size: 1.5, seed: 1 })).toThrow(OptionError);
    expect(() => generateCorpus({ size: 10, seed: Number.NaN })).toThrow(OptionError);
  });
});

describe('generateCorpus: realistic shape', () => {
  it('keeps every text within 8-60 words, with a mean like real memory entries (~20-25)', () => {
    const counts = records.map((r) => countWords(r.text));
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(MEMORY_WORDS.min);
    expect(Math.max(...counts)).toBeLessThanOrEqual(MEMORY_WORDS.max);
    expect(mean).toBeGreaterThan(19);
    expect(mean).toBeLessThan(26);
    // Spread, not one fixed length: a fair share of short and of long entries.
    expect(counts.filter((n) => n <= 14).length / SIZE).toBeGreaterThan(0.08);
    expect(counts.filter((n) => n >= 30).length / SIZE).toBeGreaterThan(0.08);
  });

  it('spreads records over 30-50 topics, none dominating', () => {
    expect(TOPIC_NAMES.length).toBeGreaterThanOrEqual(30);
    expect(TOPIC_NAMES.length).toBeLessThanOrEqual(50);
    const perTopic = new Map<string, number>();
    for (const r of records) perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
    expect([...perTopic.keys()].sort()).toEqual([...TOPIC_NAMES].sort());
    expect(Math.max(...perTopic.values()) / SIZE).toBeLessThan(0.08);
    expect(Math.min(...perTopic.values()) / SIZE).toBeGreaterThan(0.005);
  });

  it('is neither all-unique noise nor a few texts repeated: a real vocabulary shared within topics', () => {
    const vocabulary = new Set(records.flatMap((r) => [...words(r.text)]));
    expect(vocabulary.size).toBeGreaterThan(1_500);
    const counts = new Map<string, number>();
    for (const r of records) counts.set(r.text, (counts.get(r.text) ?? 0) + 1);
    expect(counts.size / SIZE).toBeGreaterThan(0.98);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(4);
    // Texts of one topic share more words than texts of different topics (what makes clusters for an embedder).
    const sample = records.slice(0, 600).map((r) => ({ topic: r.topic, words: words(r.text) }));
    let same = 0, sameN = 0, other = 0, otherN = 0;
    for (let i = 0; i < sample.length; i++) {
      for (let j = i + 1; j < sample.length; j++) {
        const s = jaccard(sample[i].words, sample[j].words);
        if (sample[i].topic === sample[j].topic) (same += s), sameN++;
        else (other += s), otherN++;
      }
    }
    expect(same / sameN).toBeGreaterThan(2 * (other / otherN));
  });

  it('never puts a question mark in a memory (queries rely on it)', () => {
    expect(records.filter((r) => r.text.includes('?'))).toEqual([]);
  });
});

describe('generateCorpus: duplicates', () => {
  it('repeats exactly 1% of texts verbatim, each of an earlier fresh record with the same topic', () => {
    const byId = new Map(records.map((r) => [r.id, r]));
    const exact = corpus.filter((m) => m.kind === 'exact-duplicate');
    expect(exact.length).toBe(Math.round(SIZE * EXACT_DUPLICATE_SHARE));
    for (const m of exact) {
      const source = byId.get(m.duplicateOf!)!;
      expect(m.record.text).toBe(source.text);
      expect(m.record.topic).toBe(source.topic);
      expect(source.id < m.record.id).toBe(true);
    }
    // Measured from the texts alone, nothing else repeats: no accidental collisions among fresh texts.
    const seen = new Set<string>();
    let repeats = 0;
    for (const r of records) seen.has(r.text) ? repeats++ : seen.add(r.text);
    expect(repeats).toBe(exact.length);
  });

  it('restates 5% of facts: different text, mostly the same words', () => {
    const byId = new Map(records.map((r) => [r.id, r]));
    const near = corpus.filter((m) => m.kind === 'near-duplicate');
    expect(near.length).toBe(Math.round(SIZE * NEAR_DUPLICATE_SHARE));
    const similarities = near.map((m) => {
      const source = byId.get(m.duplicateOf!)!;
      expect(m.record.text).not.toBe(source.text);
      expect(m.record.topic).toBe(source.topic);
      return jaccard(words(m.record.text), words(source.text));
    });
    const mean = similarities.reduce((a, b) => a + b, 0) / similarities.length;
    expect(mean).toBeGreaterThan(0.6);
    expect(Math.min(...similarities)).toBeGreaterThan(0.2);
    // Some differ only in casing and punctuation, some in wording.
    const normalize = (t: string) => [...words(t)].join(' ');
    const surfaceOnly = near.filter((m) => normalize(m.record.text) === normalize(byId.get(m.duplicateOf!)!.text));
    expect(surfaceOnly.length).toBeGreaterThan(near.length * 0.05);
    expect(surfaceOnly.length).toBeLessThan(near.length * 0.9);
  });

  it('keeps the planned shares at other sizes (first record always fresh)', () => {
    const small = generateCorpusDetailed({ size: 300, seed: 5 });
    expect(small[0].kind).toBe('fresh');
    expect(small.filter((m) => m.kind === 'exact-duplicate').length).toBe(3);
    expect(small.filter((m) => m.kind === 'near-duplicate').length).toBe(15);
  });
});

describe('topic templates', () => {
  it('every topic has 10+ fact templates, details and queries, and slot names without trailing digits', () => {
    for (const topic of TOPICS) {
      expect(topic.facts.length, topic.name).toBeGreaterThanOrEqual(10);
      expect(topic.details.length, topic.name).toBeGreaterThanOrEqual(2);
      expect(topic.queries.length, topic.name).toBeGreaterThanOrEqual(5);
      for (const slot of Object.keys(topic.slots)) expect(slot, topic.name).not.toMatch(/\d$/);
    }
  });

  it('every placeholder resolves, memories never get a ?, queries are questions or short phrases', () => {
    expect(validateTopics()).toEqual([]);
  });

  it('validateTopics reports a broken topic instead of passing it', () => {
    const broken = {
      name: 'broken',
      weight: 1,
      slots: { thing: ['a thing?'] },
      facts: ['{User} owns {thing} and {nothing}.', 'Is this a question?'],
      details: ['Fine detail.'],
      queries: ['this phrase query is much too long to be a phrase'],
    };
    const problems = validateTopics([broken], 1);
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toContain("memory text contains '?': Is this a question?");
    expect(problems.join('\n')).toContain("no slot pool named 'nothing'");
    expect(problems.join('\n')).toContain("query has no '?'");
  });
});
