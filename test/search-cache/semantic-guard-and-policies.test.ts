import { describe, expect, it } from 'vitest';
import { guardRefusal, queryFacts } from '../../src/parts/search-cache/query-guard.ts';
import { AdaptiveThreshold, EntryObservations, FixedThreshold, fitThreshold } from '../../src/parts/search-cache/threshold-policy.ts';
import { createRng } from '../../src/util/rng.ts';

describe('query guard', () => {
  const names = new Set(['alice', 'bob']);
  it('refuses a changed number, entity or negation, and lets a paraphrase through', () => {
    expect(guardRefusal('What is in room 12?', 'What is in room 13?')).toBe('number');
    expect(guardRefusal('Which team is Alice on?', 'Which team is Bob on?', names)).toBe('entity');
    expect(guardRefusal("Alice's team?", "Bob's team?", names)).toBe('entity');
    expect(guardRefusal('Who lives in Berlin?', 'Who lives in Lisbon?')).toBe('entity');
    expect(guardRefusal('Which language does Alice like?', 'Which language does Alice not like?', names)).toBe('negation');
    expect(guardRefusal("What language does Alice like?", "What language doesn't Alice like?", names)).toBe('negation');
    expect(guardRefusal('Where does Alice live?', "Alice's home city?", names)).toBeUndefined();
    expect(guardRefusal('What is in room 12?', 'Room 12 contents?')).toBeUndefined();
  });
  it('does not count a sentence-initial capital as an entity, but does a known name there', () => {
    expect(queryFacts('Which city?').entities).toBe('');
    expect(queryFacts('Alice lives where?', names).entities).toBe('alice');
  });
  it('cannot see a reversed relation (same words, same entities): a limit, measured in the pair_kinds table', () => {
    expect(guardRefusal('Who does Alice manage?', 'Who manages Alice?', names)).toBeUndefined();
  });
});

describe('threshold policies', () => {
  it('fixed: serves at and above the threshold only', () => {
    const policy = new FixedThreshold(0.9);
    const none = new EntryObservations();
    expect(policy.decide(0.9, none)).toBe('hit');
    expect(policy.decide(0.8999, none)).toBe('miss');
    expect(() => new FixedThreshold(2)).toThrow(RangeError);
  });

  it('adaptive: explores until it has minObservations, then serves only well above the learned threshold', () => {
    const policy = new AdaptiveThreshold({ errorBound: 0.01, minObservations: 6 });
    const obs = new EntryObservations();
    const random = () => 0.5;
    expect(policy.decide(0.99, obs, random)).toBe('verify');
    // Answers are right above 0.9, wrong below: a learned threshold near 0.9.
    const rng = createRng(1);
    for (let i = 0; i < 200; i++) {
      const s = 0.8 + 0.2 * rng.next();
      obs.add(s, s > 0.9);
    }
    const fit = fitThreshold(obs)!;
    expect(fit.t).toBeGreaterThan(0.88);
    expect(fit.t).toBeLessThan(0.92);
    expect(policy.explorationProbability(0.85, obs)).toBeGreaterThan(0.9);
    expect(policy.explorationProbability(0.99, obs)).toBe(0);
    expect(policy.decide(0.99, obs, random)).toBe('hit');
    expect(policy.decide(0.85, obs, random)).toBe('verify');
  });

  it('adaptive: an entry whose answers were always wrong never serves', () => {
    const policy = new AdaptiveThreshold({ errorBound: 0.01 });
    const obs = new EntryObservations();
    for (let i = 0; i < 20; i++) obs.add(0.9 + i * 0.004, false);
    expect(policy.explorationProbability(0.99, obs)).toBe(1);
  });
});
