import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryReplayDriver, type MemoryReplayVariant } from '../../src/drivers/memory-replay.ts';
import { startInProcessEndpoint, type InProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import { recordMemory } from '../../src/memory/record-memory.ts';
import { buildMemory } from '../../src/parts/pipeline.ts';
import { prepareContext } from '../support/endpoints.ts';

let endpoint: InProcessEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

async function freshEndpoint(): Promise<InProcessEndpoint> {
  await endpoint?.close();
  endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
  return endpoint;
}

const NAIVE_STACK = { embedder: { embedder: 'naive' as const }, cache: { cache: 'none' as const }, index: { index: 'flat' as const } };

describe('record, then replay', () => {
  it('a trace recordMemory wrote of a live memory replays through the same stack to the same requests and tokens', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'record-replay-')), 'traffic.jsonl');
    const live = await freshEndpoint();
    const { memory, close } = await buildMemory(NAIVE_STACK, { client: live.createClient(), model: 'text-embedding-3-small', dimensions: 32 });
    let clock = Date.parse('2026-05-08T09:00:00Z');
    const recorded = recordMemory(memory, file, { now: () => (clock += 30_000) });
    const home = await recorded.add('Lena lives in Madrid', { kind: 'fact' }, { namespace: 'lena' });
    await recorded.add('Lena plays padel on Fridays', undefined, { namespace: 'lena' });
    const pet = await recorded.add('Omar has two cats', { kind: 'fact' }, { namespace: 'omar' });
    await recorded.search('Where does Lena live?', { namespace: 'lena', topK: 2 });
    await recorded.update(home, 'Lena moved to Valencia', { kind: 'fact' });
    await recorded.search('Where does Lena live?', { namespace: 'lena', topK: 2 });
    await recorded.delete(pet);
    await recorded.search('Does Omar have pets?', { namespace: 'omar', topK: 3, filter: { kind: 'fact' } });
    await recorded.recording.close();
    const liveLedger = await live.ledger();
    await close();

    const workload = memoryReplayDriver.workloadSchema.parse({ trace: file, dimensions: 32, fitSample: 2 });
    const prepared = await memoryReplayDriver.prepare(workload, prepareContext(5));
    const params = memoryReplayDriver.variantSchema.parse({ stack: NAIVE_STACK, users: 1 }) as MemoryReplayVariant;
    const replayed = await memoryReplayDriver.run(prepared, params, { seed: 5, quick: true, endpoint: await freshEndpoint(), memory: createMemoryProbe(), repetition: 0, side: 'baseline', log: () => {} });
    expect(liveLedger.requests).toBe(7); // 3 adds, 1 update, 3 searches
    expect(replayed.metrics).toMatchObject({ api_requests: liveLedger.requests, api_tokens: liveLedger.tokens, stale_results: 0, cross_user_results: 0, lost_writes: 0 });
  });
});
