import { describe, expect, it, vi } from 'vitest';
import { fakeVector } from '../../src/parts/embeddings/instant-client.ts';
import { setupBatchEmbedder as setup } from '../support/batch-embedder-setup.ts';

describe('BatchEmbedder embed(text, { signal })', () => {
  it('rejects the aborted caller with its own reason and removes its text from the batch not yet sent', async () => {
    const { clock, fake, embedder } = setup({ maxWaitMs: 10 });
    const controller = new AbortController();
    const a = embedder.embed('a');
    const mine = embedder.embed('mine', { signal: controller.signal });
    const c = embedder.embed('c');
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(mine).rejects.toBe(reason);
    expect(await clock.run(Promise.all([a, c]))).toEqual([fakeVector('a'), fakeVector('c')]);
    expect(fake.requests.map((r) => r.input)).toEqual([['a', 'c']]);
    expect(embedder.stats()).toMatchObject({ abortedCalls: 1, inputsSent: 2, queueLength: 0 });
  });

  it('with an already-aborted signal, rejects at once and sends nothing', async () => {
    const { clock, fake, embedder } = setup();
    await expect(embedder.embed('a', { signal: AbortSignal.abort('stop') })).rejects.toBe('stop');
    await expect(embedder.embedMany(['a'], { signal: AbortSignal.abort('stop') })).rejects.toBe('stop');
    await clock.run(embedder.flush());
    expect(fake.requests).toHaveLength(0);
  });

  it('drops a batch emptied by aborts: it is never sent and leaves no timer', async () => {
    const { clock, fake, embedder } = setup({ maxWaitMs: 10 });
    const controller = new AbortController();
    const mine = embedder.embed('only', { signal: controller.signal });
    expect(clock.pending).toBe(1);
    controller.abort();
    await expect(mine).rejects.toMatchObject({ name: 'AbortError' });
    expect(clock.pending).toBe(0);
    await clock.run(embedder.close());
    expect(fake.requests).toHaveLength(0);
  });

  it('keeps a shared input in the batch when only one of its callers aborts', async () => {
    const { clock, fake, embedder } = setup();
    const controller = new AbortController();
    const mine = embedder.embed('same', { signal: controller.signal });
    const other = embedder.embed('same');
    controller.abort();
    await expect(mine).rejects.toMatchObject({ name: 'AbortError' });
    expect(await clock.run(other)).toEqual(fakeVector('same'));
    expect(fake.requests.map((r) => r.input)).toEqual([['same']]);
  });

  it('aborts an embedMany as a whole, including its texts still waiting for room in the queue', async () => {
    const { clock, fake, embedder } = setup({ maxBatchSize: 2, maxQueueSize: 2, maxConcurrentRequests: 1 }, { latency: () => clock.wait(50) });
    const controller = new AbortController();
    const first = embedder.embedMany(['a', 'b']);
    const mine = embedder.embedMany(['c', 'd', 'e', 'f', 'g'], { signal: controller.signal });
    const last = embedder.embed('h');
    await clock.settle();
    expect(embedder.stats().waitingProducers).toBe(2);
    controller.abort('enough');
    await expect(mine).rejects.toBe('enough');
    expect(embedder.stats().waitingProducers).toBe(0);
    expect(await clock.run(Promise.all([first, last]))).toEqual([[fakeVector('a'), fakeVector('b')], fakeVector('h')]);
    expect(fake.requests.map((r) => r.input)).toEqual([['a', 'b'], ['h']]);
  });

  it('rejects a caller of a sent batch at once; the others still get their vectors', async () => {
    const { clock, fake, embedder } = setup({}, { latency: () => clock.wait(100) });
    const controller = new AbortController();
    const mine = embedder.embed('mine', { signal: controller.signal });
    const other = embedder.embed('other');
    await clock.advance(20); // the batch is sent and waits for its answer
    expect(fake.requests).toHaveLength(1);
    controller.abort('late');
    await expect(mine).rejects.toBe('late');
    expect(clock.now).toBeLessThan(100); // not waiting on the request
    expect(await clock.run(other)).toEqual(fakeVector('other'));
    expect(fake.requests).toHaveLength(1);
  });

  it('abandons a sent request when every caller aborts: its HTTP request is aborted and never retried', async () => {
    const { clock, fake, embedder } = setup(
      {},
      { latency: () => clock.wait(100), behavior: (req) => (req.seq === 0 ? { kind: 'error', status: 500 } : undefined) },
    );
    const controller = new AbortController();
    const mine = embedder.embed('mine', { signal: controller.signal });
    mine.catch(() => {});
    await clock.advance(150); // first attempt failed; now sleeping before the retry
    expect(fake.requests).toHaveLength(1);
    controller.abort();
    await clock.run(embedder.flush());
    expect(fake.requests).toHaveLength(1);
    expect(embedder.stats()).toMatchObject({ requestsInFlight: 0, abortedCalls: 1, failedRequests: 0 });

    const second = new AbortController();
    const hung = embedder.embed('in flight', { signal: second.signal });
    hung.catch(() => {});
    await clock.advance(20);
    second.abort();
    await clock.settle();
    expect(fake.requests[1].aborted).toBe(true);
    expect(embedder.stats().requestsInFlight).toBe(0);
  });

  it('lets flush() resolve once an aborted call is gone', async () => {
    const { clock, embedder } = setup({}, { latency: () => new Promise(() => {}) });
    const controller = new AbortController();
    embedder.embed('hung', { signal: controller.signal }).catch(() => {});
    let flushed = false;
    void embedder.flush().then(() => (flushed = true));
    await clock.advance(10);
    expect(flushed).toBe(false);
    controller.abort();
    await clock.settle();
    expect(flushed).toBe(true);
  });

  it('removes its abort listener when the call settles, so a later abort does nothing', async () => {
    const { clock, embedder } = setup();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    expect(await clock.run(embedder.embed('a', { signal: controller.signal }))).toEqual(fakeVector('a'));
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    controller.abort();
    expect(embedder.stats().abortedCalls).toBe(0);
  });

  it('rejects a signal that is not an AbortSignal with a TypeError', async () => {
    const { embedder } = setup();
    await expect(embedder.embed('a', { signal: {} as AbortSignal })).rejects.toThrow(TypeError);
  });
});
