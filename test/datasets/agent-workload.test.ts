import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentTraceOpSchema, checkAgentTrace, readAgentTrace, traceTimeMs, type AgentTraceEntry, type AgentTraceOpInput } from '../../src/datasets/agent-trace.ts';
import { AGENT_WORKLOADS, generateAgentWorkload, summarizeAgentWorkload } from '../../src/datasets/agent-workload.ts';
import { DEFAULT_DATASET_DIR } from '../../src/datasets/defaults.ts';
import { toJsonlLine } from '../../src/datasets/jsonl.ts';
import { loadDataset, loadQueries } from '../../src/datasets/load.ts';
import { OptionError } from '../../src/errors.ts';

const REGENERATE = 'regenerate with: npx tsx scripts/generate-agent-workload.ts';
const notes = Array.from({ length: 300 }, (_, i) => ({ text: `Corpus note number ${i} about something the user said.`, topic: `t${i % 5}` }));
const queries = Array.from({ length: 40 }, (_, i) => ({ text: `corpus query ${i}`, topic: `t${i % 5}` }));
const pools = { notes, queries };
/** A short history keeps these tests fast; the shipped workloads' default is tested through their files. */
const SHORT = { history: [2, 4] } as const;

/** The generated operations as the reader would see them (defaults filled), with their lines. */
function entriesOf(ops: readonly AgentTraceOpInput[]): AgentTraceEntry[] {
  return ops.map((op, i) => {
    const value = AgentTraceOpSchema.parse(op);
    return { line: i + 1, atMs: traceTimeMs(value.at), op: value };
  });
}

describe('agent-memory workload generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateAgentWorkload({ ...SHORT, users: 20, seed: 1 }, pools);
    expect(generateAgentWorkload({ ...SHORT, users: 20, seed: 1 }, pools)).toEqual(a);
    expect(generateAgentWorkload({ ...SHORT, users: 20, seed: 2 }, pools)).not.toEqual(a);
  });

  it('passes every whole-trace check: ids live, users never cross, time never goes backwards', () => {
    const ops = generateAgentWorkload({ ...SHORT, users: 200, seed: 3 }, pools);
    expect(() => checkAgentTrace('generated', entriesOf(ops))).not.toThrow();
    const times = ops.map((op) => traceTimeMs(op.at));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
    for (const op of ops) if (op.op !== 'search') expect(op.id.startsWith(`${op.user}-`)).toBe(true);
  });

  it('labels each question with exactly the memories that state the current value of its fact', () => {
    const ops = generateAgentWorkload({ ...SHORT, users: 300, seed: 4 }, pools);
    // Replay the writes: the attribute and text of each live memory.
    const live = new Map<string, { user: string; attribute: unknown; text: string }>();
    let checked = 0;
    for (const op of ops) {
      if (op.op === 'add' || op.op === 'update') live.set(op.id, { user: op.user, attribute: op.metadata?.attribute, text: op.text });
      else if (op.op === 'delete') live.delete(op.id);
      else if (op.relevant) {
        const expected = [...live].filter(([, m]) => m.user === op.user && m.attribute === op.about).map(([id]) => id);
        expect(op.relevant.slice().sort()).toEqual(expected.sort());
        expect(op.relevant.length).toBeGreaterThan(0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(600);
  });

  it('changes facts by update and by a new memory plus a delete, forgets some, and rechecks after a change', () => {
    const ops = generateAgentWorkload({ ...SHORT, users: 300, seed: 5 }, pools);
    const s = summarizeAgentWorkload(ops);
    expect(s.updates).toBeGreaterThan(0);
    // About one change in four is superseded (a new memory, then the old one deleted).
    const superseded = s.deletesByCause.superseded ?? 0;
    expect(superseded / (superseded + s.updates)).toBeGreaterThan(0.15);
    expect(superseded / (superseded + s.updates)).toBeLessThan(0.35);
    expect(s.deletesByCause.forget).toBeGreaterThan(0);
    expect(s.rechecks).toBeGreaterThan(0);
    expect(s.repeatedSearches).toBeGreaterThan(0);
    // Every superseding delete follows an add of the same user with the same `at`.
    ops.forEach((op, i) => {
      if (op.op === 'delete' && op.cause === 'superseded') {
        const added = ops.slice(0, i).findLast((o) => o.op === 'add' && o.user === op.user);
        expect(added?.at).toBe(op.at);
      }
    });
    // With supersedeShare 0 every change is an update.
    const updatesOnly = summarizeAgentWorkload(generateAgentWorkload({ ...SHORT, users: 100, seed: 5, supersedeShare: 0 }, pools));
    expect(updatesOnly.deletesByCause.superseded ?? 0).toBe(0);
  });

  it('asks a recheck about the changed fact, in words the user used for it before when there are any', () => {
    const ops = generateAgentWorkload({ ...SHORT, users: 300, seed: 6 }, pools);
    let askedBefore = 0;
    const rechecks = ops.filter((op) => op.op === 'search' && op.recheck === true);
    for (const r of rechecks) {
      if (r.op !== 'search') continue;
      const i = ops.indexOf(r);
      const earlier = ops.slice(0, i).filter((o) => o.op === 'search' && o.user === r.user && o.about === r.about).map((o) => (o as { text: string }).text);
      if (earlier.length === 0) continue;
      askedBefore++;
      expect(earlier).toContain(r.text);
    }
    expect(rechecks.length).toBeGreaterThan(20);
    expect(askedBefore).toBeGreaterThan(10);
  });

  it('spreads sessions over days and keeps each user\'s sessions on distinct days', () => {
    const ops = generateAgentWorkload({ ...SHORT, users: 50, seed: 7, sessions: [3, 3], days: 10 }, pools);
    const days = new Map<string, Set<string>>();
    for (const op of ops) days.set(op.user, (days.get(op.user) ?? new Set()).add(String(op.at).slice(0, 10)));
    for (const set of days.values()) expect(set.size).toBeLessThanOrEqual(3);
    expect(new Set(ops.map((op) => String(op.at).slice(0, 10))).size).toBeGreaterThan(5);
  });

  it('opens each user with their history: notes marked history, before any turn of theirs', () => {
    const ops = generateAgentWorkload({ users: 40, seed: 8, history: [5, 7] }, pools);
    for (const user of new Set(ops.map((op) => op.user))) {
      const own = ops.filter((op) => op.user === user);
      const history = own.filter((op) => op.history === true);
      expect(history.length).toBeGreaterThanOrEqual(5);
      expect(history.length).toBeLessThanOrEqual(7);
      expect(own.slice(0, history.length)).toEqual(history);
      for (const op of history) expect(op).toMatchObject({ op: 'add', metadata: { kind: 'note', session: 0 } });
    }
    expect(generateAgentWorkload({ users: 5, seed: 8, history: [0, 0] }, pools).some((op) => op.history === true)).toBe(false);
  });

  it('rejects bad options with an OptionError naming the option', () => {
    expect(() => generateAgentWorkload({ users: 1, seed: 1, history: [-1, 2] }, pools)).toThrow(/history/);
    expect(() => generateAgentWorkload({ ...SHORT, users: 0, seed: 1 }, pools)).toThrow(OptionError);
    expect(() => generateAgentWorkload({ ...SHORT, users: 1, seed: 1, sessions: [3, 2] }, pools)).toThrow(/sessions/);
    expect(() => generateAgentWorkload({ ...SHORT, users: 1, seed: 1, sessions: [2, 9], days: 5 }, pools)).toThrow(/sessions/);
    expect(() => generateAgentWorkload({ ...SHORT, users: 1, seed: 1, supersedeShare: 2 }, pools)).toThrow(/supersedeShare/);
    expect(() => generateAgentWorkload({ ...SHORT, users: 1, seed: 1, start: '2026-01-01' }, pools)).toThrow(/start/);
    expect(() => generateAgentWorkload({ ...SHORT, users: 1, seed: 1 }, { notes: [], queries })).toThrow(/notes/);
  });
});

describe('shipped quick agent-memory workload', () => {
  // The full one (AGENT_WORKLOADS.full) is checked the same way in the e2e suite (agent-memory-vectors.test.ts).
  it(`${AGENT_WORKLOADS.quick.file} is exactly the generator output for its seed, and reads back as a valid trace`, async () => {
    const { file, users, seed } = AGENT_WORKLOADS.quick;
    const path = join(DEFAULT_DATASET_DIR, AGENT_WORKLOADS.dir, file);
    const [memories, corpusQueries] = await Promise.all([loadDataset(join(DEFAULT_DATASET_DIR, 'memories.jsonl')), loadQueries(join(DEFAULT_DATASET_DIR, 'queries.jsonl'))]);
    const expected = generateAgentWorkload({ users, seed }, { notes: memories, queries: corpusQueries }).map(toJsonlLine).join('');
    expect(await readFile(path, 'utf8'), REGENERATE).toBe(expected);
    expect(new Set((await readAgentTrace(path)).map((e) => e.op.user)).size).toBe(users);
  });
});
