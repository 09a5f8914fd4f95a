/**
 * A seeded generator of realistic agent memories and of held-out search queries over them.
 *
 * A memory is one fact from a topic's templates (`topics.ts`) with its slots filled, sometimes followed by one to
 * three detail sentences, e.g. "Deploy of billing-service v2.3 failed on 2024-03-02 because the Postgres migration
 * timed out. Rollback took about ten minutes." Topics share pools (people, services, projects, dates), so an
 * embedding model sees topical clusters that overlap the way real memories do.
 *
 * Duplicates are planned, not accidental: exactly `round(size * 0.01)` records repeat an earlier text verbatim and
 * `round(size * 0.05)` restate an earlier fact (another phrasing of it, synonyms, casing, punctuation, a "Note:"
 * prefix, a detail dropped). Every other text is unique.
 *
 * Queries are questions (ending in `?`) or short phrases (at most 6 words) from the same topics and pools. Memory
 * texts never contain `?` and have at least 8 words, so a query can never equal a memory, in any casing.
 *
 * Everything is drawn from `createRng(seed)`: the same options give the same records, byte for byte.
 */
import { OptionError } from '../errors.ts';
import { createRng, type Rng } from '../util/rng.ts';
import { SHARED_SLOTS, TOPICS, type SlotPool, type TopicSpec } from './topics.ts';

export { MemoryRecordSchema, QueryRecordSchema, type DatasetQuery, type DatasetRecord } from './records.ts';

/** A generated memory; unlike a user's `DatasetRecord`, the topic is always set. */
export interface CorpusRecord {
  id: string;
  text: string;
  topic: string;
}

/** A generated query. */
export interface CorpusQuery {
  id: string;
  text: string;
  topic: string;
}

export interface GenerateOptions {
  /** Number of records; a non-negative integer. */
  size: number;
  /** Seed for every random choice; an integer. */
  seed: number;
}

/** A generated memory and where it came from, for tests and for scenarios that measure de-duplication. */
export interface GeneratedMemory {
  record: CorpusRecord;
  kind: 'fresh' | 'near-duplicate' | 'exact-duplicate';
  /** For duplicates: the id of the fresh record it repeats or restates. */
  duplicateOf?: string;
}

/** Bounds on memory length, in whitespace-separated words. */
export const MEMORY_WORDS = { min: 8, max: 60 } as const;
/** Share of records that repeat an earlier text exactly. */
export const EXACT_DUPLICATE_SHARE = 0.01;
/** Share of records that restate an earlier fact in other words, casing or punctuation. */
export const NEAR_DUPLICATE_SHARE = 0.05;
/** A query without a question mark has at most this many words (memories have at least `MEMORY_WORDS.min`). */
export const MAX_PHRASE_QUERY_WORDS = 6;

/** The topic labels the generator uses, in definition order. */
export const TOPIC_NAMES: readonly string[] = TOPICS.map((topic) => topic.name);

/** Notes any memory may end with, as real memory entries often record when something was said. */
const GENERIC_NOTES = [
  'Mentioned on {date}.',
  'Confirmed again in {month}.',
  'This came up in a chat on {date}.',
  'Last checked on {date}.',
  'Said in passing, worth confirming later.',
  'They repeated this several times, so it matters to them.',
];

/** Word swaps for restating a fact; each pair works in both directions. Whole words, case-sensitive. */
const SYNONYMS: readonly (readonly [string, string])[] = [
  ['prefers', 'likes'],
  ['asked for', 'requested'],
  ['asked that', 'requested that'],
  ['asked to', 'requested to'],
  ['wants', 'would like'],
  ['uses', 'relies on'],
  ['because', 'since'],
  ['canceled', 'called off'],
  ['failed on', 'broke on'],
  ['needs', 'requires'],
  ['about', 'around'],
  ['starts', 'begins'],
  ['issue', 'problem'],
  ['scheduled for', 'planned for'],
  ['every morning', 'each morning'],
  ['every day', 'each day'],
  ['a month', 'per month'],
  ['a year', 'per year'],
  ['does not', "doesn't"],
  ['do not', "don't"],
  ['cannot', "can't"],
  ['is not', "isn't"],
  ['will not', "won't"],
  ['two', '2'],
  ['three', '3'],
  ['ten', '10'],
  ['and', '&'],
  ['on call', 'on-call'],
  ['quickly', 'fast'],
  ['meeting', 'call'],
];
const NOTE_PREFIXES = ['Note: ', 'Reminder: ', 'FYI: ', 'Important: ', 'Remember: '];

const PLACEHOLDER = /\{([A-Za-z]+)(\d*)\}/g;

/** The memories for `options`, in id order (`mem-0000`, `mem-0001`, ...). */
export function generateCorpus(options: GenerateOptions): CorpusRecord[] {
  return generateCorpusDetailed(options).map((memory) => memory.record);
}

/** Like `generateCorpus`, with each record's provenance (fresh, or a duplicate of which record). */
export function generateCorpusDetailed(options: GenerateOptions): GeneratedMemory[] {
  const { size, seed } = checkOptions(options);
  const root = createRng(seed);
  const kinds = planKinds(size, root.fork('plan'));
  const rng = root.fork('memories');
  const pickTopic = weightedPicker(TOPICS, (topic) => topic.weight);
  const width = Math.max(4, String(size - 1).length);
  const texts = new Set<string>();
  const fresh: { fact: Fact; record: CorpusRecord }[] = [];
  const out: GeneratedMemory[] = [];

  for (let i = 0; i < size; i++) {
    const id = `mem-${String(i).padStart(width, '0')}`;
    const kind = kinds[i];
    if (kind === 'exact-duplicate') {
      const source = rng.pick(fresh).record;
      out.push({ record: { id, text: source.text, topic: source.topic }, kind, duplicateOf: source.id });
      continue;
    }
    if (kind === 'near-duplicate') {
      const restated = restateSome(fresh, rng, texts);
      if (restated) {
        texts.add(restated.text);
        const record = { id, text: restated.text, topic: restated.source.topic };
        out.push({ record, kind, duplicateOf: restated.source.id });
        continue;
      }
      // Every attempt collided with an existing text (only possible in tiny corpora): fall back to a fresh fact.
    }
    const fact = newFact(pickTopic(rng), rng, texts);
    const record = { id, text: fact.text, topic: fact.topic.name };
    texts.add(fact.text);
    fresh.push({ fact, record });
    out.push({ record, kind: 'fresh' });
  }
  return out;
}

/**
 * Held-out search queries, in id order (`q-0000`, ...). Unique ignoring case and a trailing `?` while the
 * templates allow (a few thousand); beyond that, repeats are allowed, as in real query logs.
 */
export function generateQueries(options: GenerateOptions): CorpusQuery[] {
  const { size, seed } = checkOptions(options);
  const rng = createRng(seed).fork('queries');
  const pickTopic = weightedPicker(TOPICS, (topic) => topic.weight);
  const width = Math.max(4, String(size - 1).length);
  const seen = new Set<string>();
  const out: CorpusQuery[] = [];
  for (let i = 0; i < size; i++) {
    let topic: TopicSpec;
    let text: string;
    let attempts = 0;
    do {
      topic = pickTopic(rng);
      text = styleQuery(expand(rng.pick(topic.queries), topic, new Map(), rng), rng);
    } while (seen.has(queryKey(text)) && ++attempts < 100);
    if (!text.endsWith('?') && countWords(text) > MAX_PHRASE_QUERY_WORDS) {
      const limit = MAX_PHRASE_QUERY_WORDS;
      throw new Error(`topic '${topic.name}': query '${text}' has no '?' and more than ${limit} words`);
    }
    seen.add(queryKey(text));
    out.push({ id: `q-${String(i).padStart(width, '0')}`, text, topic: topic.name });
  }
  return out;
}

/** Whitespace-separated words, the unit of `MEMORY_WORDS`. */
export function countWords(text: string): number {
  const words = text.trim().split(/\s+/);
  return words[0] === '' ? 0 : words.length;
}

/**
 * Checks topic definitions without generating a corpus: every placeholder resolves, no memory template or slot
 * value brings a `?`, and every query template gives a question or a short phrase. Renders each template `draws`
 * times. Returns the problems found (empty when all is well); the generator throws on the same problems.
 */
export function validateTopics(topics: readonly TopicSpec[] = TOPICS, draws = 20): string[] {
  const problems: string[] = [];
  const rng = createRng(0);
  const attempt = (topic: TopicSpec, template: string, check: (text: string) => string | undefined) => {
    for (let i = 0; i < draws; i++) {
      try {
        const problem = check(expand(template, topic, new Map(), rng));
        if (problem) return problems.push(`topic '${topic.name}': ${problem}`);
      } catch (error) {
        return problems.push((error as Error).message);
      }
    }
  };
  const memoryCheck = (text: string) => (text.includes('?') ? `memory text contains '?': ${text}` : undefined);
  for (const topic of topics) {
    for (const fact of topic.facts) for (const phrasing of [fact].flat()) attempt(topic, phrasing, memoryCheck);
    for (const detail of topic.details) attempt(topic, detail, memoryCheck);
    for (const query of topic.queries) {
      attempt(topic, query, (text) =>
        text.endsWith('?') || countWords(text) <= MAX_PHRASE_QUERY_WORDS
          ? undefined
          : `query has no '?' and more than ${MAX_PHRASE_QUERY_WORDS} words: ${text}`,
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------

/** A fact as drawn: kept so a near-duplicate can restate the same values. */
interface Fact {
  topic: TopicSpec;
  phrasings: readonly string[];
  phrasing: number;
  bindings: Map<string, string>;
  details: readonly string[];
  note: string | undefined;
  text: string;
}

function checkOptions(options: GenerateOptions): GenerateOptions {
  if (!Number.isInteger(options.size) || options.size < 0) {
    throw new OptionError('size', 'a non-negative integer', options.size);
  }
  if (!Number.isInteger(options.seed)) throw new OptionError('seed', 'an integer', options.seed);
  return options;
}

/** Which records are fresh and which are duplicates: exact counts, shuffled, the first record always fresh. */
function planKinds(size: number, rng: Rng): GeneratedMemory['kind'][] {
  const exact = Math.round(size * EXACT_DUPLICATE_SHARE);
  const near = Math.round(size * NEAR_DUPLICATE_SHARE);
  const kinds: GeneratedMemory['kind'][] = [];
  for (let i = 0; i < size; i++) {
    kinds.push(i < exact ? 'exact-duplicate' : i < exact + near ? 'near-duplicate' : 'fresh');
  }
  for (let i = size - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const firstFresh = kinds.indexOf('fresh');
  if (firstFresh > 0) [kinds[0], kinds[firstFresh]] = [kinds[firstFresh], kinds[0]];
  return kinds;
}

function newFact(topic: TopicSpec, rng: Rng, taken: ReadonlySet<string>): Fact {
  for (let attempt = 0; ; attempt++) {
    const entry = rng.pick(topic.facts);
    const phrasings = typeof entry === 'string' ? [entry] : entry;
    const phrasing = rng.int(0, phrasings.length - 1);
    const bindings = new Map<string, string>();
    const r = rng.next();
    const detailCount = r < 0.2 ? 0 : r < 0.55 ? 1 : r < 0.85 ? 2 : 3;
    const details = pickDistinct(topic.details, detailCount, rng);
    const note = rng.next() < 0.12 ? rng.pick(GENERIC_NOTES) : undefined;
    const fact: Fact = { topic, phrasings, phrasing, bindings, details, note, text: '' };
    fact.text = render(fact, phrasing, details, note, rng);
    const words = countWords(fact.text);
    const fits = words >= MEMORY_WORDS.min && words <= MEMORY_WORDS.max;
    // After many collisions (a tiny topic exhausted), accept a repeat rather than loop forever.
    if (fits && (!taken.has(fact.text) || attempt >= 50)) return fact;
  }
}

function render(fact: Fact, phrasing: number, details: readonly string[], note: string | undefined, rng: Rng): string {
  const parts = [fact.phrasings[phrasing], ...details];
  if (note) parts.push(note);
  const text = capitalizeStart(parts.map((part) => expand(part, fact.topic, fact.bindings, rng)).join(' '));
  if (text.includes('?')) throw new Error(`topic '${fact.topic.name}': memory text contains '?': ${text}`);
  return text;
}

/** A restatement of a random fresh fact that differs from every text so far, or undefined after a few tries. */
function restateSome(
  fresh: readonly { fact: Fact; record: CorpusRecord }[],
  rng: Rng,
  taken: ReadonlySet<string>,
): { text: string; source: CorpusRecord } | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    const source = rng.pick(fresh);
    const text = restate(source.fact, rng);
    const words = countWords(text);
    if (!taken.has(text) && words >= MEMORY_WORDS.min && words <= MEMORY_WORDS.max) {
      return { text, source: source.record };
    }
  }
  return undefined;
}

/** The same fact with the same values, said differently. */
function restate(fact: Fact, rng: Rng): string {
  let phrasing = fact.phrasing;
  if (fact.phrasings.length > 1 && rng.next() < 0.6) {
    phrasing = (fact.phrasing + rng.int(1, fact.phrasings.length - 1)) % fact.phrasings.length;
  }
  const details = fact.details.length > 0 && rng.next() < 0.35 ? fact.details.slice(0, -1) : fact.details;
  const note = rng.next() < 0.5 ? fact.note : undefined;
  const base = render(fact, phrasing, details, note, rng);
  let text = base;
  if (rng.next() < 0.7) text = swapSynonyms(text, rng, rng.int(1, 2));
  if (rng.next() < 0.3) text = swapSubject(text);
  if (rng.next() < 0.3) text = text.replace(/; (\w)/g, (_, c: string) => `. ${c.toUpperCase()}`);
  if (rng.next() < 0.3) text = text.replace(/\.$/, '');
  const casing = rng.next();
  if (casing < 0.15) text = text.toLowerCase();
  else if (casing < 0.2) text = text.charAt(0).toLowerCase() + text.slice(1);
  if (rng.next() < 0.2 || text === fact.text) text = rng.pick(NOTE_PREFIXES) + text;
  return text;
}

function swapSynonyms(text: string, rng: Rng, count: number): string {
  const present = SYNONYMS.flatMap(([a, b]) => {
    const found: [string, string][] = [];
    if (wholePhrase(a).test(text)) found.push([a, b]);
    if (wholePhrase(b).test(text)) found.push([b, a]);
    return found;
  });
  let out = text;
  for (const [from, to] of pickDistinct(present, count, rng)) out = out.replace(wholePhrase(from, 'g'), to);
  return out;
}

function wholePhrase(phrase: string, flags = ''): RegExp {
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // `\b` does not apply around `&`, so use explicit non-word lookarounds.
  return new RegExp(`(?<![\\w'-])${escaped}(?![\\w'-])`, flags);
}

function swapSubject(text: string): string {
  if (text.startsWith('The user ')) return `User ${text.slice('The user '.length)}`;
  if (text.startsWith('User ')) return `The user ${text.slice('User '.length)}`;
  return text;
}

/** Lowercase queries as people type them, drop some question marks on short ones. */
function styleQuery(text: string, rng: Rng): string {
  let out = text;
  const casing = rng.next();
  if (casing < 0.3) out = out.toLowerCase();
  else if (casing < 0.6) out = capitalizeStart(out);
  if (out.endsWith('?') && countWords(out) <= MAX_PHRASE_QUERY_WORDS && rng.next() < 0.2) out = out.slice(0, -1);
  return out;
}

/** Case and a trailing `?` do not make a query new. */
function queryKey(text: string): string {
  return text.toLowerCase().replace(/\?$/, '');
}

/** Fills `{slot}` placeholders; values already in `bindings` are reused, new ones drawn and remembered. */
function expand(template: string, topic: TopicSpec, bindings: Map<string, string>, rng: Rng, depth = 0): string {
  return template.replace(PLACEHOLDER, (_match, name: string, suffix: string) => {
    const key = name + suffix;
    let value = bindings.get(key);
    if (value === undefined) {
      const pool = topic.slots[name] ?? SHARED_SLOTS[name];
      if (pool === undefined) throw new Error(`topic '${topic.name}': no slot pool named '${name}' in '${template}'`);
      const others = [...bindings].filter(([k]) => k !== key && k.replace(/\d+$/, '') === name).map(([, v]) => v);
      value = draw(pool, rng);
      for (let retry = 0; retry < 20 && others.includes(value); retry++) value = draw(pool, rng);
      if (value.includes('{') && depth < 2) value = expand(value, topic, bindings, rng, depth + 1);
      bindings.set(key, value);
    }
    return value;
  });
}

function draw(pool: SlotPool, rng: Rng): string {
  return typeof pool === 'function' ? pool(rng) : rng.pick(pool);
}

/** Uppercases the first letter when the text starts with a plain word ("the ranking model" -> "The ranking
 * model"), but leaves identifiers such as "billing-service" or "orders.status" as they are. */
function capitalizeStart(text: string): string {
  return /^[a-z]+(?=[\s,;:]|$)/.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** `count` distinct elements in random order (fewer if `items` is shorter). */
function pickDistinct<T>(items: readonly T[], count: number, rng: Rng): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]);
  return out;
}

function weightedPicker<T>(items: readonly T[], weight: (item: T) => number): (rng: Rng) => T {
  const cumulative: number[] = [];
  let total = 0;
  for (const item of items) cumulative.push((total += weight(item)));
  return (rng) => {
    const r = rng.next() * total;
    let i = 0;
    while (cumulative[i] <= r) i++;
    return items[i];
  };
}
