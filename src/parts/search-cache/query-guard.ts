/**
 * A guard for the classic false hits of a semantic cache: two queries that embed close together but ask about a
 * different number ("room 12" / "room 13"), a different named entity ("Alice" / "Bob", "Berlin" / "Lisbon") or one
 * negated ("does X like" / "does X not like"). The semantic tier refuses a hit when the guard finds such a
 * difference; the query is then searched afresh.
 *
 * Entities are the tokens that start with a capital letter, except a sentence's first word unless it is a known
 * name (question words start sentences), plus every known name (the user's contacts) wherever it appears and in
 * whatever case. A possessive "'s" is dropped first. Compared case-insensitively, as sets.
 */

export type GuardReason = 'number' | 'entity' | 'negation';

const NEGATIONS = new Set(['not', 'no', 'never', 'none', 'nobody', 'nothing', 'neither', 'nor', 'without', 'cannot']);
const NUMBER = /\d+(?:[.,]\d+)*/g;
const TOKEN = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;

/** The facts of a query the guard compares. */
export interface QueryFacts {
  numbers: string;
  entities: string;
  negated: boolean;
}

export function queryFacts(text: string, knownNames: ReadonlySet<string> = new Set()): QueryFacts {
  const numbers = [...new Set(text.match(NUMBER) ?? [])].sort().join(' ');
  const entities = new Set<string>();
  let negated = false;
  // Sentence starts: the first token, and the first after . ! ? or :
  const sentences = text.split(/[.!?:]\s+/);
  for (const sentence of sentences) {
    const tokens = sentence.match(TOKEN) ?? [];
    tokens.forEach((raw, i) => {
      const token = raw.replace(/['’]s$/u, '');
      const lower = token.toLowerCase();
      if (NEGATIONS.has(lower) || /n['’]t$/u.test(lower)) negated = true;
      const known = knownNames.has(lower);
      const capitalised = /^\p{Lu}/u.test(token) && !/^\d/.test(token);
      if (known || (capitalised && i > 0)) entities.add(lower);
    });
  }
  return { numbers, entities: [...entities].sort().join(' '), negated };
}

/** Why `cached` must not answer `asked`, or undefined when the guard finds nothing. */
export function guardRefusal(cached: string, asked: string, knownNames: ReadonlySet<string> = new Set()): GuardReason | undefined {
  const a = queryFacts(cached, knownNames);
  const b = queryFacts(asked, knownNames);
  if (a.negated !== b.negated) return 'negation';
  if (a.numbers !== b.numbers) return 'number';
  if (a.entities !== b.entities) return 'entity';
  return undefined;
}
