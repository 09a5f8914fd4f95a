import { beforeAll, describe, expect, it } from 'vitest';
import { openTextEmbeddingModel, type TextEmbeddingModel } from '../../src/endpoint/models/index.ts';
import { cosine, ONNX_PEER_MODULE, ONNX_PEER_RUNS, ONNX_TINY_EXPECTED, ONNX_TINY_FOLDER } from '../support/onnx-tiny.ts';

// The tiny model's every token sees the masked mean of its sentence (build.py), so a padded batch equals the texts
// one by one only if the attention mask really reaches the model: these checks can fail for more than bookkeeping.

const expected = ONNX_TINY_EXPECTED.texts;
const texts = expected.map((t) => t.text);
const spec = `onnx:${ONNX_TINY_FOLDER}`;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let d = 0; d < a.length; d++) max = Math.max(max, Math.abs(a[d] - b[d]));
  return max;
}

describe.skipIf(!ONNX_PEER_RUNS)('onnx:<folder> batches', () => {
  let uncached: TextEmbeddingModel;
  let oneByOne: Float32Array[];
  beforeAll(async () => {
    uncached = await openTextEmbeddingModel(spec, { transformersModule: ONNX_PEER_MODULE, cacheEntries: 0 });
    oneByOne = [];
    for (const text of texts) oneByOne.push((await uncached.embed([text])).vectors[0]);
  }, 60_000);

  it('give each text the vector it gets alone (texts of 3 to 12 tokens, padded together)', async () => {
    const before = uncached.stats();
    const { vectors, tokens } = await uncached.embed(texts);
    expect(uncached.stats().modelCalls - before.modelCalls).toBe(1); // one padded pass, not six
    expect(new Set(tokens).size).toBeGreaterThan(2); // the batch really mixes lengths
    vectors.forEach((vector, i) => {
      expect(maxAbsDiff(vector, oneByOne[i]), texts[i]).toBeLessThan(1e-6);
      expect(cosine(vector, expected[i].vector)).toBeGreaterThanOrEqual(0.9999);
    });
  });

  it('answer interleaved callers each with their own vectors, in their own order', async () => {
    const calls = [[5, 0, 3], [1], [4, 2, 5, 1], [3, 3], [2, 0]];
    const answers = await Promise.all(calls.map((indices) => uncached.embed(indices.map((i) => texts[i]))));
    answers.forEach((answer, c) => {
      expect(answer.vectors).toHaveLength(calls[c].length);
      calls[c].forEach((textIndex, k) => {
        expect(maxAbsDiff(answer.vectors[k], oneByOne[textIndex]), `call ${c}, input ${k}`).toBeLessThan(1e-6);
        expect(answer.tokens[k]).toBe(expected[textIndex].token_count);
      });
    });
  });
});

describe.skipIf(!ONNX_PEER_RUNS)('onnx:<folder> per-text cache', () => {
  let model: TextEmbeddingModel;
  beforeAll(async () => {
    model = await openTextEmbeddingModel(spec, { transformersModule: ONNX_PEER_MODULE });
  }, 60_000);

  it('runs the model on a text once: a repeat, within a call or later, comes from the cache', async () => {
    expect(model.stats()).toEqual({ computed: 0, cacheHits: 0, shippedHits: 0, modelCalls: 0, inputsTruncated: 0 });
    const first = await model.embed([texts[0], texts[0]]);
    expect(model.stats()).toEqual({ computed: 1, cacheHits: 0, shippedHits: 0, modelCalls: 1, inputsTruncated: 0 });
    const second = await model.embed([texts[1], texts[0]]);
    expect(model.stats()).toEqual({ computed: 2, cacheHits: 1, shippedHits: 0, modelCalls: 2, inputsTruncated: 0 });
    const third = await model.embed([texts[0], texts[1]]);
    expect(model.stats()).toEqual({ computed: 2, cacheHits: 3, shippedHits: 0, modelCalls: 2, inputsTruncated: 0 });
    expect(Array.from(second.vectors[1])).toEqual(Array.from(first.vectors[0]));
    expect(Array.from(third.vectors[1])).toEqual(Array.from(second.vectors[0]));
    expect(cosine(third.vectors[0], expected[0].vector)).toBeGreaterThanOrEqual(0.9999);
    expect(third.tokens).toEqual([expected[0].token_count, expected[1].token_count]);
    // A cached answer is a copy: changing it does not change the next answer.
    third.vectors[0].fill(0);
    expect(cosine((await model.embed([texts[0]])).vectors[0], expected[0].vector)).toBeGreaterThanOrEqual(0.9999);
  });
});
