import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distinctCorpusTexts } from '../../src/datasets/corpus-texts.ts';
import { DEFAULT_DATASET_DIR } from '../../src/datasets/defaults.ts';
import { takeSample } from '../../src/datasets/load.ts';
import { embedWithUseLite, ShippedVectors } from '../../src/endpoint/models/index.ts';
import { sha256 } from '../../src/endpoint/models/shipped-vectors.ts';

// The shipped real vectors (datasets/vectors/use-lite.*) are inputs of the real-vector scenarios: they must be the
// model's vectors of exactly today's corpus texts. Stored as float16, whose rounding costs at most ~1e-7 of cosine
// (the manifest records the largest loss measured); the tolerance below is the 0.9999.
const MIN_COSINE = 0.9999;
const SAMPLE = 20;

describe('shipped USE-lite corpus vectors', () => {
  it('cover every distinct corpus text, in order, from the dataset files they were made from', async () => {
    const shipped = await ShippedVectors.load('use-lite'); // also verifies both files' sha256 against the manifest
    const { texts, sources } = await distinctCorpusTexts();
    expect(shipped.texts()).toEqual(texts);
    expect(Object.keys(shipped.manifest.sources)).toEqual(sources);
    for (const source of sources) {
      expect(sha256(await readFile(join(DEFAULT_DATASET_DIR, source))), source).toBe(shipped.manifest.sources[source].sha256);
    }
    expect(shipped.manifest).toMatchObject({ model: 'use-lite', dims: 512, rows: texts.length });
  });

  it(`equal a fresh embedding of ${SAMPLE} sampled texts to cosine >= ${MIN_COSINE}`, { timeout: 180_000 }, async () => {
    const shipped = await ShippedVectors.load('use-lite');
    const sample = takeSample(shipped.texts(), SAMPLE, 12);
    const fresh = await embedWithUseLite(sample);
    sample.forEach((text, i) => {
      const stored = shipped.vectorFor(text)!;
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let j = 0; j < stored.length; j++) {
        dot += stored[j] * fresh[i][j];
        a += stored[j] ** 2;
        b += fresh[i][j] ** 2;
      }
      expect(dot / Math.sqrt(a * b), text).toBeGreaterThanOrEqual(MIN_COSINE);
    });
  });
});
