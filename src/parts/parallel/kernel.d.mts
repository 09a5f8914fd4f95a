/** Types of kernel.mjs (plain JavaScript so worker threads load it without a TypeScript loader). */

/** Queries scored together against each stored vector by `scan`. */
export declare const QUERY_BLOCK: number;

/** Euclidean norm of `values[offset .. offset + dims)`: the reference norm (memory/reference.mjs). */
export declare function vectorNorm(values: ArrayLike<number>, offset?: number, dims?: number): number;

/** The stored side of a scan: views over the shared buffers of a SharedVectorIndex. */
export interface ScanStore {
  /** slot x dims float32 coordinates. */
  vectors: Float32Array;
  /** Norm of each slot's vector. */
  norms: Float64Array;
  /** Generation at which each slot stopped being visible; 0 = still visible. */
  died: Int32Array;
  dims: number;
}

/** The query side of a scan. */
export interface ScanTask {
  /** queryCount x dims coordinates, query after query. */
  queries: Float64Array;
  /** Norm of each query; its length is the query count. */
  queryNorms: Float64Array;
  k: number;
  /** First slot scanned. */
  start: number;
  /** One past the last slot scanned. */
  end: number;
  /** Index generation the scan reads: slots removed at or before it are skipped. */
  generation: number;
}

/** One query's candidates: its k best slots plus every slot tied with the k-th score; unordered. */
export interface ScanResult {
  slots: Int32Array;
  scores: Float64Array;
}

export declare class TopK {
  constructor(k: number);
  readonly k: number;
  readonly size: number;
  readonly threshold: number;
  offer(slot: number, score: number): void;
  result(): ScanResult;
}

export declare function scan(store: ScanStore, task: ScanTask): ScanResult[];
