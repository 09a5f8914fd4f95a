import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distinctAgentMemoryTexts } from '../../src/datasets/agent-memory-texts.ts';
import { DEFAULT_DATASET_DIR } from '../../src/datasets/defaults.ts';
import { readAgentTrace } from '../../src/datasets/agent-trace.ts';
import { AGENT_WORKLOADS, generateAgentWorkload } from '../../src/datasets/agent-workload.ts';
import { toJsonlLine } from '../../src/datasets/jsonl.ts';
import { loadDataset, loadQueries, takeSample } from '../../src/datasets/load.ts';
import { AGENT_MEMORY_VECTORS_DIR, createUseLiteModel, embedWithUseLite, loadShippedVectorSets, SHIPPED_VECTORS_DIR, ShippedVectors } from '../../src/endpoint/models/index.ts';
import { sha256 } from '../../src/endpoint/models/shipped-vectors.ts';

// In the e2e suite (test/e2e-files.ts): it reads both shipped sets and runs the model, tens of seconds on a loaded machine.
// The shipped USE-lite vectors of the agent-memory workloads (datasets/agent-memory/vectors/): one row per distinct
// text of datasets/agent-memory/*.jsonl that the corpus set (datasets/vectors/) lacks; the model's loader consults
// both. Same tolerance as the corpus set's test (float16 storage costs ~1e-7 of cosine).
const MIN_COSINE = 0.9999;

describe('shipped full agent-memory workload', () => {
  it(`${AGENT_WORKLOADS.full.file} is exactly the generator output for its seed, and reads back as a valid trace`, { timeout: 120_000 }, async () => {
    const { file, users, seed } = AGENT_WORKLOADS.full;
    const path = join(DEFAULT_DATASET_DIR, AGENT_WORKLOADS.dir, file);
    const [memories, queries] = await Promise.all([loadDataset(join(DEFAULT_DATASET_DIR, 'memories.jsonl')), loadQueries(join(DEFAULT_DATASET_DIR, 'queries.jsonl'))]);
    const expected = generateAgentWorkload({ users, seed }, { notes: memories, queries }).map(toJsonlLine).join('');
    const actual = await readFile(path, 'utf8');
    const e = expected.split('\n');
    const a = actual.split('\n');
    const firstDiff = e.findIndex((line, i) => line !== a[i]);
    expect(firstDiff, `line ${firstDiff + 1} differs; regenerate with: npx tsx scripts/generate-agent-workload.ts`).toBe(-1);
    expect(actual === expected).toBe(true);
    expect(new Set((await readAgentTrace(path)).map((entry) => entry.op.user)).size).toBe(users);
  });
});

describe('shipped USE-lite agent-memory vectors', () => {
  it('hold every distinct workload text the corpus set lacks, in order, made from today\'s workload files', { timeout: 120_000 }, async () => {
    // Both loads verify their files' sha256 against their manifests.
    const [agent, corpus] = await Promise.all([ShippedVectors.load('use-lite', AGENT_MEMORY_VECTORS_DIR), ShippedVectors.load('use-lite', SHIPPED_VECTORS_DIR)]);
    const { texts, sources } = await distinctAgentMemoryTexts();
    expect(agent.texts()).toEqual(texts.filter((text) => !corpus.has(text)));
    expect(agent.manifest.base).toEqual({ from: '../../vectors', rows: texts.length - agent.size, sha256: corpus.manifest.checksums[corpus.manifest.files.vectors].sha256 });
    expect(Object.keys(agent.manifest.sources)).toEqual(sources);
    for (const source of sources) {
      expect(sha256(await readFile(join(DEFAULT_DATASET_DIR, source))), `${source}: rerun scripts/embed-corpus.ts --set agent-memory`).toBe(agent.manifest.sources[source].sha256);
    }
    expect(agent.manifest).toMatchObject({ model: 'use-lite', dims: 512, rows: agent.size });
  });

  // Loads both sets and counts 10,000 texts' tokens: about 30 s on a loaded 2-core machine.
  it('let the USE-lite model answer every workload text without running it', { timeout: 180_000 }, async () => {
    const { texts } = await distinctAgentMemoryTexts();
    const model = createUseLiteModel({ cacheEntries: 0 });
    const { vectors } = await model.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    expect(model.stats()).toMatchObject({ computed: 0, modelCalls: 0, shippedHits: texts.length });
    const combined = await loadShippedVectorSets('use-lite');
    expect(combined?.vectorFor(texts[texts.length - 1])).toEqual(vectors[texts.length - 1]);
  });

  it(`equal a fresh embedding of 8 sampled texts to cosine >= ${MIN_COSINE}`, { timeout: 180_000 }, async () => {
    const agent = await ShippedVectors.load('use-lite', AGENT_MEMORY_VECTORS_DIR);
    const sample = takeSample(agent.texts(), 8, 21);
    const fresh = await embedWithUseLite(sample);
    sample.forEach((text, i) => {
      const stored = agent.vectorFor(text)!;
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
