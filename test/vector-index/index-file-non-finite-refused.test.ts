import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { CompressedIndex } from '../../src/parts/vector-index/compressed-index.ts';
import { deserializeCompressedIndex, serializeCompressedIndex } from '../../src/parts/vector-index/persistence.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

const vectors = syntheticEmbeddings({ count: 60, dims: 16, seed: 9 });

function savedIndex(): { bytes: Uint8Array; ids: string[] } {
  const index = new CompressedIndex({ components: 4, rerank: { oversample: 2, precision: 'float32' } });
  index.fit(vectors);
  vectors.slice(0, 20).forEach((v, i) => index.add(`doc-${i}`, v));
  const bytes = serializeCompressedIndex(index);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true))));
  return { bytes, ids: header.ids };
}

/** A crafted file: one float of a section replaced by `value`, and the checksum recomputed so it matches. */
function crafted(bytes: Uint8Array, sectionName: string, index: number, value: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const headerLength = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(out.subarray(16, 16 + headerLength)));
  const size = { f32: 4, f64: 8, i8: 1 } as const;
  const align8 = (n: number) => Math.ceil(n / 8) * 8;
  let offset = align8(16 + headerLength);
  for (const section of header.sections as Array<{ name: string; type: keyof typeof size; length: number }>) {
    if (section.name === sectionName) {
      if (section.type === 'f64') view.setFloat64(offset + index * 8, value, true);
      else view.setFloat32(offset + index * 4, value, true);
      out.set(createHash('sha256').update(out.subarray(0, out.length - 32)).digest(), out.length - 32);
      return out;
    }
    offset = align8(offset + section.length * size[section.type]);
  }
  throw new Error(`no section ${sectionName}`);
}

function loadError(bytes: Uint8Array): InputError {
  try {
    deserializeCompressedIndex(bytes, 'crafted.idx');
  } catch (error) {
    return error as InputError;
  }
  throw new Error('the crafted file loaded');
}

describe('an index file holding a non-finite number', () => {
  it('is refused on load even with a valid checksum, naming the file, the section and the entry', () => {
    const { bytes, ids } = savedIndex();
    // Entry 5's third code (4 components per entry).
    const codes = loadError(crafted(bytes, 'codes', 5 * 4 + 2, Number.NaN));
    expect(codes).toBeInstanceOf(InputError);
    expect(codes.message).toBe(`crafted.idx, field 'sections.codes': codes holds a non-finite number (NaN) at entry "${ids[5]}" (value 2): an index file holds finite numbers only`);
    const residual = loadError(crafted(bytes, 'residual', 3 * 16, Number.POSITIVE_INFINITY));
    expect(residual.message).toContain(`residual holds a non-finite number (Infinity) at entry "${ids[3]}" (value 0)`);
    const mean = loadError(crafted(bytes, 'mean', 7, Number.NEGATIVE_INFINITY));
    expect(mean.message).toContain("field 'sections.mean': mean holds a non-finite number (-Infinity) at value 7");
  });

  it('the untouched file, and one with a finite value changed the same way, still load', () => {
    const { bytes } = savedIndex();
    expect(deserializeCompressedIndex(bytes, 'ok.idx').size).toBe(20);
    expect(deserializeCompressedIndex(crafted(bytes, 'codes', 5 * 4 + 2, 0.25), 'ok.idx').size).toBe(20);
  });
});
