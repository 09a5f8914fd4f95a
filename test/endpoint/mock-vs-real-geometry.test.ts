import { describe, expect, it } from 'vitest';
import { embeddingGeometry, mockVsRealTable, neighbourAgreement, type GeometryInput } from '../../src/analysis/mock-vs-real.ts';
import { createRng } from '../../src/util/rng.ts';

function randomRows(n: number, dims: number, seed: number, offset: number[] = []): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n * dims);
  for (let i = 0; i < out.length; i++) out[i] = rng.next() * 2 - 1 + (offset[i % dims] ?? 0);
  return out;
}

function unit(row: Float32Array): Float32Array {
  const norm = Math.hypot(...row);
  return row.map((v) => v / norm);
}

describe('embeddingGeometry', () => {
  it('gives the brute-force mean pairwise cosine and mean-direction energy', () => {
    const n = 40;
    const dims = 6;
    const vectors = randomRows(n, dims, 3, [2, 0, 0, 0, 0, 0]);
    const rows = Array.from({ length: n }, (_, r) => unit(vectors.slice(r * dims, (r + 1) * dims)));
    let pairs = 0;
    let cosSum = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) {
      cosSum += rows[i].reduce((s, v, d) => s + v * rows[j][d], 0);
      pairs++;
    }
    const mean = rows.reduce((acc, row) => acc.map((v, d) => v + row[d] / n), new Array<number>(dims).fill(0));
    const meanNorm = Math.hypot(...mean);
    const energy = rows.reduce((s, row) => s + (row.reduce((t, v, d) => t + v * mean[d], 0) / meanNorm) ** 2, 0) / n;
    const g = embeddingGeometry({ name: 'x', dims, vectors }, { components: [1, 2], pcaSampleRows: n });
    expect(g.meanPairwiseCosine).toBeCloseTo(cosSum / pairs, 6);
    expect(g.meanDirectionEnergy).toBeCloseTo(energy, 6);
  });

  it('keeps all the variance with as many components as the centred data spans', () => {
    // Rows (u1, u2, u3, 1, 0): after normalization they use the first 4 coordinates only, so 4 centred components
    // keep all the variance and 1 cannot.
    const n = 60;
    const dims = 5;
    const rng = createRng(9);
    const vectors = new Float32Array(n * dims);
    for (let r = 0; r < n; r++) {
      vectors.set([rng.next(), rng.next(), rng.next(), 1, 0], r * dims);
    }
    const g = embeddingGeometry({ name: 'x', dims, vectors }, { components: [1, 4], pcaSampleRows: n });
    expect(g.varianceKept.get(4)).toBeCloseTo(1, 4); // 4 axes cover every direction the rows use (e5 is never used)
    expect(g.varianceKept.get(1)!).toBeLessThan(0.9);
  });
});

describe('neighbourAgreement', () => {
  it('is 1 for the same vectors, and for a rotated copy (cosine neighbours do not change)', () => {
    const dims = 4;
    const vectors = randomRows(80, dims, 5);
    const rotated = new Float32Array(vectors.length);
    for (let r = 0; r < 80; r++) {
      const [a, b, c, d] = vectors.slice(r * dims, (r + 1) * dims);
      rotated.set([b, -a, d, c], r * dims); // an orthogonal map
    }
    const base: GeometryInput = { name: 'a', dims, vectors };
    expect(neighbourAgreement(base, { name: 'b', dims, vectors: rotated }, { k: 5, neighbourQueries: 30 })).toBe(1);
  });

  it('is near k/n for unrelated vectors', () => {
    const a: GeometryInput = { name: 'a', dims: 8, vectors: randomRows(200, 8, 1) };
    const b: GeometryInput = { name: 'b', dims: 8, vectors: randomRows(200, 8, 2) };
    expect(neighbourAgreement(a, b, { k: 10, neighbourQueries: 200 })).toBeLessThan(0.15);
  });
});

describe('mockVsRealTable', () => {
  it('is a DetailTable with one row per metric and the overlap in the between column', () => {
    const a: GeometryInput = { name: 'mock', dims: 8, vectors: randomRows(100, 8, 1) };
    const b: GeometryInput = { name: 'real', dims: 6, vectors: randomRows(100, 6, 2, [3, 0, 0, 0, 0, 0]) };
    const table = mockVsRealTable(a, b, { components: [2, 4] });
    expect(table.name).toBe('mock-vs-real');
    expect(table.columns).toEqual(['metric', 'mock', 'real', 'between']);
    expect(table.rows.map((row) => row[0])).toEqual([
      'texts',
      'dimensions',
      'mean pairwise cosine',
      'energy share in mean direction',
      'variance kept by 2 centred components',
      'variance kept by 4 centred components',
      'top-10 neighbour overlap, mock vs real',
    ]);
    // The offset model shares a strong mean direction; the centred random one does not.
    const cosine = table.rows[2];
    expect(cosine[2] as number).toBeGreaterThan(0.5);
    expect(Math.abs(cosine[1] as number)).toBeLessThan(0.1);
  });
});
