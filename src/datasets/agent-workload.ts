/**
 * A generated agent-memory workload: many users' conversations with an assistant, as the trace an agent's memory
 * would see (the format of `agent-trace.ts`). Pure and seeded: the same options and pools give the same operations.
 *
 * Each user has a few sessions on different days; a session is a few turns; a turn may search the memory (a
 * question about something the user said earlier) and then write what it learnt:
 * - a fact stated for the first time (`add`), from the attributes of `agent-facts.ts` (home city, employer, pets...);
 * - a fact that changed ("moved to Berlin", later "moved to Paris"). By default three changes in four are an
 *   `update` of the same memory id (how mem0 and LangMem revise a memory in place), one in four a new memory and a
 *   `delete` of the old one (how stores without an update write it); `supersedeShare` sets the split. A fact that
 *   holds several values at once (pets, allergies, languages) gains another value as a new memory instead;
 * - a deletion ("forget my address": `delete`, `cause: "forget"`) of a forgettable fact or of one value of a
 *   several-valued one;
 * - a note: one of the corpus's memory texts (`datasets/memories.jsonl`), what the rest of a conversation leaves.
 *
 * Searches stay within their user. A labelled search asks about one live fact, in one of several paraphrases;
 * `relevant` is the id (or, for a several-valued fact, every id) of the memory that states the fact's current value.
 * Questions recur: a user often asks again in exactly the words used before (a search-cache hit unless a write
 * intervened) or in another paraphrase, and right after a change the next question often asks about the changed
 * fact, in the words used before the change (where a cache that misses an invalidation serves the old memory).
 * Some searches are the corpus's queries, unlabelled. Every operation's `at` is a whole second; users interleave in
 * time order (ties broken by user, then by the user's own order), and no user's time goes backwards.
 *
 * Before a user's first turn, their memory receives `history` notes (an import of earlier conversations, a second
 * apart, `history: true`), so questions search a collection of a realistic size, not a handful of memories.
 *
 * Annotations beyond the format, kept by the reader and ignored by a replay: `about` (the attribute a labelled
 * search asks about), `recheck` (true on a question asked right after its fact changed), `cause` on a delete
 * ('forget' or 'superseded'), `history` (true on the imported notes), and each write's `metadata` (`kind` 'fact'
 * or 'note', `topic`, `attribute`, `session`: 0 for the history).
 */
import { OptionError } from '../errors.ts';
import { createRng, type Rng } from '../util/rng.ts';
import type { AgentTraceOpInput } from './agent-trace.ts';
import { FACT_ATTRIBUTES, type FactAttribute } from './agent-facts.ts';

/** A text with a topic, as the corpus's memories and queries are. */
export interface TopicText {
  text: string;
  topic?: string;
}

export interface AgentWorkloadOptions {
  /** Users (each its own conversations and memories). */
  users: number;
  seed: number;
  /** Sessions per user, inclusive range. Default [2, 3]. */
  sessions?: readonly [number, number];
  /** Turns per session, inclusive range. Default [2, 4]. */
  turns?: readonly [number, number];
  /**
   * Notes a user's memory already holds when their first session starts (an import of earlier conversations),
   * inclusive range. Default [10, 20]: without them a question would search a handful of memories, where every
   * retriever's top 10 holds everything.
   */
  history?: readonly [number, number];
  /** Days the sessions spread over (each of a user's sessions on its own day). Default 60. */
  days?: number;
  /** First possible moment (ISO 8601 with a zone). Default '2026-03-02T00:00:00Z'. */
  start?: string;
  /** Share of a turn's questions (a turn asks at most one). Default 0.6. */
  questionShare?: number;
  /** Share of changes written as a new memory plus a delete of the old one (the rest: an update). Default 0.25. */
  supersedeShare?: number;
  /** Share of searches that are unlabelled corpus queries. Default 0.1. */
  unlabelledShare?: number;
  /** Results each search asks for. Default 10. */
  k?: number;
}

/** The corpus texts notes and unlabelled searches are drawn from. */
export interface AgentWorkloadPools {
  notes: readonly TopicText[];
  queries: readonly TopicText[];
}

export const AGENT_WORKLOAD_DEFAULTS = {
  sessions: [2, 3] as const,
  turns: [2, 4] as const,
  history: [10, 20] as const,
  days: 60,
  start: '2026-03-02T00:00:00Z',
  questionShare: 0.6,
  supersedeShare: 0.25,
  unlabelledShare: 0.1,
  k: 10,
};

/** Relative weights of what a write does, before the ones that do not apply are dropped. */
const WRITE_WEIGHTS = { state: 3, change: 1.5, forget: 0.35, note: 2 };
/** Writes per turn: 0, 1 or 2 with these probabilities. */
const WRITES_PER_TURN = [0.2, 0.6, 0.2];
/** Chance the question after a change asks about the changed fact. */
const RECHECK_SHARE = 0.7;
/** Chance a question repeats words the user used before for the same fact (when there are any). */
const REPEAT_SHARE = 0.45;
/** Chance a question is typed in lower case. */
const LOWER_CASE_SHARE = 0.15;
/** Chance a labelled question filters on `metadata.kind = 'fact'` (every relevant memory is a fact). */
const FILTER_SHARE = 0.05;

interface LiveFact {
  id: string;
  value: string;
}

interface UserState {
  /** Live memories of each attribute (one for a single-valued fact). */
  facts: Map<string, LiveFact[]>;
  /** Question texts this user asked, by attribute. */
  asked: Map<string, string[]>;
  nextMemory: number;
  /** The attribute whose fact changed or was removed in the last turn, if any. */
  changed: string | undefined;
}

interface TimedOp {
  atMs: number;
  user: number;
  seq: number;
  op: AgentTraceOpInput;
}

/** Generates the workload: operations in trace order, ready for `writeAgentTrace`. */
export function generateAgentWorkload(options: AgentWorkloadOptions, pools: AgentWorkloadPools): AgentTraceOpInput[] {
  const o = checkOptions(options, pools);
  const root = createRng(o.seed);
  const startMs = Date.parse(o.start);
  const width = Math.max(4, String(o.users).length);
  const timed: TimedOp[] = [];
  for (let u = 0; u < o.users; u++) {
    const user = `u${String(u + 1).padStart(width, '0')}`;
    const ops = generateUser(user, root.fork(`user:${u}`), o, pools, startMs);
    ops.forEach((entry, seq) => timed.push({ ...entry, user: u, seq }));
  }
  timed.sort((a, b) => a.atMs - b.atMs || a.user - b.user || a.seq - b.seq);
  return timed.map((entry) => entry.op);
}

type Resolved = Required<AgentWorkloadOptions>;

function generateUser(user: string, rng: Rng, o: Resolved, pools: AgentWorkloadPools, startMs: number): { atMs: number; op: AgentTraceOpInput }[] {
  const state: UserState = { facts: new Map(), asked: new Map(), nextMemory: 1, changed: undefined };
  const out: { atMs: number; op: AgentTraceOpInput }[] = [];
  const sessions = rng.int(o.sessions[0], o.sessions[1]);
  const days = pickDistinct(o.days, sessions, rng).sort((a, b) => a - b);
  const history = rng.int(o.history[0], o.history[1]);
  days.forEach((day, s) => {
    const session = s + 1;
    // A session starts between 07:00 and 21:00 of its day; turns follow a minute or a few apart.
    let t = startMs + day * 86_400_000 + rng.int(7 * 3600, 21 * 3600) * 1000;
    const at = () => new Date(t).toISOString().replace('.000Z', 'Z');
    const push = (op: AgentTraceOpInput) => {
      out.push({ atMs: Date.parse(op.at as string), op });
      t += rng.int(2, 20) * 1000;
    };
    if (s === 0) {
      // The earlier notes, imported a second apart as the first session opens.
      for (let h = 0; h < history; h++) {
        const note = rng.pick(pools.notes);
        out.push({
          atMs: t,
          op: { op: 'add', user, id: `${user}-m${state.nextMemory++}`, text: note.text, at: at(), metadata: { kind: 'note', topic: note.topic ?? 'other', session: 0 }, history: true },
        });
        t += 1000;
      }
    }
    const turns = rng.int(o.turns[0], o.turns[1]);
    for (let turn = 0; turn < turns; turn++) {
      if (rng.next() < o.questionShare) {
        const search = question(user, state, rng, o, pools, at());
        if (search) push(search);
      }
      state.changed = undefined;
      const writes = pickWeighted(WRITES_PER_TURN, rng);
      for (let w = 0; w < writes; w++) {
        for (const op of write(user, state, rng, o, session, at, () => rng.pick(pools.notes))) push(op);
      }
      t += rng.int(30, 240) * 1000;
    }
  });
  return out;
}

/** One write decision: the operations it makes (an add, an update, a delete, or a new memory and a delete). */
function write(
  user: string,
  state: UserState,
  rng: Rng,
  o: Resolved,
  session: number,
  at: () => string,
  nextNote: () => TopicText,
): AgentTraceOpInput[] {
  const unstated = FACT_ATTRIBUTES.filter((a) => (state.facts.get(a.name)?.length ?? 0) === 0 || (a.multi && liveCount(state, a) < 3));
  const changeable = FACT_ATTRIBUTES.filter((a) => !a.multi && liveCount(state, a) > 0);
  const forgettable = FACT_ATTRIBUTES.filter((a) => (a.forgettable || a.multi) && liveCount(state, a) > 0);
  const choices: [keyof typeof WRITE_WEIGHTS, number][] = [
    ['state', unstated.length > 0 ? WRITE_WEIGHTS.state : 0],
    ['change', changeable.length > 0 ? WRITE_WEIGHTS.change : 0],
    ['forget', forgettable.length > 0 ? WRITE_WEIGHTS.forget : 0],
    ['note', WRITE_WEIGHTS.note],
  ];
  const action = choices[pickWeighted(choices.map(([, w]) => w), rng)][0];
  const newId = () => `${user}-m${state.nextMemory++}`;
  const factMetadata = (a: FactAttribute) => ({ kind: 'fact', topic: a.topic, attribute: a.name, session });

  if (action === 'note') {
    const note = nextNote();
    return [{ op: 'add', user, id: newId(), text: note.text, at: at(), metadata: { kind: 'note', topic: note.topic ?? 'other', session } }];
  }
  if (action === 'state') {
    const a = rng.pick(unstated);
    const live = state.facts.get(a.name) ?? [];
    // A first value is stated; a further value of a several-valued fact is told as news ("adopted a cat").
    const templates = live.length === 0 ? a.state : a.change;
    const value = newValue(a, live, rng);
    const id = newId();
    state.facts.set(a.name, [...live, { id, value }]);
    return [{ op: 'add', user, id, text: fill(rng.pick(templates), value), at: at(), metadata: factMetadata(a) }];
  }
  if (action === 'change') {
    const a = rng.pick(changeable);
    const [old] = state.facts.get(a.name)!;
    const value = newValue(a, [old], rng);
    const text = fill(rng.pick(a.change), value);
    state.changed = a.name;
    if (rng.next() >= o.supersedeShare) {
      state.facts.set(a.name, [{ id: old.id, value }]);
      return [{ op: 'update', user, id: old.id, text, at: at(), metadata: factMetadata(a) }];
    }
    const id = newId();
    state.facts.set(a.name, [{ id, value }]);
    return [
      { op: 'add', user, id, text, at: at(), metadata: factMetadata(a) },
      { op: 'delete', user, id: old.id, at: at(), cause: 'superseded' },
    ];
  }
  const a = rng.pick(forgettable);
  const live = state.facts.get(a.name)!;
  const gone = rng.pick(live);
  state.facts.set(a.name, live.filter((f) => f !== gone));
  state.changed = a.name;
  return [{ op: 'delete', user, id: gone.id, at: at(), cause: 'forget' }];
}

/** A search: about a live fact (labelled), or a corpus query (unlabelled); undefined when the user has said nothing yet. */
function question(user: string, state: UserState, rng: Rng, o: Resolved, pools: AgentWorkloadPools, at: string): AgentTraceOpInput | undefined {
  const known = FACT_ATTRIBUTES.filter((a) => liveCount(state, a) > 0);
  if (known.length === 0 || rng.next() < o.unlabelledShare) {
    if (known.length === 0 && state.nextMemory === 1) return undefined;
    return { op: 'search', user, text: rng.pick(pools.queries).text, k: o.k, at };
  }
  const recheck = state.changed !== undefined && liveCount(state, byName(state.changed)) > 0 && rng.next() < RECHECK_SHARE;
  const a = recheck ? byName(state.changed!) : rng.pick(known);
  const asked = state.asked.get(a.name) ?? [];
  let text: string;
  if (asked.length > 0 && (recheck || rng.next() < REPEAT_SHARE)) {
    text = rng.pick(asked);
  } else {
    text = rng.pick(a.questions);
    if (rng.next() < LOWER_CASE_SHARE) text = text.toLowerCase();
    if (!asked.includes(text)) state.asked.set(a.name, [...asked, text]);
  }
  const relevant = state.facts.get(a.name)!.map((f) => f.id);
  const search: AgentTraceOpInput = { op: 'search', user, text, k: o.k, at, relevant, about: a.name };
  if (recheck) search.recheck = true;
  if (rng.next() < FILTER_SHARE) search.filter = { kind: 'fact' };
  return search;
}

function byName(name: string): FactAttribute {
  return FACT_ATTRIBUTES.find((a) => a.name === name)!;
}

function liveCount(state: UserState, a: FactAttribute): number {
  return state.facts.get(a.name)?.length ?? 0;
}

/** A value different from every live one of the attribute. */
function newValue(a: FactAttribute, live: readonly LiveFact[], rng: Rng): string {
  const taken = new Set(live.map((f) => f.value));
  const free = a.values.filter((v) => !taken.has(v));
  return rng.pick(free);
}

function fill(template: string, value: string): string {
  const text = template.replaceAll('{v}', value);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Index drawn with probability proportional to its weight. */
function pickWeighted(weights: readonly number[], rng: Rng): number {
  const total = weights.reduce((s, w) => s + w, 0);
  let r = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0 && weights[i] > 0) return i;
  }
  return weights.findLastIndex((w) => w > 0);
}

/** `count` distinct integers from [0, n). */
function pickDistinct(n: number, count: number, rng: Rng): number[] {
  return shuffledIndexes(n, rng).slice(0, count);
}

function shuffledIndexes(n: number, rng: Rng): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function checkOptions(options: AgentWorkloadOptions, pools: AgentWorkloadPools): Resolved {
  const o: Resolved = { ...AGENT_WORKLOAD_DEFAULTS, ...options };
  const positiveInt = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) throw new OptionError(name, 'a positive integer', value);
  };
  positiveInt('users', o.users);
  positiveInt('days', o.days);
  positiveInt('k', o.k);
  if (!Number.isInteger(o.seed)) throw new OptionError('seed', 'an integer', o.seed);
  for (const name of ['sessions', 'turns', 'history'] as const) {
    const [min, max] = o[name];
    const least = name === 'history' ? 0 : 1;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < least || max < min) {
      throw new OptionError(name, `an inclusive range [min, max] of integers >= ${least}`, o[name]);
    }
  }
  if (o.sessions[1] > o.days) throw new OptionError('sessions', `at most days (${o.days}) sessions: each is on its own day`, o.sessions);
  for (const name of ['questionShare', 'supersedeShare', 'unlabelledShare'] as const) {
    if (!(o[name] >= 0 && o[name] <= 1)) throw new OptionError(name, 'a number in [0, 1]', o[name]);
  }
  if (!Number.isFinite(Date.parse(o.start)) || !/(Z|[+-]\d\d:\d\d)$/.test(o.start)) throw new OptionError('start', 'an ISO 8601 date-time with a zone', o.start);
  if (pools.notes.length === 0) throw new OptionError('pools.notes', 'at least one text', 0);
  if (pools.queries.length === 0) throw new OptionError('pools.queries', 'at least one text', 0);
  return o;
}

/** Counts that describe a workload (the README's table; tests check the shares). */
export interface AgentWorkloadSummary {
  operations: number;
  users: number;
  adds: number;
  updates: number;
  deletes: number;
  /** Deletes by cause ('forget', 'superseded'). */
  deletesByCause: Record<string, number>;
  searches: number;
  labelledSearches: number;
  /** Labelled searches asked right after their fact changed. */
  rechecks: number;
  /** Searches whose (user, text) was searched before by the same user. */
  repeatedSearches: number;
  /** Distinct texts (memories and queries): what a model embeds. */
  distinctTexts: number;
  firstAt: string;
  lastAt: string;
}

export function summarizeAgentWorkload(ops: readonly AgentTraceOpInput[]): AgentWorkloadSummary {
  const summary: AgentWorkloadSummary = {
    operations: ops.length, users: 0, adds: 0, updates: 0, deletes: 0, deletesByCause: {}, searches: 0,
    labelledSearches: 0, rechecks: 0, repeatedSearches: 0, distinctTexts: 0, firstAt: '', lastAt: '',
  };
  const users = new Set<string>();
  const texts = new Set<string>();
  const searched = new Set<string>();
  for (const op of ops) {
    users.add(op.user);
    if (op.op === 'delete') {
      summary.deletes++;
      const cause = String(op.cause ?? 'unspecified');
      summary.deletesByCause[cause] = (summary.deletesByCause[cause] ?? 0) + 1;
      continue;
    }
    texts.add(op.text);
    if (op.op === 'add') summary.adds++;
    else if (op.op === 'update') summary.updates++;
    else {
      summary.searches++;
      if (op.relevant) summary.labelledSearches++;
      if (op.recheck === true) summary.rechecks++;
      const key = JSON.stringify([op.user, op.text]);
      if (searched.has(key)) summary.repeatedSearches++;
      searched.add(key);
    }
  }
  summary.users = users.size;
  summary.distinctTexts = texts.size;
  const stamp = (at: string | number | undefined) => (at === undefined ? '' : typeof at === 'number' ? new Date(at).toISOString() : at);
  summary.firstAt = stamp(ops[0]?.at);
  summary.lastAt = stamp(ops.at(-1)?.at);
  return summary;
}

/**
 * The shipped workloads (datasets/agent-memory/), written by scripts/generate-agent-workload.ts from the corpus's
 * memories (notes) and queries (unlabelled searches); a test regenerates them and fails if a byte differs.
 */
export const AGENT_WORKLOADS = {
  dir: 'agent-memory',
  full: { file: 'agent-memory.jsonl', users: 1_000, seed: 2101 },
  quick: { file: 'agent-memory-quick.jsonl', users: 15, seed: 2102 },
} as const;
