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
 * Runs the kernel over the first `slots` slots, 8 queries at once and one alone, so V8 has optimized both loops
 * before the first timed search (the main thread's kernel is usually warm already).
 * @param {number} slots
 */
function warmUp(slots) {
  const dims = store.dims;
  const queries = new Float64Array(9 * dims).fill(1);
  const queryNorms = new Float64Array(9).fill(Math.sqrt(dims));
  for (let round = 0; round < 3; round++) {
    scan(store, { queries: queries.subarray(0, 8 * dims), queryNorms: queryNorms.subarray(0, 8), k: 10, start: 0, end: slots, generation: 0 });
    scan(store, { queries: queries.subarray(0, dims), queryNorms: queryNorms.subarray(0, 1), k: 10, start: 0, end: slots, generation: 0 });
  }
}

/**
 * @param {{ kind: 'ping', warmSlots: number } | { kind: 'scan', queries: SharedArrayBuffer, queryNorms: Float64Array, k: number, start: number, end: number, generation: number }} task
 */
export default function handle(task) {
  if (task.kind === 'ping') {
    if (task.warmSlots > 0) warmUp(task.warmSlots);
    return { threadId };
  }
  const { queries, queryNorms, k, start, end, generation } = task;
  return scan(store, { queries: new Float64Array(queries), queryNorms, k, start, end, generation });
}
