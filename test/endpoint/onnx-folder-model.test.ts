import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../src/errors.ts';
import { loadOnnxFolderModel, openTextEmbeddingModel, type TextEmbeddingModel } from '../../src/endpoint/models/index.ts';
import { cosine, ONNX_PEER_MODULE, ONNX_PEER_RUNS, ONNX_TINY_EXPECTED, ONNX_TINY_FOLDER } from '../support/onnx-tiny.ts';

// `onnx:<folder>` for real: the tiny seeded BERT-shaped folder run by @huggingface/transformers (test/onnx-peer),
// against vectors and token counts build.py computed independently (its own WordPiece tokenizer, the graph in numpy).

const texts = ONNX_TINY_EXPECTED.texts.map((t) => t.text);

describe.skipIf(!ONNX_PEER_RUNS)('onnx:<folder> on the tiny model', () => {
  let model: TextEmbeddingModel;
  beforeAll(async () => {
    model = await openTextEmbeddingModel(`onnx:${ONNX_TINY_FOLDER}`, { transformersModule: ONNX_PEER_MODULE });
  }, 60_000);

  it("has config.json's hidden_size as its width, and names itself by the spec", () => {
    expect(model.dimensions).toBe(ONNX_TINY_EXPECTED.hidden_size);
    expect(model.dimensions).toBe(16);
    expect(model.name).toBe(`onnx:${ONNX_TINY_FOLDER}`);
    expect(model.normalizes).toBe(true);
  });

  it('gives the vectors numpy computed: mean-pooled over the attention mask, unit norm', async () => {
    const { vectors } = await model.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    ONNX_TINY_EXPECTED.texts.forEach((expected, i) => {
      expect(vectors[i]).toHaveLength(16);
      expect(cosine(vectors[i], expected.vector), expected.text).toBeGreaterThanOrEqual(0.9999);
      expect(Math.abs(Math.hypot(...vectors[i]) - 1)).toBeLessThan(1e-5);
    });
    // The texts are not one vector: a model that ignored its input would fail here, not above.
    expect(cosine(vectors[0], vectors[1])).toBeLessThan(0.99);
    expect(cosine(vectors[3], ONNX_TINY_EXPECTED.texts[5].vector)).toBeLessThan(0.99);
  });

  it("counts usage with the folder's own tokenizer, [CLS] and [SEP] included", async () => {
    const counts = ONNX_TINY_EXPECTED.texts.map((t) => t.token_count);
    expect(counts).toEqual([9, 12, 7, 3, 12, 3]);
    expect(await model.countTokens(texts)).toEqual(counts);
    expect((await model.embed(texts)).tokens).toEqual(counts);
  });
});

describe.skipIf(!ONNX_PEER_RUNS)('a tiny-model folder whose config.json disagrees with its model', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'memopt-onnx-tiny-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is refused with an InputError naming config.json and hidden_size', { timeout: 60_000 }, async () => {
    const folder = join(dir, 'onnx-tiny-wrong-width');
    await cp(ONNX_TINY_FOLDER, folder, { recursive: true });
    const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(folder, 'config.json'), JSON.stringify({ ...config, hidden_size: 24 }));
    const error = await loadOnnxFolderModel(folder, { transformersModule: ONNX_PEER_MODULE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(ExitCode.badInput);
    expect((error as InputError).message).toBe(`${join(folder, 'config.json')}, field 'hidden_size': says 24, but the model returns 16 dimensions`);
  });
});
