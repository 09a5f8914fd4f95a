/**
 * A trace's offline hit-rate bounds for a search cache, per invalidation policy and capacity: every repeat a hit
 * (an infinite cache), Belady's optimal offline policy, and a sequential LRU replay; with the detail table and chart
 * that set a measured hit rate against them. Computed once per policy and capacity.
 */
import type { ChartHint, DetailTable } from '../harness/types.ts';
import type { InvalidationPolicy } from '../parts/search-cache/search-cache.ts';
import { beladyBound, infiniteCacheBound, lruHitsForEvents, versionedRequests, type CacheTraceEvent } from './belady.ts';
import { cacheEventsForTrace, type TraceEventsOptions } from './trace-events.ts';

export interface Bounds {
  infinite: number;
  belady: number;
  lruSequential: number;
}

/** Hit rate against cache capacity: the offline bounds, the LRU replay and the measured hit rate. */
export const HIT_RATE_BOUNDS_CHART: ChartHint = {
  type: 'line',
  id: 'hit-rate',
  title: 'Hit rate against cache capacity',
  caption: 'bounds computed offline on the trace ({invalidation} invalidation), with the measured hit rate',
  x: { column: 'capacity', title: 'capacity (entries)', scale: 'auto' },
  y: { title: 'hit rate', domain: [0, 1], format: '.0%' },
  series: [
    { name: 'infinite cache (every repeat a hit)', column: 'infinite_cache_hit_rate', style: 'bound', rows: 'first' },
    { name: "Belady's optimal at this capacity", column: 'belady_hit_rate', style: 'bound', rows: 'first' },
    { name: 'LRU, sequential replay', column: 'lru_sequential_hit_rate', style: 'measured', rows: 'first' },
    { metric: 'hit_rate', param: 'maxEntries', sweepName: 'measured hit rate (sweep)', pointName: 'measured hit rate (capacity {value})' },
  ],
};

export interface CacheBoundsInput {
  preloaded: TraceEventsOptions['preloaded'];
  ops: TraceEventsOptions['ops'];
  /** The vector of a stored text or a normalized query (undefined: not prepared, an error). */
  vectorOf: (text: string) => ArrayLike<number> | undefined;
  normalization: TraceEventsOptions['normalization'];
  /** Capacities of the bounds table, besides the one asked for. */
  capacities: readonly number[];
}

export class CacheBounds {
  private readonly events = new Map<InvalidationPolicy, CacheTraceEvent[]>();
  private readonly bounds = new Map<string, Bounds>();
  constructor(private readonly input: CacheBoundsInput) {}

  /** The three bounds at one policy and capacity. */
  at(invalidation: InvalidationPolicy, capacity: number): Bounds {
    const id = `${invalidation}:${capacity}`;
    let bounds = this.bounds.get(id);
    if (!bounds) {
      const events = this.eventsFor(invalidation);
      const requests = versionedRequests(events);
      bounds = {
        infinite: infiniteCacheBound(requests).hitRate,
        belady: beladyBound(requests, capacity).hitRate,
        lruSequential: lruHitsForEvents(events, capacity).hitRate,
      };
      this.bounds.set(id, bounds);
    }
    return bounds;
  }

  /** The table `hit_rate_bounds`: every capacity of the input and `capacity`, ascending. */
  table(invalidation: InvalidationPolicy, capacity: number): DetailTable {
    const capacities = [...new Set([...this.input.capacities, capacity])].sort((a, b) => a - b);
    return {
      name: 'hit_rate_bounds',
      chart: HIT_RATE_BOUNDS_CHART,
      columns: ['invalidation', 'capacity', 'infinite_cache_hit_rate', 'belady_hit_rate', 'lru_sequential_hit_rate', 'lru_over_belady'],
      rows: capacities.map((c) => {
        const b = this.at(invalidation, c);
        return [invalidation, c, b.infinite, b.belady, b.lruSequential, b.belady > 0 ? b.lruSequential / b.belady : null];
      }),
    };
  }

  private eventsFor(invalidation: InvalidationPolicy): CacheTraceEvent[] {
    let events = this.events.get(invalidation);
    if (!events) {
      const { preloaded, ops, normalization } = this.input;
      events = cacheEventsForTrace({
        preloaded,
        ops,
        vectorOf: (text) => {
          const vector = this.input.vectorOf(text);
          if (!vector) throw new RangeError(`cache bounds: no vector prepared for '${text.slice(0, 40)}'`);
          return vector;
        },
        invalidation,
        normalization,
      });
      this.events.set(invalidation, events);
    }
    return events;
  }
}
