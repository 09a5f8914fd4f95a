import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readVectorChunks, scaleQueries, scaleTexts, scaleVectorChunk, writeScaleVectors, SCALE_DIMENSIONS } from '../../src/datasets/scale-vectors.ts';
import { embeddingFor } from '../../src/endpoint/emulated-api/index.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('scale vectors (streamed mock vectors for the scale sweep)', () => {
  it('regenerates any chunk from (seed, chunk) alone, and another seed gives other texts', () => {
    expect(scaleTexts(3, 5, 20)).toEqual(scaleTexts(3, 5, 20));
    expect(scaleTexts(3, 5, 20)).not.toEqual(scaleTexts(4, 5, 20));
    expect(scaleTexts(3, 5, 20)).not.toEqual(scaleTexts(3, 6, 20));
    // A shorter chunk is a prefix of the longer one: the N of a sweep are prefixes of one collection.
    expect(scaleTexts(3, 0, 7)).toEqual(scaleTexts(3, 0, 20).slice(0, 7));
  });

  it("embeds each row with the mock model at 512 dimensions (unit vectors), and queries are not stored texts", () => {
    const texts = scaleTexts(1, 0, 50);
    const chunk = scaleVectorChunk(1, 0, 50);
    expect(chunk.length).toBe(50 * SCALE_DIMENSIONS);
    const row7 = chunk.subarray(7 * SCALE_DIMENSIONS, 8 * SCALE_DIMENSIONS);
    expect(Array.from(row7)).toEqual(Array.from(embeddingFor(texts[7], 'text-embedding-3-small', SCALE_DIMENSIONS)));
    expect(Math.hypot(...row7)).toBeCloseTo(1, 5);
    const stored = new Set(scaleTexts(1, 0, 2000));
    expect(scaleQueries(1_000_004, 30).length).toBe(30);
    // Same topic model, another seed stream: none of 200 query texts is among 2,000 stored texts.
    const queryTexts = scaleTexts(1_000_004, -1, 200);
    expect(queryTexts.filter((t) => stored.has(t))).toEqual([]);
  });

  it('writes the rows to a file in chunks and streams any prefix back, row for row', async () => {
    dir = await mkdtemp(join(tmpdir(), 'memopt-scale-test-'));
    const file = join(dir, 'v.f32');
    const progress: number[] = [];
    await writeScaleVectors(file, 2, 300, (done) => progress.push(done));
    expect(progress).toEqual([300]);
    const expected = scaleVectorChunk(2, 0, 300);
    const chunks = [];
    for await (const chunk of readVectorChunks(file, 250, SCALE_DIMENSIONS, 100)) chunks.push(chunk);
    expect(chunks.map((c) => [c.firstRow, c.rows])).toEqual([[0, 100], [100, 100], [200, 50]]);
    expect(Array.from(chunks[2].data)).toEqual(Array.from(expected.subarray(200 * SCALE_DIMENSIONS, 250 * SCALE_DIMENSIONS)));
  });

  it('says where a file that is too short ends', async () => {
    dir = await mkdtemp(join(tmpdir(), 'memopt-scale-test-'));
    const file = join(dir, 'short.f32');
    await writeFile(file, new Uint8Array(SCALE_DIMENSIONS * 4 * 3));
    const read = async () => {
      for await (const _ of readVectorChunks(file, 5)) void _;
    };
    await expect(read()).rejects.toThrow(/short\.f32: ends at row 3, 5 rows expected/);
  });
});
