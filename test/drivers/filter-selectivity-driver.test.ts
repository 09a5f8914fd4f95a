import { describe, expect, it } from 'vitest';
import { filterSelectivityDriver, flagOf, measureSelectivityTable } from '../../src/drivers/filter-selectivity.ts';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import type { SearchFilter, VectorIndex } from '../../src/memory/types.ts';
import { createIndex, type IndexParams } from '../../src/parts/registry.ts';
import { delegatingIndex } from '../support/delegating-index.ts';
import { prepareContext, referenceOnlyEndpoint } from '../support/endpoints.ts';

// 400 mock memories; selectivities 0.5% (2 rows), 10% and 50%; 40 tenants; 30 queries and 300 tenant searches.
const workload = filterSelectivityDriver.workloadSchema.parse({
  size: 400,
  queryCount: 30,
  selectivities: [0.005, 0.1, 0.5],
  tenants: 40,
  tenantSearches: 300,
  rounds: 1,
  indexes: [{ index: 'flat' }, { index: 'sq8' }],
});
const prepared = filterSelectivityDriver.prepare(workload, prepareContext(7));
const column = (columns: string[], rows: unknown[][], name: string) => rows.map((r) => r[columns.indexOf(name)]);

/** A FlatIndex that claims native filtering but drops the namespace from every filter: the bug the check exists for. */
async function ignoresNamespace(params: IndexParams, environment: Parameters<typeof createIndex>[1]): Promise<VectorIndex> {
  const inner = await createIndex(params, environment);
  return delegatingIndex(inner, {
    search: (vector: ArrayLike<number>, k: number, filter?: SearchFilter) => inner.search(vector, k, filter?.metadata ? { metadata: filter.metadata } : undefined),
  });
}

/** A FlatIndex whose metadata filter lets one extra row of the wrong kind through (the nearest unfiltered hit). */
async function leaksOneRow(params: IndexParams, environment: Parameters<typeof createIndex>[1]): Promise<VectorIndex> {
  const inner = await createIndex(params, environment);
  return delegatingIndex(inner, {
    search: async (vector: ArrayLike<number>, k: number, filter?: SearchFilter) => {
      const hits = await inner.search(vector, k, filter);
      if (!filter?.metadata) return hits;
      const leaked = (await inner.search(vector, 1))[0];
      return [leaked, ...hits.filter((h) => h.id !== leaked.id)].slice(0, k);
    },
  });
}

describe('filter-selectivity driver', () => {
  it('gives each selectivity its nested share of rows, at least one', async () => {
    const p = await prepared;
    expect(p.passing).toEqual([2, 40, 200]);
    expect(p.flags).toEqual([flagOf(0.005), flagOf(0.1), flagOf(0.5)]);
    expect(flagOf(0.001)).toBe('in_0_1pct');
    // Nested: every row passing 0.5% passes 10% and 50%.
    p.passes[0].forEach((pass, row) => pass && expect(p.passes[1][row] && p.passes[2][row]).toBe(true));
  });

  it('measures exact indexes at recall 1 within every filter, with no hit outside it or from another tenant', async () => {
    const { details, metrics } = await measureSelectivityTable(await prepared, () => {});
    expect(metrics.exact_min_filtered_recall_at_10).toBe(1);
    expect(metrics.outside_filter_results).toBe(0);
    expect(metrics.cross_tenant_results).toBe(0);
    expect(metrics.tenant_searches_per_index).toBe(300);
    expect(metrics.memopt_min_filtered_recall_at_10).toBeGreaterThan(0.9);
    // flat and sq8, each: unfiltered, three selectivities, tenants.
    expect(column(details.columns, details.rows, 'layout')).toEqual(['share', 'share', 'share', 'share', 'tenants', 'share', 'share', 'share', 'share', 'tenants']);
  });

  it('counts cross-tenant hits when an index drops the namespace from its filter', async () => {
    const p = await prepared;
    const { metrics } = await measureSelectivityTable({ ...p, workload: { ...p.workload, indexes: [{ index: 'flat' }] } }, () => {}, ignoresNamespace);
    expect(metrics.cross_tenant_results).toBeGreaterThan(0);
    expect(metrics.exact_min_filtered_recall_at_10).toBeLessThan(1);
    expect(metrics.outside_filter_results).toBe(0);
  });

  it('counts hits outside the filter when an index lets a row of the wrong kind through', async () => {
    const p = await prepared;
    const { metrics } = await measureSelectivityTable({ ...p, workload: { ...p.workload, indexes: [{ index: 'flat' }] } }, () => {}, leaksOneRow);
    expect(metrics.outside_filter_results).toBeGreaterThan(0);
  });

  it('runs both variants: over-fetch discards hits, native discards none, both exact', async () => {
    const p = await prepared;
    const noTable = { ...p, workload: { ...p.workload, indexes: [] } };
    const context = (side: 'baseline' | 'optimized') => ({ seed: 7, quick: true, endpoint: referenceOnlyEndpoint, memory: createMemoryProbe(), repetition: 0, side, log: () => {} });
    const over = await filterSelectivityDriver.run(noTable, { filtering: 'over-fetch' }, context('baseline'));
    const native = await filterSelectivityDriver.run(noTable, { filtering: 'native' }, context('optimized'));
    expect(over.metrics.recall_at_10).toBe(1);
    expect(native.metrics.recall_at_10).toBe(1);
    expect(over.metrics.discarded_hits_per_query).toBeGreaterThan(0);
    expect(native.metrics.discarded_hits_per_query).toBe(0);
    expect(native.metrics.index_calls_per_query).toBe(1);
  });
});
