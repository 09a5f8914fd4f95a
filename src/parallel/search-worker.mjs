// @ts-check
/**
 * The search worker: maps a SharedVectorIndex's buffers once (from workerData, shared, not copied) and answers
 * tasks by scanning a range of slots with the same kernel the main thread uses. Plain JavaScript so a worker
 * thread loads it without a TypeScript loader. A task carries only its queries (in a SharedArrayBuffer) and its
 * range; the answer is only each query's top-k candidates (slots and scores).
 */
import { threadId, workerData } from 'node:worker_threads';
import { scan } from './kernel.mjs';

/** @type {import('./kernel.mjs').ScanStore} */
const store = {
  vectors: new Float32Array(workerData.vectors),
  norms: new Float64Array(workerData.norms),
  died: new Int32Array(workerData.died),
  dims: workerData.dims,
};

/**
 * @param {{ kind: 'ping' } | { kind: 'scan', queries: SharedArrayBuffer, queryNorms: Float64Array, k: number, start: number, end: number, generation: number }} task
 */
export default function handle(task) {
  if (task.kind === 'ping') return { threadId };
  const { queries, queryNorms, k, start, end, generation } = task;
  return scan(store, { queries: new Float64Array(queries), queryNorms, k, start, end, generation });
}
