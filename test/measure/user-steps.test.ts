import { describe, expect, it } from 'vitest';
import { planUserSteps } from '../../src/measure/user-steps.ts';

describe('planUserSteps', () => {
  const users = ['a', 'a', 'b', 'a', 'c', 'b', 'c', 'c', 'd'];

  it('one user at a time is the trace, one operation a step', () => {
    expect(planUserSteps(users, 1)).toEqual(users.map((_, i) => [i]));
  });

  it('each step holds the earliest next operation of up to `users` distinct users; each user keeps trace order', () => {
    const steps = planUserSteps(users, 2);
    expect(steps).toEqual([[0, 2], [1, 4], [3, 5], [6, 8], [7]]);
    for (const step of steps) expect(new Set(step.map((i) => users[i])).size).toBe(step.length);
    // Every operation once, and a user's operations in increasing steps.
    expect(steps.flat().sort((x, y) => x - y)).toEqual(users.map((_, i) => i));
    const stepOf = new Map(steps.flatMap((step, s) => step.map((i) => [i, s] as const)));
    for (let i = 0; i < users.length; i++) {
      for (let j = i + 1; j < users.length; j++) if (users[i] === users[j]) expect(stepOf.get(i)!).toBeLessThan(stepOf.get(j)!);
    }
  });

  it('with more users than there are, a step holds one operation of every user with one pending', () => {
    expect(planUserSteps(users, 100)).toEqual([[0, 2, 4, 8], [1, 5, 6], [3, 7]]);
  });

  it('refuses a concurrency below 1', () => {
    expect(() => planUserSteps(users, 0)).toThrow(RangeError);
  });
});
