import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import type { SearchFilter } from '../../src/memory/types.ts';
import { CompressedIndex, type CompressedIndexOptions } from '../../src/parts/vector-index/compressed-index.ts';
import { deserializeCompressedIndex, serializeCompressedIndex } from '../../src/parts/vector-index/persistence.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

const vectors = syntheticEmbeddings({ count: 120, dims: 24, seed: 5 });
const queries = syntheticEmbeddings({ count: 5, dims: 24, seed: 6 });
const folder = await mkdtemp(join(tmpdir(), 'memopt-index-'));
afterAll(() => rm(folder, { recursive: true, force: true }));

function build(options: CompressedIndexOptions): CompressedIndex {
  const index = new CompressedIndex({ components: 6, ...options });
  index.fit(vectors);
  vectors.slice(0, 80).forEach((v, i) => index.add(`id-${i}`, v));
  index.remove('id-7');
  return index;
}

describe('CompressedIndex files', () => {
  const variants: Array<[string, CompressedIndexOptions]> = [
    ['float32', {}],
    ['int8 with int8 re-rank', { precision: 'int8', rerank: { oversample: 3, precision: 'int8' } }],
    ['float32 with float32 re-rank', { rerank: { oversample: 2, precision: 'float32' } }],
    ['int8 without the mean term', { precision: 'int8', meanTerm: false }],
  ];
  for (const [name, options] of variants) {
    it(`round-trips an index (${name}): same answers, same bytes, still writable`, async () => {
      const index = build(options);
      const file = join(folder, `${name.replace(/\W+/g, '-')}.idx`);
      await index.save(file);
      const loaded = await CompressedIndex.load(file);
      expect(loaded.size).toBe(index.size);
      expect(loaded.dimensions).toBe(24);
      // Everything but initialCapacity (an allocation hint, not part of the index) is saved.
      expect({ ...loaded.options, initialCapacity: 0 }).toEqual({ ...index.options, initialCapacity: 0 });
      expect(loaded.memoryBytes()).toBeLessThanOrEqual(index.memoryBytes()); // loaded trimmed to its rows
      for (const query of queries) expect(loaded.search(query, 7)).toEqual(index.search(query, 7));
      loaded.add('new', vectors[100]);
      expect(loaded.search(vectors[100], 1)[0].id).toBe('new');
      expect(serializeCompressedIndex(await CompressedIndex.load(file))).toEqual(await readFile(file).then((b) => new Uint8Array(b)));
    });
  }

  it('keeps every entry\'s namespace and metadata: filtered searches answer the same after loading', async () => {
    const index = new CompressedIndex({ components: 6, precision: 'int8', rerank: { oversample: 3, precision: 'int8' } });
    index.fit(vectors);
    vectors.slice(0, 90).forEach((v, i) =>
      index.add(`id-${i}`, v, i % 5 === 4 ? undefined : { namespace: `user-${i % 3}`, metadata: { kind: i % 2 === 0 ? 'fact' : 'event', n: i % 4, pinned: i % 7 === 0 } }),
    );
    index.remove('id-8');
    const file = join(folder, 'attributes.idx');
    await index.save(file);
    const loaded = await CompressedIndex.load(file);
    const filters: SearchFilter[] = [
      { namespace: 'user-1' },
      { namespace: 'user-2', metadata: { kind: 'fact' } },
      { metadata: { n: 3 } },
      { metadata: { pinned: true } },
      { namespace: 'nobody' },
    ];
    for (const filter of filters) {
      for (const query of queries) {
        const expected = index.search(query, 5, filter);
        expect(loaded.search(query, 5, filter)).toEqual(expected);
      }
    }
    // The filters really select: user-1's hits are only user-1's ids, and an unknown namespace finds nothing.
    expect(loaded.search(queries[0], 50, { namespace: 'user-1' }).every((hit) => Number(hit.id.slice(3)) % 3 === 1 && Number(hit.id.slice(3)) % 5 !== 4)).toBe(true);
    expect(loaded.search(queries[0], 5, { namespace: 'nobody' })).toEqual([]);
  });

  /** The file with its header's attributes blanked to spaces (same length, so every offset holds) and `version`. */
  function withoutAttributes(bytes: Uint8Array, version: number): Uint8Array {
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    const headerLength = view.getUint32(12, true);
    const header = new TextDecoder().decode(out.subarray(16, 16 + headerLength));
    const match = /,"attributes":\[[^\]]*\]/.exec(header);
    expect(match).not.toBeNull();
    const blanked = header.slice(0, match!.index) + ' '.repeat(match![0].length) + header.slice(match!.index + match![0].length);
    out.set(new TextEncoder().encode(blanked), 16);
    view.setUint32(8, version, true);
    out.set(createHash('sha256').update(out.subarray(0, out.length - 32)).digest(), out.length - 32);
    return out;
  }

  it('reads a version 2 file (no attributes) as entries without attributes, and refuses a version 3 file without them', () => {
    const index = build({ precision: 'int8' });
    index.add('id-90', vectors[90], { namespace: 'user-1' });
    const v2 = deserializeCompressedIndex(withoutAttributes(serializeCompressedIndex(index), 2), 'old.idx');
    for (const query of queries) expect(v2.search(query, 7)).toEqual(index.search(query, 7));
    expect(index.search(queries[0], 3, { namespace: 'user-1' }).map((hit) => hit.id)).toEqual(['id-90']);
    expect(v2.search(queries[0], 3, { namespace: 'user-1' })).toEqual([]); // no attributes in a version 2 file
    const withAttributes = serializeCompressedIndex(index);
    new DataView(withAttributes.buffer).setUint32(8, 2, true);
    withAttributes.set(createHash('sha256').update(withAttributes.subarray(0, withAttributes.length - 32)).digest(), withAttributes.length - 32);
    expect(() => deserializeCompressedIndex(withAttributes, 'odd.idx')).toThrow(/odd.idx, field 'header.attributes': version 2 files carry no attributes; found some/);
    expect(() => deserializeCompressedIndex(withoutAttributes(serializeCompressedIndex(index), 3), 'bad.idx')).toThrow(
      /bad.idx, field 'header.attributes': version 3 files carry every id's attributes; none found/,
    );
  });

  it('refuses to save a metadata number JSON cannot hold, naming the entry, instead of writing an unreadable file', () => {
    const index = build({});
    index.add('odd', vectors[95], { metadata: { score: Number.NaN } });
    expect(() => serializeCompressedIndex(index)).toThrow(/metadata.score of entry "odd"/);
  });

  it('round-trips an empty fitted index', () => {
    const index = new CompressedIndex({ components: 3 });
    index.fit(vectors);
    const loaded = deserializeCompressedIndex(serializeCompressedIndex(index));
    expect(loaded.size).toBe(0);
    expect(loaded.search(queries[0], 3)).toEqual([]);
  });

  describe('refuses damaged files with a clear error', () => {
    const bytes = serializeCompressedIndex(build({ precision: 'int8' }));
    const load = (data: Uint8Array) => () => deserializeCompressedIndex(data, 'memories.idx');

    it('a truncated file', () => {
      expect(load(bytes.subarray(0, bytes.length - 100))).toThrow(/memories.idx: truncated or extended: the header says \d+ bytes, the file has \d+/);
      expect(load(bytes.subarray(0, 40))).toThrow(/memories.idx: truncated/);
      expect(load(bytes.subarray(0, 10))).toThrow(/truncated or not an index file: 10 bytes/);
      expect(load(new Uint8Array(0))).toThrow(InputError);
    });

    it('a flipped byte anywhere in the vectors, the model or the checksum', () => {
      for (const at of [bytes.length - 1, bytes.length - 40, Math.floor(bytes.length / 2), 600]) {
        const corrupt = bytes.slice();
        corrupt[at] ^= 0x10;
        expect(load(corrupt)).toThrow(/checksum mismatch: the file is corrupt/);
      }
    });

    it('another kind of file, a future format version, and version 1 (no mean terms)', () => {
      expect(load(new TextEncoder().encode('{"id":"mem-0000","text":"not an index, but long enough to pass the size check"}'))).toThrow(
        /not a memopt index file: expected magic "MEMOPTIX"/,
      );
      const future = bytes.slice();
      new DataView(future.buffer).setUint32(8, 4, true);
      expect(load(future)).toThrow(/memories.idx, field 'version': format version 4; this memopt reads versions 2 and 3$/);
      const old = bytes.slice();
      new DataView(old.buffer).setUint32(8, 1, true);
      expect(load(old)).toThrow(/field 'version': format version 1; this memopt reads versions 2 and 3: version 1 files have no mean terms .*rebuild the index/);
    });

    it('a missing file', async () => {
      await expect(CompressedIndex.load(join(folder, 'missing.idx'))).rejects.toThrow(/missing.idx: cannot read the index file/);
    });

    it('a file cut short on disk', async () => {
      const file = join(folder, 'cut.idx');
      await writeFile(file, bytes.subarray(0, bytes.length - 33));
      await expect(CompressedIndex.load(file)).rejects.toThrow(/cut.idx: truncated/);
    });
  });
});
