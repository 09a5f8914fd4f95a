import { isPromise } from '../util/maybe-promise.ts';

/**
 * Hands asynchronous answers back in the order the calls were made: an answer (value or error) is delivered only
 * after every earlier call's was, each in its own event-loop turn, so everything one delivery sets off (a cache
 * fill, the client's next operations up to its next ordered call) runs to completion before the next is delivered.
 *
 * Why: concurrent clients whose answers (an embedding API's, a database's) come back in whatever order the
 * machine's timing gives interleave differently from run to run, so a cache's hits, joins and evictions would
 * depend on machine load. One CallOrder shared by every asynchronous part a replay calls (InOrderEmbedder and
 * inOrderIndex) makes the whole interleaving, and every counter that follows from it, depend only on the workload
 * and the seed. The cost is head-of-line blocking: an answer that arrives early waits for earlier calls' answers, as
 * responses on one HTTP/1.1 connection would. The calls themselves go out at once; only delivery is ordered.
 *
 * Ordered delivery fixes when callers see answers, not when the part does the work: the counters are exact only if
 * the part also runs calls in the order they are made, as an in-process index does and as a store does on one
 * connection (memopt's pgvector client keeps one; a store running calls on several connections at once would make
 * them time-dependent again). An inner answer must not depend on the delivery of a later call's answer (none of
 * memopt's parts does), or the two would wait for each other.
 */
export class CallOrder {
  readonly #waiting: Array<{ ready: boolean; deliver: () => void }> = [];

  /** The call's answer, delivered in call order (the call was made when this is called). */
  deliver<T>(answer: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const slot = { ready: false, deliver: () => {} };
      this.#waiting.push(slot);
      answer
        .then(
          (value) => void (slot.deliver = () => resolve(value)),
          (error: unknown) => void (slot.deliver = () => reject(error)),
        )
        .then(() => {
          slot.ready = true;
          this.#queueReady();
        });
    });
  }

  /**
   * Queues, in call order, every answer that is ready with no unanswered call before it: one setImmediate each.
   * Node drains the microtask queue between two setImmediate callbacks, so what one delivery sets off settles
   * before the next, without waiting a whole event-loop turn per answer.
   */
  #queueReady(): void {
    while (this.#waiting.length > 0 && this.#waiting[0].ready) setImmediate(this.#waiting.shift()!.deliver);
  }
}

/**
 * The index (or any part object) with every method call that returns a promise delivered through `order`; a call
 * that answers synchronously (an in-process index's search) is passed through untouched, so it costs nothing and
 * changes no interleaving. Properties and getters read through to the part itself, and methods run with the part as
 * `this` (its private fields stay reachable).
 */
export function inOrderPart<T extends object>(part: T, order: CallOrder): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(part, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || property === 'constructor') return value;
      let method = wrapped.get(property);
      if (method === undefined) {
        const inner = value as (...args: unknown[]) => unknown;
        method = (...args: unknown[]) => {
          const answer = inner.apply(target, args);
          return isPromise(answer) ? order.deliver(answer) : answer;
        };
        wrapped.set(property, method);
      }
      return method;
    },
  });
}
