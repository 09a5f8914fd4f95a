/**
 * A labelled workload for a semantic search cache: per user (namespace), a small memory of facts about the user's
 * contacts, question families whose phrasings ask for the same memory (paraphrase sets), and near-misses of those
 * questions that ask for something else (adversarial pairs): a negation, a changed number, another person, another
 * place, the reversed relation, or the same words asked by a different user.
 *
 * The people, cities, teams and languages are memopt's corpus pools (`SHARED_SLOTS` in topics.ts); the relation
 * templates below are this module's own, written so each near-miss has an answer of its own in the same namespace
 * (Alice manages Bob and Carol manages Alice, so "Who does Alice manage?" and "Who manages Alice?" have different
 * answers). Labels come from the templates, not from any embedding: whether a near-miss's fresh search really
 * returns other memories is measured, not assumed (see the semantic-cache driver).
 *
 * Everything is drawn from `createRng(seed)`: the same options give the same workload, text for text.
 */
import { createRng, type Rng } from '../util/rng.ts';
import { SHARED_SLOTS } from './topics.ts';

/** What separates the two queries of a pair. 'paraphrase': nothing (the same question in other words). */
export type PairKind = 'paraphrase' | 'negation' | 'number' | 'person' | 'place' | 'relation' | 'user';
export const ADVERSARIAL_KINDS = ['negation', 'number', 'person', 'place', 'relation', 'user'] as const satisfies readonly PairKind[];

/** A question family: phrasings of one question, within one namespace. */
export interface QuestionFamily {
  id: string;
  namespace: string;
  /** The relation asked about ('lives', 'team', ...); near-misses of the same relation differ in an argument. */
  relation: string;
  texts: string[];
}

/** Two queries and what separates them: `cached` is asked first (and cached), `asked` comes after it. */
export interface LabelledPair {
  kind: PairKind;
  cached: { text: string; namespace: string; family: string };
  asked: { text: string; namespace: string; family: string };
}

export interface SemanticNamespace {
  name: string;
  memories: string[];
  /** The names of people this user's memory knows (for a guard's entity check). */
  knownNames: string[];
  families: QuestionFamily[];
}

export interface SemanticWorkloadData {
  namespaces: SemanticNamespace[];
  pairs: LabelledPair[];
}

export interface SemanticWorkloadOptions {
  seed: number;
  /** Users, each a namespace with its own contacts. */
  users: number;
  /** Contacts per user (>= 4). */
  people?: number;
  /** Most pairs of each adversarial kind, and of paraphrases (drawn from all candidates by the seed). */
  pairsPerKind: number;
}

const PERSONS = SHARED_SLOTS.person as readonly string[];
const CITIES = SHARED_SLOTS.city as readonly string[];
const TEAMS = SHARED_SLOTS.team as readonly string[];
const LANGS = SHARED_SLOTS.lang as readonly string[];
/** Room numbers are the same for every user (so "What is in room 12?" exists in every namespace), contents differ. */
const ROOMS = [12, 13, 21, 31];
const ROOM_CONTENTS = ['archive', 'server rack', 'printer', 'spare laptops', 'whiteboards', 'coffee machine', 'recording studio', 'first-aid kit', 'bike storage'];

// Phrasings, aligned by position where a near-miss pairs phrasing i of one family with phrasing i of another.
const Q = {
  lives: (p: string) => [`Where does ${p} live?`, `Which city does ${p} live in?`, `What city is ${p} based in?`, `Where is ${p} based?`, `${p}'s home city?`, `In which city does ${p} live?`],
  livesIn: (c: string) => [`Who lives in ${c}?`, `Which person lives in ${c}?`, `Who is based in ${c}?`, `Which of my contacts lives in ${c}?`],
  team: (p: string) => [`Which team is ${p} on?`, `What team does ${p} work on?`, `${p}'s team?`, `Which team does ${p} belong to?`, `What team is ${p} part of?`],
  manages: (p: string) => [`Who does ${p} manage?`, `Who reports to ${p}?`, `Whom does ${p} manage?`, `Which person does ${p} manage?`],
  managedBy: (p: string) => [`Who manages ${p}?`, `Who does ${p} report to?`, `Who is ${p}'s manager?`, `Which person manages ${p}?`],
  likes: (p: string) => [`Which language does ${p} like?`, `What language does ${p} like?`, `Which programming language does ${p} like?`, `What language is ${p} fond of?`],
  dislikes: (p: string) => [`Which language does ${p} not like?`, `What language does ${p} not like?`, `Which programming language does ${p} not like?`, `What language is ${p} not fond of?`],
  room: (n: number) => [`What is in room ${n}?`, `What does room ${n} hold?`, `What is kept in room ${n}?`, `Room ${n} contents?`],
};

function sample<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const pool = [...items];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

/** One user's memory and question families. */
function buildNamespace(rng: Rng, name: string, peopleCount: number): SemanticNamespace {
  const people = sample(rng, PERSONS, peopleCount);
  const cities = sample(rng, CITIES, peopleCount);
  const teams = people.map(() => rng.pick(TEAMS));
  const langs = people.map(() => sample(rng, LANGS, 2));
  const rooms = sample(rng, ROOM_CONTENTS, ROOMS.length);
  const memories: string[] = [];
  const families: QuestionFamily[] = [];
  const family = (relation: string, arg: string | number, texts: string[]) => families.push({ id: `${name}/${relation}/${arg}`, namespace: name, relation, texts });
  people.forEach((p, i) => {
    memories.push(`${p} lives in ${cities[i]} and has been there for a few years.`);
    memories.push(`${p} works on the ${teams[i]} team and joined it last year.`);
    memories.push(`${p} likes writing ${langs[i][0]} more than any other language.`);
    memories.push(`${p} does not like ${langs[i][1]} and avoids it whenever possible.`);
    // A chain: person i manages person i+1, so every person but the ends both manages and is managed.
    if (i + 1 < people.length) memories.push(`${p} manages ${people[i + 1]} and meets them every week.`);
    family('lives', p, Q.lives(p));
    family('livesIn', cities[i], Q.livesIn(cities[i]));
    family('team', p, Q.team(p));
    family('likes', p, Q.likes(p));
    family('dislikes', p, Q.dislikes(p));
    if (i + 1 < people.length) family('manages', p, Q.manages(p));
    if (i > 0) family('managedBy', p, Q.managedBy(p));
  });
  ROOMS.forEach((n, i) => {
    memories.push(`Room ${n} on the second floor holds the ${rooms[i]} for the office.`);
    family('room', n, Q.room(n));
  });
  return { name, memories, knownNames: people, families };
}

/** Same-position phrasings of two families (near-misses differ only in what the pair's kind changes). */
function alignedPairs(kind: PairKind, a: QuestionFamily, b: QuestionFamily): LabelledPair[] {
  const out: LabelledPair[] = [];
  const n = Math.min(a.texts.length, b.texts.length);
  for (let i = 0; i < n; i++) {
    out.push({ kind, cached: { text: a.texts[i], namespace: a.namespace, family: a.id }, asked: { text: b.texts[i], namespace: b.namespace, family: b.id } });
  }
  return out;
}

/** The workload: namespaces, and at most `pairsPerKind` labelled pairs of every kind, drawn by the seed. */
export function generateSemanticWorkload(options: SemanticWorkloadOptions): SemanticWorkloadData {
  const rng = createRng(options.seed).fork('semantic-pairs');
  const peopleCount = options.people ?? 6;
  if (peopleCount < 4 || peopleCount > CITIES.length) throw new RangeError(`semantic workload: people must be 4..${CITIES.length}, found ${peopleCount}`);
  const namespaces = Array.from({ length: options.users }, (_, u) => buildNamespace(rng, `user-${u}`, peopleCount));
  const candidates = new Map<PairKind, LabelledPair[]>();
  const push = (pairs: LabelledPair[]) => {
    for (const p of pairs) {
      const list = candidates.get(p.kind) ?? [];
      list.push(p);
      candidates.set(p.kind, list);
    }
  };
  for (const ns of namespaces) {
    const byRelation = new Map<string, QuestionFamily[]>();
    for (const f of ns.families) byRelation.set(f.relation, [...(byRelation.get(f.relation) ?? []), f]);
    const get = (relation: string) => byRelation.get(relation) ?? [];
    // Paraphrases: every ordered pair of phrasings within a family.
    for (const f of ns.families) {
      for (const a of f.texts) for (const b of f.texts) if (a !== b) push([{ kind: 'paraphrase', cached: { text: a, namespace: ns.name, family: f.id }, asked: { text: b, namespace: ns.name, family: f.id } }]);
    }
    // Another person, same question.
    for (const relation of ['lives', 'team', 'likes']) {
      for (const a of get(relation)) for (const b of get(relation)) if (a !== b) push(alignedPairs('person', a, b));
    }
    for (const a of get('livesIn')) for (const b of get('livesIn')) if (a !== b) push(alignedPairs('place', a, b));
    for (const a of get('room')) for (const b of get('room')) if (a !== b) push(alignedPairs('number', a, b));
    // Negation: likes vs dislikes of one person, both directions.
    for (const a of get('likes')) {
      const b = get('dislikes').find((f) => f.id.endsWith(`/${a.id.split('/').pop()}`))!;
      push(alignedPairs('negation', a, b));
      push(alignedPairs('negation', b, a));
    }
    // Reversed relation: "Who does X manage?" vs "Who manages X?" for every X who has both.
    for (const a of get('manages')) {
      const person = a.id.split('/').pop();
      const b = get('managedBy').find((f) => f.id.split('/').pop() === person);
      if (!b) continue;
      push(alignedPairs('relation', a, b));
      push(alignedPairs('relation', b, a));
    }
  }
  // A different user: the same room question asked in another namespace (its own room holds something else).
  for (const a of namespaces) {
    for (const b of namespaces) {
      if (a === b) continue;
      const rooms = a.families.filter((f) => f.relation === 'room');
      for (const fa of rooms) {
        const fb = b.families.find((f) => f.relation === 'room' && f.id.split('/').pop() === fa.id.split('/').pop())!;
        push(alignedPairs('user', fa, fb));
      }
    }
  }
  const pairs: LabelledPair[] = [];
  for (const kind of ['paraphrase', ...ADVERSARIAL_KINDS] as PairKind[]) {
    const list = candidates.get(kind) ?? [];
    pairs.push(...sample(rng.fork(kind), list, Math.min(options.pairsPerKind, list.length)));
  }
  return { namespaces, pairs };
}

/** Every distinct text of a workload (memories, then questions), in first-appearance order. */
export function semanticWorkloadTexts(data: SemanticWorkloadData): string[] {
  const seen = new Set<string>();
  for (const ns of data.namespaces) for (const m of ns.memories) seen.add(m);
  for (const ns of data.namespaces) for (const f of ns.families) for (const t of f.texts) seen.add(t);
  return [...seen];
}
