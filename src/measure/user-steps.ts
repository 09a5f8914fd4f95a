/**
 * How a multi-user trace is replayed by `users` concurrent users, as a plan of steps fixed before anything runs.
 *
 * Each step holds the next pending operation of up to `users` distinct users, those whose next operation comes
 * earliest in the trace; the replay starts a step's operations together and waits for all of them before the next
 * step. So within a user operations run one at a time in trace order (a write has settled before that user's next
 * search is called), users run concurrently, and what runs beside what depends only on the trace and `users`,
 * never on machine speed: every counter that follows from the interleaving (batches formed, cache entries evicted)
 * reproduces. With `users` = 1 the plan is the trace, one operation a step.
 */

/** The plan: indexes into the trace, step by step, each step in trace order. */
export function planUserSteps(userOf: readonly string[], users: number): number[][] {
  if (!Number.isInteger(users) || users < 1) throw new RangeError(`planUserSteps: expected users >= 1, found ${users}`);
  const queues = new Map<string, number[]>();
  for (let i = 0; i < userOf.length; i++) {
    const queue = queues.get(userOf[i]);
    if (queue) queue.push(i);
    else queues.set(userOf[i], [i]);
  }
  const cursor = new Map<string, number>();
  // Heads (each user's next pending operation), earliest first.
  const heads = new MinHeap();
  for (const queue of queues.values()) heads.push(queue[0]);
  const steps: number[][] = [];
  while (heads.size > 0) {
    const step: number[] = [];
    while (step.length < users && heads.size > 0) step.push(heads.pop());
    for (const i of step) {
      const user = userOf[i];
      const next = (cursor.get(user) ?? 0) + 1;
      cursor.set(user, next);
      const queue = queues.get(user)!;
      if (next < queue.length) heads.push(queue[next]);
    }
    steps.push(step);
  }
  return steps;
}

/** A binary min-heap of distinct integers. */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(value: number): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= a[i]) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }
  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
