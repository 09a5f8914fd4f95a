import { describe, expect, it } from 'vitest';
import { InOrderEmbedder } from '../../src/measure/in-order-embedder.ts';
import { GatedEmbedder, settle } from '../support/cache-fakes.ts';
import { letterVector } from '../support/fake-embedder.ts';

/** Lets `n` event-loop turns pass (the wrapper delivers one answer per turn). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await settle();
}

describe('InOrderEmbedder', () => {
  it('delivers answers in call order, whatever order the inner embedder answers in', async () => {
    const inner = new GatedEmbedder();
    const ordered = new InOrderEmbedder(inner);
    const delivered: string[] = [];
    const calls = ['a', 'b', 'c'].map((text) => ordered.embed(text).then((vector) => (delivered.push(text), vector)));
    await inner.release('c');
    await inner.release('b');
    await turns(3);
    expect(delivered).toEqual([]); // 'a' has not answered: nothing may overtake it
    await inner.release('a');
    await turns(4);
    expect(delivered).toEqual(['a', 'b', 'c']);
    // Each caller gets its own vector.
    expect(await Promise.all(calls)).toEqual(['a', 'b', 'c'].map(letterVector));
  });

  it('gives each caller its own vector and its own error, in order', async () => {
    const inner = new GatedEmbedder();
    const ordered = new InOrderEmbedder(inner);
    const first = ordered.embed('first').then(() => 'answered', (error: unknown) => error);
    const second = ordered.embedMany(['x', 'yy']);
    await inner.release('x');
    await inner.release('yy');
    const error = new Error('first failed');
    await inner.failAll(error);
    expect(await first).toBe(error);
    expect(await second).toEqual([letterVector('x'), letterVector('yy')]);
  });

  it('lets everything one answer sets off run before the next answer is delivered', async () => {
    const inner = new GatedEmbedder();
    const ordered = new InOrderEmbedder(inner);
    const log: string[] = [];
    // Each continuation takes several microtask hops; delivered together they would interleave.
    const chain = async (text: string) => {
      await ordered.embed(text);
      for (let hop = 0; hop < 5; hop++) {
        log.push(`${text}${hop}`);
        await Promise.resolve();
      }
    };
    const done = Promise.all([chain('a'), chain('b')]);
    await inner.releaseAll();
    await done;
    expect(log).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4']);
  });

  it('passes model, dimensions, stats, flush and close through', async () => {
    const inner = new GatedEmbedder();
    inner.open = true;
    const ordered = new InOrderEmbedder(inner);
    expect([ordered.model, ordered.dimensions]).toEqual(['gated', 26]);
    await ordered.embed('z');
    expect(ordered.stats().requestsSent).toBe(1);
    await ordered.flush();
    await ordered.close();
  });
});
