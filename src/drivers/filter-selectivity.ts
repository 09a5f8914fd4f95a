/**
 * The filter-selectivity workload: filtered search at every share of rows that pass the filter, and in a
 * many-tenant layout, for every index and store that filters natively.
 *
 * Two layouts of the same memories (the first `size` of the dataset, real or mock vectors):
 * - 'share': each selectivity s of `selectivities` (default 0.1%, 1%, 10%, 50%) is a metadata flag
 *   (`in_0_1pct: true`, ...) carried by the first round(s x size) rows of a seeded permutation (at least one), so the
 *   sets are nested and uncorrelated with any query: the case where an ANN index filtering after its walk loses
 *   recall. A filtered search asks `{ metadata: { in_0_1pct: true } }`.
 * - 'tenants': each memory belongs to one of `tenants` namespaces (drawn from the seed); a search asks one tenant.
 *
 * Recall@k within a filter is against the exact answer over the rows that pass (exact cosine, ties by id,
 * reference.mjs). Every hit of every filtered search is checked against the filter: a hit outside it is counted
 * (outside_filter_results in the share layout, cross_tenant_results in the tenant layout); both must be 0.
 *
 * Timing: per query, an unfiltered search, a search at each selectivity and one tenant search run back to back in an
 * order rotated per query and round, so each filtered p99 is compared with an unfiltered p99 measured interleaved
 * with it in the same process (p99 ratio = filtered p99 / unfiltered p99 of the same index; the tenant search's
 * unfiltered partner is the share layout's). After the timed rounds, further tenant searches (untimed) bring the
 * tenant layout to `tenantSearches` per in-process index (`storeTenantSearches` per out-of-process store: a search
 * over the wire costs a round trip), each checked for cross-tenant hits and recall.
 *
 * The two variants are MemorySystem over FlatIndex in the share layout, as in filtered-search: the baseline with the
 * index's filtering hidden (over-fetch and discard), the optimized side filtering in the index. The optimized side's
 * first repetition also measures the table `selectivity` over `workload.indexes` (one row per index, setting,
 * layout and selectivity) and the aggregate metrics gated on it.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { shippedDataPath } from '../datasets/defaults.ts';
import { SHIPPED_VECTORS_DIR } from '../endpoint/models/shipped-vectors.ts';
import type { DetailTable, InputDeclaration, MetricSpec, MetricValues, WorkloadDriver } from '../harness/types.ts';
import { MemorySystem } from '../memory/memory-system.ts';
import { compareHits, dot, norm, scoreFromDot } from '../memory/reference.mjs';
import type { EntryAttributes, SearchFilter, SearchHit, VectorIndex } from '../memory/types.ts';
import { buildKeyOf, createIndex, INDEX_KINDS, indexParamsSchema, isExactIndex, postgresVariablesOf, searchSettingsOf, StoreConnections, type IndexParams } from '../parts/registry.ts';
import { queryRecall } from '../parts/vector-index/recall.ts';
import { loadIndex } from '../measure/index-runs.ts';
import { percentiles } from '../measure/latency.ts';
import { PrecomputedEmbedder } from '../measure/precomputed-embedder.ts';
import { loadWorkloadVectors, SHIPPED_MODEL } from '../measure/workload-vectors.ts';
import { createRng } from '../util/rng.ts';
import { isPromise, settle } from '../util/maybe-promise.ts';

const workloadSchema = z
  .object({
    /** 'use-lite': the shipped real vectors of the texts; absent: the endpoint's reference vectors (the mock's). */
    vectors: z.literal(SHIPPED_MODEL).optional(),
    dataset: z.string().default(shippedDataPath('memories.jsonl')),
    queries: z.string().default(shippedDataPath('queries.jsonl')),
    /** Memories stored (the first `size` of the dataset). */
    size: z.number().int().min(2),
    /** Held-out queries of the timed rounds (each asked unfiltered, at every selectivity and within one tenant). */
    queryCount: z.number().int().min(1),
    /** Shares of rows that pass the filter, each in (0, 1]. */
    selectivities: z.array(z.number().gt(0).max(1)).min(1).default([0.001, 0.01, 0.1, 0.5]),
    /** Namespaces of the tenant layout. */
    tenants: z.number().int().min(1).default(1_000),
    /** Tenant searches per in-process index (the timed ones included), each checked for cross-tenant hits. */
    tenantSearches: z.number().int().min(1),
    /** Tenant searches per out-of-process store (pgvector): each is a round trip. Default: tenantSearches. */
    storeTenantSearches: z.number().int().min(1).optional(),
    /** Timed rounds over the queries (each round rotates the order of the searches per query). */
    rounds: z.number().int().min(1).default(2),
    model: z.string().default('text-embedding-3-small'),
    dimensions: z.number().int().min(1).optional(),
    k: z.number().int().min(1).default(10),
    /** Indexes of the table `selectivity` (optimized side, first repetition); consecutive ones that differ only in search-time settings share a build. */
    indexes: z.array(indexParamsSchema).default([]),
  })
  .strict();

const variantSchema = z
  .object({
    /** 'native': the filter goes to the index; 'over-fetch': MemorySystem over-fetches and discards. */
    filtering: z.enum(['native', 'over-fetch']),
  })
  .strict();

export type FilterSelectivityWorkload = z.output<typeof workloadSchema>;
export type FilterSelectivityVariant = z.output<typeof variantSchema>;

const metrics: MetricSpec[] = [
  { name: 'recall_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', description: 'MemorySystem over FlatIndex, share layout: recall@k within the filter, mean over queries and selectivities' },
  { name: 'discarded_hits_per_query', unit: 'hits', kind: 'counter', better: 'lower', description: 'hits MemorySystem fetched and discarded (outside the filter), per filtered search' },
  { name: 'index_calls_per_query', unit: 'calls', kind: 'counter', better: 'lower', description: 'index.search calls per filtered search (over-fetch grows k until k rows pass)' },
  { name: 'query_p99_ms', unit: 'ms', kind: 'timing', better: 'lower', description: 'p99 of one MemorySystem.searchByVector within a filter, over every selectivity' },
  { name: 'exact_min_filtered_recall_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', only: 'optimized', description: 'lowest recall@k within the filter of the exact indexes (flat, naive, pgvector exact), over every selectivity and the tenant layout' },
  { name: 'memopt_min_filtered_recall_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', only: 'optimized', description: "lowest recall@k within the filter of memopt's approximate indexes (sq8, PCA, binary, Matryoshka), over every selectivity and the tenant layout" },
  { name: 'peer_min_filtered_recall_at_10', unit: 'fraction', kind: 'ratio', better: 'higher', only: 'optimized', description: "lowest recall@k within the filter of the peers' approximate settings (usearch, pgvector HNSW/IVFFlat with iterative scans on)" },
  { name: 'outside_filter_results', unit: 'hits', kind: 'counter', better: 'lower', only: 'optimized', description: 'hits outside the filter, share layout, every index and search' },
  { name: 'cross_tenant_results', unit: 'hits', kind: 'counter', better: 'lower', only: 'optimized', description: "hits from another tenant's namespace, tenant layout, every index and search" },
  { name: 'tenant_searches_per_index', unit: 'searches', kind: 'counter', better: 'higher', only: 'optimized', description: 'tenant-layout searches per in-process index (checked for cross-tenant hits)' },
  { name: 'tenant_searches_per_store', unit: 'searches', kind: 'counter', better: 'higher', only: 'optimized', description: 'tenant-layout searches per out-of-process store (0 when none is measured)' },
  { name: 'memopt_max_filtered_p99_ratio', unit: 'x', kind: 'ratio', class: 'timing', better: 'lower', only: 'optimized', description: "highest filtered p99 / unfiltered p99 (interleaved, same index) among memopt's indexes, over every selectivity and the tenant layout" },
  { name: 'peer_max_filtered_p99_ratio', unit: 'x', kind: 'ratio', class: 'timing', better: 'lower', only: 'optimized', description: "the same among the peers' settings (usearch, pgvector)" },
  { name: 'indexes_measured', unit: 'settings', kind: 'counter', better: 'higher', only: 'optimized', description: 'index settings measured in the table selectivity' },
];

/** One search of the tenant layout: a query vector within one tenant, and its exact answer. */
interface TenantSearch {
  query: number;
  tenant: string;
  exact: string[];
}

export interface PreparedFilterSelectivity {
  workload: FilterSelectivityWorkload;
  ids: string[];
  texts: string[];
  vectors: Float32Array[];
  queryVectors: Float32Array[];
  /** Metadata flag of each selectivity, e.g. 'in_0_1pct'. */
  flags: string[];
  /** passes[s][row]: whether the row carries flag s. */
  passes: boolean[][];
  passing: number[];
  shareAttributes: EntryAttributes[];
  tenantOf: string[];
  /** exactShare[q][s]: exact filtered top-k ids; exactAll[q]: unfiltered. */
  exactShare: string[][][];
  exactAll: string[][];
  tenantSearches: TenantSearch[];
  stores: StoreConnections;
}

const TABLE_COLUMNS = ['index', 'setting', 'layout', 'selectivity', 'passing_rows', 'searches', 'recall_at_10', 'p50_ms', 'p99_ms', 'unfiltered_p50_ms', 'unfiltered_p99_ms', 'p99_ratio', 'outside_filter'];

/** The metadata flag of a selectivity: 0.001 -> 'in_0_1pct'. */
export function flagOf(selectivity: number): string {
  return `in_${String(Math.round(selectivity * 100_000) / 1000).replace('.', '_')}pct`;
}

export const filterSelectivityDriver: WorkloadDriver<
  FilterSelectivityWorkload,
  FilterSelectivityVariant,
  PreparedFilterSelectivity,
  z.input<typeof workloadSchema>,
  z.input<typeof variantSchema>
> = {
  name: 'filter-selectivity',
  workloadSchema,
  variantSchema,
  metrics,

  inputs: (workload) => {
    const out: InputDeclaration[] = [
      { kind: 'dataset', path: workload.dataset, field: 'workload.dataset', atLeast: { count: workload.size, field: 'workload.size' } },
      { kind: 'queries', path: workload.queries, field: 'workload.queries', atLeast: { count: workload.queryCount, field: 'workload.queryCount' } },
    ];
    if (workload.vectors === SHIPPED_MODEL) out.push({ kind: 'vectors', path: join(SHIPPED_VECTORS_DIR, `${SHIPPED_MODEL}.f16.npy`), field: 'workload.vectors' });
    workload.indexes.forEach((p, i) => {
      for (const connectionEnv of postgresVariablesOf(p)) out.push({ kind: 'postgres', connectionEnv, field: `workload.indexes[${i}].connectionEnv` });
    });
    return out;
  },

  async release(prepared) {
    await prepared.stores.close();
  },

  async prepare(workload, { seed, endpoint, postgres }) {
    const loaded = await loadWorkloadVectors(workload, endpoint, 'filter-selectivity');
    const { vectors, queryVectors } = loaded;
    const n = vectors.length;
    const ids = vectors.map((_, i) => `m${i}`);
    const rng = createRng(seed).fork('filter-selectivity');
    // Share layout: a seeded permutation; selectivity s admits its first round(s n) rows (at least one).
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const rankOf = new Int32Array(n);
    order.forEach((row, rank) => (rankOf[row] = rank));
    const flags = workload.selectivities.map(flagOf);
    const passing = workload.selectivities.map((s) => Math.max(1, Math.round(s * n)));
    const passes = passing.map((count) => Array.from({ length: n }, (_, row) => rankOf[row] < count));
    const shareAttributes: EntryAttributes[] = ids.map((_, row) => {
      const metadata: Record<string, boolean> = {};
      flags.forEach((flag, s) => {
        if (passes[s][row]) metadata[flag] = true;
      });
      return { metadata };
    });
    // Tenant layout: each memory's tenant drawn uniformly.
    const tenantOf = ids.map(() => `tenant-${rng.int(0, workload.tenants - 1)}`);
    const members = new Map<string, number[]>();
    tenantOf.forEach((t, row) => {
      const list = members.get(t) ?? [];
      list.push(row);
      members.set(t, list);
    });
    const tenants = [...members.keys()].sort();

    // Exact scores of every (query, memory) pair, once: the reference arithmetic (dot, norms, scoreFromDot) with the
    // memories' norms computed once rather than per pair.
    const norms = vectors.map((v) => norm(v));
    const scores = queryVectors.slice(0, workload.queryCount).map((q) => {
      const qn = norm(q);
      return Float64Array.from(vectors, (v, row) => scoreFromDot(dot(v, q), norms[row], qn));
    });
    const exactShare: string[][][] = [];
    const exactAll: string[][] = [];
    for (const row of scores) {
      const ranked: SearchHit[] = ids.map((id, r) => ({ id, score: row[r] })).sort(compareHits);
      exactAll.push(ranked.slice(0, workload.k).map((h) => h.id));
      exactShare.push(passes.map((pass) => topPassing(ranked, (id) => pass[rowOf(id)], workload.k)));
    }
    const tenantSearches: TenantSearch[] = [];
    for (let i = 0; i < workload.tenantSearches; i++) {
      const query = i < workload.queryCount ? i : rng.int(0, workload.queryCount - 1);
      const tenant = tenants[rng.int(0, tenants.length - 1)];
      const hits = members.get(tenant)!.map((row) => ({ id: ids[row], score: scores[query][row] })).sort(compareHits);
      tenantSearches.push({ query, tenant, exact: hits.slice(0, workload.k).map((h) => h.id) });
    }
    return {
      workload,
      ids,
      texts: loaded.texts,
      vectors,
      queryVectors,
      flags,
      passes,
      passing,
      shareAttributes,
      tenantOf,
      exactShare,
      exactAll,
      tenantSearches,
      stores: new StoreConnections(postgres),
    };
  },

  async run(prepared, params, context) {
    const { workload, flags } = prepared;
    const index = await createIndex({ index: 'flat' }, { capacity: prepared.ids.length });
    const embedder = new PrecomputedEmbedder(prepared.texts.map((text, i) => [text, prepared.vectors[i]]));
    const memory = new MemorySystem({ embedder, index, filtering: params.filtering === 'native' ? 'index' : 'over-fetch' });
    await memory.addMany(prepared.texts.map((text, i) => ({ text, metadata: prepared.shareAttributes[i].metadata })));
    context.log(`${workload.queryCount} queries at ${flags.length} selectivities (${params.filtering}), ${prepared.ids.length} memories`);
    const durations: number[] = [];
    let recallSum = 0;
    for (let q = 0; q < workload.queryCount; q++) {
      for (let s = 0; s < flags.length; s++) {
        const started = performance.now();
        const found = await memory.searchByVector(prepared.queryVectors[q], { filter: { [flags[s]]: true }, topK: workload.k });
        durations.push(performance.now() - started);
        recallSum += queryRecall(found.map((r) => r.id), prepared.exactShare[q][s], workload.k);
      }
    }
    const searches = workload.queryCount * flags.length;
    const stats = memory.filteredSearchStats();
    const calls = params.filtering === 'native' ? stats.nativeFilteredSearches : stats.overFetchCalls;
    const result: MetricValues = {
      recall_at_10: recallSum / searches,
      discarded_hits_per_query: stats.discardedHits / searches,
      index_calls_per_query: calls / searches,
      query_p99_ms: percentiles(durations, [0.99])[0],
    };
    const details: DetailTable[] = [];
    if (params.filtering === 'native' && context.repetition === 0 && workload.indexes.length > 0) {
      const table = await measureSelectivityTable(prepared, (m) => context.log(m));
      details.push(table.details);
      Object.assign(result, table.metrics);
    }
    return { metrics: result, details };
  },
};

function rowOf(id: string): number {
  return Number(id.slice(1));
}

function topPassing(ranked: readonly SearchHit[], passes: (id: string) => boolean, k: number): string[] {
  const out: string[] = [];
  for (const h of ranked) {
    if (out.length === k) break;
    if (passes(h.id)) out.push(h.id);
  }
  return out;
}

/** One search, timed; a promise (an out-of-process store) is awaited inside the timed span. */
async function timedSearch(index: VectorIndex, vector: ArrayLike<number>, k: number, filter?: SearchFilter): Promise<{ hits: SearchHit[]; ms: number }> {
  const started = performance.now();
  let hits = index.search(vector, k, filter);
  if (isPromise(hits)) hits = await hits;
  return { hits, ms: performance.now() - started };
}

type Family = 'exact' | 'memopt' | 'peer';

/** Which target an index setting answers to: exact, memopt's approximate, or a peer's. */
function familyOf(params: IndexParams): Family {
  if (isExactIndex(params)) return 'exact';
  return params.index === 'usearch' || params.index === 'pgvector' ? 'peer' : 'memopt';
}

/**
 * A pgvector setting that filters after one candidate list (iterative scans off, pgvector's own default): shown,
 * not held to the recall target, which its documentation says it does not claim.
 */
function postFiltersOnly(params: IndexParams): boolean {
  return params.index === 'pgvector' && params.search !== 'exact' && params.iterativeScan === 'off';
}

interface OpenLayouts {
  key: string;
  share: VectorIndex;
  tenants: VectorIndex;
}

/** Builds an index for params (the registry's createIndex; tests pass a deliberately broken one). */
export type IndexBuilder = typeof createIndex;

/** Builds both layouts of every index setting in turn, runs the interleaved rounds and the tenant searches. */
export async function measureSelectivityTable(
  prepared: PreparedFilterSelectivity,
  log: (message: string) => void,
  build: IndexBuilder = createIndex,
): Promise<{ details: DetailTable; metrics: MetricValues }> {
  const { workload, ids, vectors, flags } = prepared;
  const k = workload.k;
  const rows: DetailTable['rows'] = [];
  const minRecall: Record<Family, number> = { exact: Infinity, memopt: Infinity, peer: Infinity };
  // p99 ratios by whose index it is (pgvector's exact scan is a peer's, flat is memopt's).
  const maxRatio = { memopt: 0, peer: 0 };
  let outside = 0;
  let crossTenant = 0;
  let perIndex = 0;
  let perStore = 0;
  const environment = { capacity: ids.length, dimensions: vectors[0].length, stores: prepared.stores };
  const shareEntries = ids.map((id, i) => [id, vectors[i], prepared.shareAttributes[i]] as const);
  const tenantEntries = ids.map((id, i) => [id, vectors[i], { namespace: prepared.tenantOf[i] }] as const);
  let open: OpenLayouts | undefined;
  const closeOpen = async () => {
    const closing = open;
    open = undefined;
    if (closing) for (const index of [closing.share, closing.tenants]) await settle(index.close?.({ drop: true }));
  };
  try {
    for (const params of workload.indexes) {
      const key = buildKeyOf(params);
      if (open?.key !== key) {
        await closeOpen();
        const share = await build(params, environment);
        const tenants = await build(params, environment);
        open = { key, share, tenants };
        const loadShare = await loadIndex(share, shareEntries, vectors);
        const loadTenants = await loadIndex(tenants, tenantEntries, vectors);
        log(`${params.index}: built both layouts in ${((loadShare.fitMs + loadShare.buildMs + loadTenants.fitMs + loadTenants.buildMs) / 1000).toFixed(1)} s`);
      } else {
        const settings = searchSettingsOf(params);
        open.share.setSearchParams?.(settings);
        open.tenants.setSearchParams?.(settings);
      }
      const { share, tenants } = open;
      const setting = share.describe?.().setting ?? params.index;
      const family = familyOf(params);
      const owner = params.index === 'usearch' || params.index === 'pgvector' ? 'peer' : 'memopt';
      const isStore = INDEX_KINDS[params.index].role === 'store';
      const tenantTotal = Math.min(workload.tenantSearches, isStore ? (workload.storeTenantSearches ?? workload.tenantSearches) : workload.tenantSearches);

      // Timed rounds: per query, unfiltered, every selectivity and one tenant search, in a rotated order.
      const kinds = flags.length + 2; // 0: unfiltered, 1..S: selectivity, S+1: tenant
      const durations: number[][] = Array.from({ length: kinds }, () => []);
      const recallSums = new Float64Array(kinds);
      const outsideOf = new Float64Array(kinds);
      const timedTenant = Math.min(workload.queryCount, tenantTotal);
      for (let round = 0; round < workload.rounds; round++) {
        for (let q = 0; q < workload.queryCount; q++) {
          for (let step = 0; step < kinds; step++) {
            const kind = (step + q + round) % kinds;
            const vector = prepared.queryVectors[q];
            if (kind === 0) {
              const { hits, ms } = await timedSearch(share, vector, k);
              durations[0].push(ms);
              if (round === 0) recallSums[0] += queryRecall(hits, prepared.exactAll[q], k);
            } else if (kind <= flags.length) {
              const s = kind - 1;
              const { hits, ms } = await timedSearch(share, vector, k, { metadata: { [flags[s]]: true } });
              durations[kind].push(ms);
              const out = hits.filter((h) => !(prepared.passes[s][rowOf(h.id)] ?? false)).length;
              outsideOf[kind] += out;
              if (round === 0) recallSums[kind] += queryRecall(hits, prepared.exactShare[q][s], k);
            } else if (q < timedTenant) {
              const search = prepared.tenantSearches[q];
              const { hits, ms } = await timedSearch(tenants, prepared.queryVectors[search.query], k, { namespace: search.tenant });
              durations[kind].push(ms);
              outsideOf[kind] += hits.filter((h) => prepared.tenantOf[rowOf(h.id)] !== search.tenant).length;
              if (round === 0) recallSums[kind] += queryRecall(hits, search.exact, k);
            }
          }
        }
      }
      // The rest of the tenant searches, untimed: cross-tenant hits and recall.
      for (let i = timedTenant; i < tenantTotal; i++) {
        const search = prepared.tenantSearches[i];
        let hits = tenants.search(prepared.queryVectors[search.query], k, { namespace: search.tenant });
        if (isPromise(hits)) hits = await hits;
        outsideOf[kinds - 1] += hits.filter((h) => prepared.tenantOf[rowOf(h.id)] !== search.tenant).length;
        recallSums[kinds - 1] += queryRecall(hits, search.exact, k);
      }
      if (isStore) perStore = perStore === 0 ? tenantTotal : Math.min(perStore, tenantTotal);
      else perIndex = perIndex === 0 ? tenantTotal : Math.min(perIndex, tenantTotal);

      const [unfilteredP50, unfilteredP99] = percentiles(durations[0], [0.5, 0.99]);
      const row = (layout: string, selectivity: number | string, passingRows: number | string, searches: number, recall: number, kind: number) => {
        const [p50, p99] = percentiles(durations[kind], [0.5, 0.99]);
        const ratio = kind === 0 ? 1 : p99 / unfilteredP99;
        rows.push([params.index, setting, layout, selectivity, passingRows, searches, recall, p50, p99, unfilteredP50, unfilteredP99, ratio, outsideOf[kind]]);
        if (kind === 0 || postFiltersOnly(params)) return;
        minRecall[family] = Math.min(minRecall[family], recall);
        maxRatio[owner] = Math.max(maxRatio[owner], ratio);
      };
      row('share', 1, ids.length, workload.queryCount, recallSums[0] / workload.queryCount, 0);
      flags.forEach((_, s) => row('share', workload.selectivities[s], prepared.passing[s], workload.queryCount * workload.rounds, recallSums[s + 1] / workload.queryCount, s + 1));
      row('tenants', `1 of ${workload.tenants}`, 'one tenant', tenantTotal, recallSums[kinds - 1] / tenantTotal, kinds - 1);
      for (let kind = 1; kind <= flags.length; kind++) outside += outsideOf[kind];
      crossTenant += outsideOf[kinds - 1];
      const worst = Math.min(...Array.from({ length: flags.length }, (_, s) => recallSums[s + 1] / workload.queryCount));
      log(`${setting}: lowest recall@${k} within a filter ${worst.toFixed(4)}, ${tenantTotal} tenant searches, ${outsideOf.reduce((a, b) => a + b, 0)} hits outside the filter`);
    }
  } finally {
    await closeOpen();
  }
  const finite = (x: number) => (Number.isFinite(x) ? x : Number.NaN);
  return {
    details: { name: 'selectivity', columns: TABLE_COLUMNS, rows },
    metrics: {
      exact_min_filtered_recall_at_10: finite(minRecall.exact),
      memopt_min_filtered_recall_at_10: finite(minRecall.memopt),
      peer_min_filtered_recall_at_10: finite(minRecall.peer),
      outside_filter_results: outside,
      cross_tenant_results: crossTenant,
      tenant_searches_per_index: perIndex,
      tenant_searches_per_store: perStore,
      memopt_max_filtered_p99_ratio: maxRatio.memopt > 0 ? maxRatio.memopt : Number.NaN,
      peer_max_filtered_p99_ratio: maxRatio.peer > 0 ? maxRatio.peer : Number.NaN,
      indexes_measured: new Set(rows.map((r) => `${r[0]} ${r[1]}`)).size,
    },
  };
}
