/**
 * The seed's search cache, kept as the honest baseline: a Map keyed by the MD5 of
 * `JSON.stringify({ query, options })`, evicting the oldest insert when full, one fixed TTL for every entry, and no
 * invalidation on writes. It therefore misses near-duplicates ('Paris trip' / 'paris  trip') and options written in
 * another order, runs the same search N times when N callers miss at once, and CAN serve a result computed before
 * a write: the search-cache scenarios count how often it does.
 */
import { createHash } from 'node:crypto';
import { OptionError } from '../../errors.ts';
import type { MemoryResult, SearchOptions, SearchResultCache, WriteEvent } from '../../memory/types.ts';

export interface NaiveSearchCacheOptions {
  /** Most entries; when full, the oldest insert goes. Default 1000. */
  maxEntries?: number;
  /** Every entry lives this long, in ms; 0 = forever. Default 300,000 (5 minutes). */
  ttlMs?: number;
  /** Clock in ms. Default Date.now, as the seed had it. */
  now?: () => number;
}

export interface NaiveSearchCacheStats {
  lookups: number;
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
  entries: number;
  /** hits / lookups. */
  hitRate: number;
}

interface NaiveEntry {
  results: MemoryResult[];
  storedAt: number;
}

export class NaiveSearchCache implements SearchResultCache {
  readonly maxEntries: number;
  readonly ttlMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, NaiveEntry>();
  private readonly counts = { lookups: 0, hits: 0, misses: 0, evictions: 0, expirations: 0 };

  constructor(options: NaiveSearchCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    if (!(Number.isInteger(this.maxEntries) && this.maxEntries > 0)) {
      throw new OptionError('maxEntries', 'a positive integer', options.maxEntries);
    }
    this.ttlMs = options.ttlMs ?? 300_000;
    if (!(this.ttlMs >= 0)) throw new OptionError('ttlMs', 'a number of milliseconds >= 0', options.ttlMs);
    this.now = options.now ?? Date.now;
  }

  async getOrCompute(
    query: string,
    options: SearchOptions,
    _generation: number,
    compute: () => Promise<MemoryResult[]>,
  ): Promise<MemoryResult[]> {
    this.counts.lookups++;
    const key = createHash('md5').update(JSON.stringify({ query, options })).digest('hex');
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (this.ttlMs === 0 || this.now() - entry.storedAt < this.ttlMs) {
        this.counts.hits++;
        return entry.results;
      }
      this.entries.delete(key);
      this.counts.expirations++;
    }
    this.counts.misses++;
    const results = await compute();
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) {
      // A Map iterates in insertion order: the first key is the oldest insert.
      this.entries.delete(this.entries.keys().next().value as string);
      this.counts.evictions++;
    }
    this.entries.set(key, { results, storedAt: this.now() });
    return results;
  }

  /** The seed did nothing on writes. */
  onWrite(_event: WriteEvent): void {}

  stats(): NaiveSearchCacheStats {
    const c = this.counts;
    return { ...c, entries: this.entries.size, hitRate: c.lookups === 0 ? 0 : c.hits / c.lookups };
  }
}
