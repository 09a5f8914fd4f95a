/**
 * Canonical cache keys: two searches that must give the same answer get the same key, cheaply.
 *
 * - The query text is normalized: Unicode NFC, trimmed, every run of whitespace (any Unicode space, tab or line
 *   break) collapsed to one ASCII space; with `caseFold`, lower-cased (String#toLowerCase, locale-independent: a
 *   simple lowercase mapping, not full Unicode case folding, so 'ß' and 'SS' stay different).
 * - The options are written with their keys sorted at every depth, so `{ topK: 5, filter }` and `{ filter, topK: 5 }`
 *   are one key. Defaults are applied first: a missing `topK` is `DEFAULT_TOP_K`, and a missing or empty `filter`
 *   is no filter (an empty filter matches every memory), so `{}`, `{ topK: 5 }` and `{ filter: {} }` are one key.
 * - The namespace is part of the key: the same query in two namespaces is two searches. A missing
 *   namespace is no namespace (every namespace); the empty string is a namespace like any other.
 *
 * A key is `<options JSON>\n<normalized query>`. JSON never contains a raw line break, so the first `\n` splits a
 * key unambiguously.
 *
 * Normalizing the key is only correct if the search itself means the normalized query: the cache would otherwise
 * serve the result computed for 'Paris  trip' to 'paris trip'. `normalizeQuery` is exported so the query embedder
 * applies the very same function (see `EmbeddingCache` and `QueryNormalizingEmbedder`).
 */
import { DEFAULT_TOP_K } from '../../memory/memory-system.ts';
import type { SearchOptions } from '../../memory/types.ts';

export interface QueryNormalization {
  /** Lower-case the query (after NFC). Default false: 'Paris' and 'paris' are different queries. */
  caseFold?: boolean;
}

// Printable ASCII with no whitespace run to collapse: the common case, which needs no NFC and no regex replace.
const NEEDS_WORK = /[^\x21-\x7e ]|^ | $| {2}/;
const WHITESPACE_RUN = /\s+/g;

/** The query text as the cache (and a matching query embedder) sees it. */
export function normalizeQuery(text: string, normalization: QueryNormalization = {}): string {
  let out = text;
  if (NEEDS_WORK.test(out)) out = out.normalize('NFC').replace(WHITESPACE_RUN, ' ').trim();
  return normalization.caseFold ? out.toLowerCase() : out;
}

/** Options with sorted keys and defaults applied, as JSON. */
export function canonicalOptions(options: SearchOptions | undefined, defaultTopK = DEFAULT_TOP_K): string {
  if (options === undefined) return `{"topK":${defaultTopK}}`;
  let extra = false;
  for (const name in options) {
    if (name !== 'topK' && name !== 'filter' && name !== 'namespace') {
      extra = true;
      break;
    }
  }
  const filter = options.filter;
  const hasFilter = filter !== undefined && filter !== null && Object.keys(filter).length > 0;
  const namespace = options.namespace;
  if (!extra && (namespace === undefined || typeof namespace === 'string')) {
    // Fast path for the options SearchOptions defines; keys in sorted order: filter < namespace < topK.
    const topK = options.topK ?? defaultTopK;
    const filterPart = hasFilter ? `"filter":${stableStringify(filter)},` : '';
    const namespacePart = namespace !== undefined ? `"namespace":${JSON.stringify(namespace)},` : '';
    return `{${filterPart}${namespacePart}"topK":${topK}}`;
  }
  const normalized: Record<string, unknown> = { ...options, topK: options.topK ?? defaultTopK };
  if (!hasFilter) delete normalized.filter;
  return stableStringify(normalized);
}

/** The cache key of a search: canonical options, a line break, the normalized query. */
export function canonicalKey(
  query: string,
  options: SearchOptions | undefined,
  normalization: QueryNormalization = {},
  defaultTopK = DEFAULT_TOP_K,
): string {
  return `${canonicalOptions(options, defaultTopK)}\n${normalizeQuery(query, normalization)}`;
}

/** Splits a key made by `canonicalKey` back into its parts. */
export function parseKey(key: string): { optionsJson: string; query: string } {
  const cut = key.indexOf('\n');
  return { optionsJson: key.slice(0, cut), query: key.slice(cut + 1) };
}

/**
 * JSON with object keys sorted at every depth. `undefined` members are dropped like JSON.stringify drops them;
 * values JSON cannot represent (functions, symbols, bigint, cycles) throw a TypeError naming the problem.
 */
export function stableStringify(value: unknown, seen: Set<object> = new Set()): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError(`canonical key: cannot encode a ${typeof value} in search options`);
    }
    return JSON.stringify(value) ?? 'null';
  }
  if (seen.has(value)) throw new TypeError('canonical key: search options contain a cycle');
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((item) => (item === undefined ? 'null' : stableStringify(item, seen))).join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const name of Object.keys(record).sort()) {
      const member = record[name];
      if (member === undefined) continue;
      parts.push(`${JSON.stringify(name)}:${stableStringify(member, seen)}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(value);
  return out;
}
