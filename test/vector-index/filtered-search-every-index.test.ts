import { describe, expect, it, vi } from 'vitest';
import { compareHits, cosine, matchesSearchFilter } from '../../src/memory/reference.mjs';
import type { EntryAttributes, SearchFilter, SearchHit } from '../../src/memory/types.ts';
import { BinaryIndex } from '../../src/parts/vector-index/binary-index.ts';
import { CompressedIndex } from '../../src/parts/vector-index/compressed-index.ts';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { MatryoshkaIndex } from '../../src/parts/vector-index/matryoshka-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { ScalarQuantizedIndex } from '../../src/parts/vector-index/scalar-quantized-index.ts';
import { UsearchIndex } from '../../src/parts/vector-index/usearch-index.ts';
import { WasmRows } from '../../src/parts/vector-index/wasm-rows.ts';
import { createRng } from '../../src/util/rng.ts';
import { expectSameRanking } from '../support/same-ranking.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

// Filtered search in every in-process index: exact indexes return exactly the reference filtered
// top k (reference.mjs: exact cosine, matchesSearchFilter, ties by id); approximate ones answer within a filter
// exactly as the same index holding only the matching entries would (nothing outside the filter competes for the
// shortlist). pgvector's SQL filter: test/vector-store/pgvector-filtered-search.test.ts.
const DIMS = 64;
const COUNT = 600;
const USERS = 40;
const all = syntheticEmbeddings({ count: COUNT + 12, dims: DIMS, seed: 71 });
const vectors = all.slice(0, COUNT);
const queries = all.slice(COUNT);
const ids = vectors.map((_, i) => `m${String(i).padStart(3, '0')}`);
const rng = createRng(72);
// Every 10th entry has no namespace, every 7th no metadata.
const attributes: Array<EntryAttributes | undefined> = vectors.map((_, i) => ({
  namespace: i % 10 === 9 ? undefined : `u${rng.int(0, USERS - 1)}`,
  metadata: i % 7 === 6 ? undefined : { kind: rng.int(0, 2) === 0 ? 'fact' : 'chat', turn: rng.int(0, 4) },
}));

const FILTERS: Array<{ name: string; filter: SearchFilter; k: number }> = [
  { name: 'a namespace', filter: { namespace: 'u3' }, k: 5 },
  { name: 'metadata', filter: { metadata: { kind: 'fact' } }, k: 10 },
  { name: 'both', filter: { namespace: 'u5', metadata: { kind: 'chat', turn: 2 } }, k: 3 },
  { name: 'two metadata fields', filter: { metadata: { kind: 'chat', turn: 4 } }, k: 10 },
  { name: 'an empty namespace', filter: { namespace: 'nobody' }, k: 5 },
  { name: 'k larger than the matching set', filter: { namespace: 'u7' }, k: 1000 },
  { name: 'a value of another type (=== matching)', filter: { metadata: { turn: '2' as never } }, k: 5 },
  { name: 'an empty filter (everything)', filter: {}, k: 5 },
];

/** The exact filtered answer over `entries`. */
function reference(entries: Map<string, { vector: ArrayLike<number>; attributes?: EntryAttributes }>, query: ArrayLike<number>, k: number, filter: SearchFilter): SearchHit[] {
  const hits: SearchHit[] = [];
  for (const [id, e] of entries) if (matchesSearchFilter(e.attributes, filter)) hits.push({ id, score: cosine(query, e.vector) });
  return hits.sort(compareHits).slice(0, k);
}

const referenceEntries = new Map(ids.map((id, i) => [id, { vector: vectors[i], attributes: attributes[i] }]));

type SyncIndex = NaiveIndex | FlatIndex | MatryoshkaIndex | ScalarQuantizedIndex | CompressedIndex | BinaryIndex | UsearchIndex;

interface Subject {
  name: string;
  /** An empty index (fitted where it needs it). */
  make(): SyncIndex;
  /** Exact: compared with the reference (scores within this tolerance); else with the index of matching entries only. */
  exactTolerance?: number;
}

const sample = vectors.slice(0, 300);
const SUBJECTS: Subject[] = [
  { name: 'NaiveIndex', make: () => new NaiveIndex(), exactTolerance: 0 },
  { name: 'FlatIndex', make: () => new FlatIndex({ initialCapacity: 16 }), exactTolerance: 1e-6 },
  { name: 'MatryoshkaIndex (all dimensions kept)', make: () => new MatryoshkaIndex({ dimensions: DIMS }), exactTolerance: 1e-6 },
  { name: 'MatryoshkaIndex (half kept)', make: () => new MatryoshkaIndex({ dimensions: DIMS / 2 }) },
  {
    name: 'ScalarQuantizedIndex',
    make: () => {
      const index = new ScalarQuantizedIndex({ initialCapacity: 16 });
      index.fit(sample);
      return index;
    },
  },
  {
    name: 'CompressedIndex (PCA 16, int8, re-rank, prefilter)',
    make: () => {
      const index = new CompressedIndex({ components: 16, precision: 'int8', rerank: { oversample: 2 }, prefilter: { components: 8, candidates: 40 }, initialCapacity: 16 });
      index.fit(sample);
      return index;
    },
  },
  {
    name: 'BinaryIndex',
    make: () => {
      const index = new BinaryIndex({ oversample: 2, initialCapacity: 16 });
      index.fit(sample);
      return index;
    },
  },
];

function load<T extends SyncIndex>(index: T, only?: (i: number) => boolean): T {
  const entries = ids.flatMap((id, i) => (only && !only(i) ? [] : [[id, vectors[i], attributes[i]] as const]));
  // Half through addMany (where the index has it), half through add, so both carry attributes.
  const half = 'addMany' in index ? Math.floor(entries.length / 2) : 0;
  if ('addMany' in index) index.addMany(entries.slice(0, half));
  for (const [id, v, a] of entries.slice(half)) index.add(id, v, a);
  return index;
}

describe('filtered search in every in-process index', () => {
  for (const subject of SUBJECTS) {
    describe(subject.name, () => {
      it('declares native filtering', () => {
        expect(subject.make().filtering).toBe('native');
      });

      for (const { name, filter, k } of FILTERS) {
        it(`within ${name}: ${subject.exactTolerance !== undefined ? 'the exact filtered top k' : 'what an index of the matching entries alone answers'}`, () => {
          const index = load(subject.make());
          const only = load(subject.make(), (i) => matchesSearchFilter(attributes[i], filter));
          for (const q of queries) {
            const found = index.search(q, k, filter);
            const expected = reference(referenceEntries, q, k, filter);
            if (subject.exactTolerance === 0) expect(found).toEqual(expected);
            else if (subject.exactTolerance !== undefined) expectSameRanking(found, expected, subject.exactTolerance);
            else {
              expect(found.length).toBe(expected.length);
              expect(found).toEqual(only.search(q, k));
            }
            for (const hit of found) expect(matchesSearchFilter(attributes[ids.indexOf(hit.id)], filter)).toBe(true);
          }
        });
      }

      it('follows adds, re-adds that move an entry to another namespace, and removes (rows moving) in its filters', () => {
        const index = subject.make();
        const model = new Map<string, { vector: ArrayLike<number>; attributes?: EntryAttributes }>();
        const ops = createRng(73);
        for (let step = 0; step < 400; step++) {
          const i = ops.int(0, 119);
          const id = ids[i];
          if (ops.next() < 0.3 && model.has(id)) {
            expect(index.remove(id)).toBe(true);
            model.delete(id);
          } else {
            const moved: EntryAttributes = { namespace: `u${ops.int(0, 5)}`, metadata: { kind: ops.next() < 0.5 ? 'fact' : 'chat' } };
            index.add(id, vectors[i], moved);
            model.set(id, { vector: vectors[i], attributes: moved });
          }
          if (step % 50 === 49) {
            expect(index.size).toBe(model.size);
            for (const filter of [{ namespace: 'u1' }, { namespace: 'u4', metadata: { kind: 'fact' } }, { metadata: { kind: 'chat' } }]) {
              const found = index.search(queries[step % queries.length], 50, filter);
              const expected = reference(model, queries[step % queries.length], 50, filter);
              if (subject.exactTolerance === 0) expect(found).toEqual(expected);
              else if (subject.exactTolerance !== undefined) expectSameRanking(found, expected, subject.exactTolerance);
              else {
                // Approximate: as the same index holding only the matching entries answers.
                const only = subject.make();
                for (const [id, e] of model) if (matchesSearchFilter(e.attributes, filter)) only.add(id, e.vector, e.attributes);
                expect(found).toEqual(only.search(queries[step % queries.length], 50));
              }
            }
          }
        }
      });
    });
  }
});

describe('UsearchIndex filtered search (one graph per namespace; metadata over-fetched inside it)', () => {
  const index = () => load(new UsearchIndex({ expansionSearch: 64 }));

  it('declares native filtering and keeps one graph per namespace, plus one for entries without', () => {
    const usearch = index();
    expect(usearch.filtering).toBe('native');
    expect(usearch.stats().namespaces).toBe(new Set(attributes.map((a) => a?.namespace)).size);
  });

  it('within a namespace (at most a few dozen entries, each graph searched exhaustively at ef 64) returns the exact top k', () => {
    const usearch = index();
    for (const { filter, k } of FILTERS.filter((f) => f.filter.namespace !== undefined)) {
      for (const q of queries) expectSameRanking(usearch.search(q, k, filter), reference(referenceEntries, q, k, filter), 1e-5);
    }
    expect(usearch.search(queries[0], 5, { namespace: 'nobody' })).toEqual([]);
  });

  it('with a metadata filter across namespaces returns only matching entries, and counts the hits it discarded', () => {
    const usearch = index();
    const filter = { metadata: { kind: 'chat', turn: 4 } };
    for (const q of queries) {
      const found = usearch.search(q, 10, filter);
      expectSameRanking(found, reference(referenceEntries, q, 10, filter), 1e-5);
    }
    expect(usearch.stats().metadataSearches).toBe(queries.length);
    expect(usearch.stats().metadataDiscardedHits).toBeGreaterThan(0);
  });

  it('moves an entry between namespace graphs on re-add, drops an emptied graph, and copies graphs in withExpansion', () => {
    const usearch = new UsearchIndex();
    usearch.add('a', vectors[0], { namespace: 'x' });
    usearch.add('b', vectors[1], { namespace: 'x' });
    usearch.add('a', vectors[0], { namespace: 'y' });
    expect(usearch.search(vectors[0], 5, { namespace: 'x' }).map((h) => h.id)).toEqual(['b']);
    expect(usearch.search(vectors[0], 5, { namespace: 'y' }).map((h) => h.id)).toEqual(['a']);
    expect(usearch.search(vectors[0], 5).map((h) => h.id)).toEqual(['a', 'b']);
    const copy = usearch.withExpansion(128);
    expect(usearch.remove('b')).toBe(true);
    expect(usearch.stats().namespaces).toBe(1);
    expect(usearch.search(vectors[0], 5, { namespace: 'x' })).toEqual([]);
    expect(copy.search(vectors[0], 5, { namespace: 'x' }).map((h) => h.id)).toEqual(['b']);
  });
});

describe('a filtered search reads only the matching rows', () => {
  it('FlatIndex and ScalarQuantizedIndex scan the rows the inverted lists name, never the whole store', () => {
    const scan = vi.spyOn(WasmRows.prototype, 'scan');
    const scanRows = vi.spyOn(WasmRows.prototype, 'scanRows');
    try {
      const flat = load(new FlatIndex());
      const sq = new ScalarQuantizedIndex();
      sq.fit(sample);
      load(sq);
      const inU3 = attributes.filter((a) => a?.namespace === 'u3').length;
      for (const index of [flat, sq]) {
        scan.mockClear();
        scanRows.mockClear();
        index.search(queries[0], 5, { namespace: 'u3' });
        expect(scan).not.toHaveBeenCalled();
        expect(scanRows).toHaveBeenCalledTimes(1);
        expect(scanRows.mock.calls[0][1]).toHaveLength(inU3);
        scanRows.mockClear();
        index.search(queries[0], 5, { namespace: 'nobody' });
        expect(scanRows).not.toHaveBeenCalled();
      }
    } finally {
      scan.mockRestore();
      scanRows.mockRestore();
    }
  });
});
