import { describe, expect, it } from 'vitest';
import { ndcg, pairedBootstrapInterval, recallAll, recallAny, RelevanceTally, wilsonInterval } from '../../src/measure/relevance.ts';

describe('relevance against labels', () => {
  const relevant = new Set(['m2', 'm9']);
  const ranked = ['m1', 'm2', 'm3', 'm4', 'm9'];

  it('recall_any@k: a relevant id among the first k', () => {
    expect([1, 2, 5].map((k) => recallAny(ranked, relevant, k))).toEqual([0, 1, 1]);
  });

  it('recall_all@k: every relevant id among the first k', () => {
    expect([2, 4, 5, 20].map((k) => recallAll(ranked, relevant, k))).toEqual([0, 0, 1, 1]);
  });

  it('NDCG@k with binary gains over the ideal ranking', () => {
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(6);
    const ideal = 1 + 1 / Math.log2(3);
    expect(ndcg(ranked, relevant, 10)).toBeCloseTo(dcg / ideal, 12);
    expect(ndcg(['m2', 'm9'], relevant, 10)).toBe(1);
    expect(ndcg(['m1'], relevant, 10)).toBe(0);
  });

  it('the tally averages over the searches added', () => {
    const tally = new RelevanceTally();
    tally.add(ranked, relevant);
    tally.add(['m7'], new Set(['m8']));
    expect(tally.means()).toMatchObject({ recall_any_at_1: 0, recall_any_at_5: 0.5, recall_all_at_5: 0.5, recall_all_at_1: 0 });
    expect(tally.anyAt10).toEqual([1, 0]);
  });

  it('Wilson interval brackets the proportion', () => {
    const [lo, hi] = wilsonInterval(41, 100);
    expect(lo).toBeLessThan(0.41);
    expect(hi).toBeGreaterThan(0.41);
    expect(hi - lo).toBeCloseTo(0.19, 1);
  });
});

describe('pairedBootstrapInterval', () => {
  it('brackets the mean paired difference, and is a point when every pair differs alike', async () => {
    const { createRng } = await import('../../src/util/rng.ts');
    const rng = createRng(3);
    const a = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const b = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const [lo, hi] = pairedBootstrapInterval(a, b, () => rng.next());
    expect(lo).toBeLessThan(0.25);
    expect(hi).toBeGreaterThan(0.25);
    expect(lo).toBeGreaterThan(0.1);
    expect(pairedBootstrapInterval([1, 1], [0, 0], () => rng.next())).toEqual([1, 1]);
  });
});
