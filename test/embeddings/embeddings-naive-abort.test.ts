import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.ts';
import { NaiveEmbedder } from '../../src/parts/embeddings/naive-embedder.ts';
import { createFakeClient, fakeVector } from '../../src/parts/embeddings/instant-client.ts';

/** A fake API that answers only when the test says so. */
function gatedApi() {
  const gates: (() => void)[] = [];
  const fake = createFakeClient({ latency: () => new Promise<void>((resolve) => gates.push(resolve)) });
  return { fake, open: () => gates.splice(0).forEach((g) => g()) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('NaiveEmbedder aborts and timeouts', () => {
  it('passes requestTimeoutMs to the SDK as its per-request timeout, and checks it at construction', async () => {
    const fake = createFakeClient();
    await new NaiveEmbedder({ client: fake.client, model: 'm', requestTimeoutMs: 1234 }).embed('a');
    expect(fake.requests[0].options?.timeout).toBe(1234);
    expect(() => new NaiveEmbedder({ client: fake.client, model: 'm', requestTimeoutMs: 0 })).toThrow(OptionError);
    expect(() => new NaiveEmbedder({ client: fake.client, model: 'm', requestTimeoutMs: 0 })).toThrow(/'requestTimeoutMs'/);
  });

  it('an aborted embed rejects with its own reason and aborts its request; the other caller gets its vector', async () => {
    const api = gatedApi();
    const embedder = new NaiveEmbedder({ client: api.fake.client, model: 'm' });
    const controller = new AbortController();
    const mine = embedder.embed('mine', { signal: controller.signal });
    const other = embedder.embed('other');
    await tick();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(mine).rejects.toBe(reason);
    expect(api.fake.requests.find((r) => r.input[0] === 'mine')?.aborted).toBe(true);
    api.open();
    expect(await other).toEqual(fakeVector('other'));
  });

  it('an already-aborted signal rejects at once and sends nothing', async () => {
    const fake = createFakeClient();
    const embedder = new NaiveEmbedder({ client: fake.client, model: 'm' });
    await expect(embedder.embedMany(['a', 'b'], { signal: AbortSignal.abort('stop') })).rejects.toBe('stop');
    expect(fake.requests).toHaveLength(0);
  });

  it('close({ signal }) gives up waiting: pending callers and close reject with the reason', async () => {
    const api = gatedApi();
    const embedder = new NaiveEmbedder({ client: api.fake.client, model: 'm' });
    const pending = embedder.embed('hung');
    await tick();
    const controller = new AbortController();
    const closing = embedder.close({ signal: controller.signal });
    controller.abort('shutdown');
    await expect(closing).rejects.toBe('shutdown');
    await expect(pending).rejects.toBe('shutdown');
    expect(api.fake.requests[0].aborted).toBe(true);
  });

  it('close({ signal }) resolves when everything settles first', async () => {
    const fake = createFakeClient();
    const embedder = new NaiveEmbedder({ client: fake.client, model: 'm' });
    const done = embedder.embed('a');
    const controller = new AbortController();
    await embedder.close({ signal: controller.signal });
    controller.abort();
    expect(await done).toEqual(fakeVector('a'));
  });
});
