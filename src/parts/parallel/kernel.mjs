// @ts-check
/**
 * The exact cosine scan shared by the main thread (SharedVectorIndex) and the search workers (search-worker.mjs).
 *
 * Plain JavaScript on purpose: worker threads do not inherit the tsx loader the CLI registers, so the code a worker
 * runs must load without it; keeping ONE copy of the scan for both sides is what makes their answers identical.
 * Types: kernel.d.mts.
 *
 * Bit-identical to NaiveIndex: both follow the reference arithmetic of memory/reference.mjs. For each (stored
 * vector, query) pair the dot product is accumulated in doubles, in coordinate order, by one accumulator
 * (`dot += stored[i] * query[i]`); norms are the reference `norm` and the score its `scoreFromDot`. Stored coordinates are float32, which
 * NaiveIndex also holds when fed float32 embeddings (the API's, the mock's). So no reassociation, no partial sums,
 * no Math.fround: only the ORDER in which pairs are visited changes.
 *
 * Where the speed comes from: `scan` scores a block of up to 8 queries against each stored vector in one pass (each
 * stored coordinate loaded once, eight independent accumulator chains instead of one long dependency chain), so a
 * batch of Q queries reads the vectors ceil(Q / 8) times instead of Q times. Per-pair arithmetic stays identical.
 *
 * Ties: each query's result holds its k best scores AND every other slot whose score equals the k-th best, so
 * merging shards and ordering ties by id (compareHits) on the main thread gives exactly NaiveIndex's answer.
 */

import { norm, scoreFromDot } from '../../memory/reference.mjs';

/** Queries scored together against each stored vector. */
export const QUERY_BLOCK = 8;

/** Euclidean norm of `values[offset .. offset + dims)`: the reference norm (memory/reference.mjs). */
export const vectorNorm = norm;

/**
 * The best `k` (slot, score) pairs by score, plus every slot tied with the k-th: a binary min-heap on score over
 * typed arrays, and a bucket of slots whose score equals the heap's minimum but found no room in it.
 */
export class TopK {
  /** @param {number} k */
  constructor(k) {
    this.k = k;
    this.size = 0;
    this.scores = new Float64Array(k);
    this.slots = new Int32Array(k);
    /** Score below which nothing can enter (-Infinity until the heap is full). */
    this.threshold = -Infinity;
    /** @type {number[]} Slots outside the heap whose score equals `tieScore`. */
    this.ties = [];
    this.tieScore = Number.NaN;
  }

  /**
   * Offers one candidate; callers may skip it when `score < this.threshold` (it could never enter).
   * @param {number} slot
   * @param {number} score
   */
  offer(slot, score) {
    const k = this.k;
    if (k === 0 || score < this.threshold || score !== score) return;
    if (this.size < k) {
      this.push(slot, score);
      if (this.size === k) this.threshold = this.scores[0];
      return;
    }
    if (score === this.threshold) {
      this.tie(slot, score);
      return;
    }
    // score > minimum: the minimum leaves the heap; it stays a candidate only if it ties with the new minimum.
    const evictedSlot = this.slots[0];
    const evictedScore = this.scores[0];
    this.scores[0] = score;
    this.slots[0] = slot;
    this.siftDown(0);
    this.threshold = this.scores[0];
    if (evictedScore === this.threshold) this.tie(evictedSlot, evictedScore);
  }

  /**
   * @param {number} slot
   * @param {number} score
   */
  tie(slot, score) {
    if (this.tieScore !== score) {
      this.ties.length = 0;
      this.tieScore = score;
    }
    this.ties.push(slot);
  }

  /**
   * @param {number} slot
   * @param {number} score
   */
  push(slot, score) {
    let i = this.size++;
    const scores = this.scores;
    const slots = this.slots;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (scores[parent] <= score) break;
      scores[i] = scores[parent];
      slots[i] = slots[parent];
      i = parent;
    }
    scores[i] = score;
    slots[i] = slot;
  }

  /** @param {number} i */
  siftDown(i) {
    const scores = this.scores;
    const slots = this.slots;
    const n = this.size;
    const score = scores[i];
    const slot = slots[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && scores[child + 1] < scores[child]) child++;
      if (scores[child] >= score) break;
      scores[i] = scores[child];
      slots[i] = slots[child];
      i = child;
    }
    scores[i] = score;
    slots[i] = slot;
  }

  /**
   * The candidates: heap contents, then the ties with the final minimum; unordered.
   * @returns {{ slots: Int32Array, scores: Float64Array }}
   */
  result() {
    const ties = this.size === this.k && this.tieScore === this.threshold ? this.ties : [];
    const n = this.size + ties.length;
    const slots = new Int32Array(n);
    const scores = new Float64Array(n);
    slots.set(this.slots.subarray(0, this.size));
    scores.set(this.scores.subarray(0, this.size));
    for (let j = 0; j < ties.length; j++) {
      slots[this.size + j] = ties[j];
      scores[this.size + j] = this.tieScore;
    }
    return { slots, scores };
  }
}

/**
 * Scores queries against stored slots [start, end) that are alive at `generation`; one TopK result per query.
 *
 * A slot is alive at generation g when `died[slot]` is 0 (never removed) or greater than g. Slots are never
 * rewritten once published (replacing an id appends a new slot), so a scan may run while the main thread appends
 * or removes: what it sees is the index as it was at `generation`.
 *
 * @param {{ vectors: Float32Array, norms: Float64Array, died: Int32Array, dims: number }} store
 * @param {{ queries: Float64Array, queryNorms: Float64Array, k: number, start: number, end: number, generation: number }} task
 * @returns {Array<{ slots: Int32Array, scores: Float64Array }>}
 */
export function scan(store, task) {
  const { dims } = store;
  const { queries, queryNorms, k } = task;
  const queryCount = queryNorms.length;
  if (queries.length !== queryCount * dims) {
    throw new RangeError(`scan: expected ${queryCount} x ${dims} query coordinates, found ${queries.length}`);
  }
  const tops = [];
  for (let q = 0; q < queryCount; q++) tops.push(new TopK(k));
  const block = new Float64Array(QUERY_BLOCK * dims);
  let q = 0;
  // A block of fewer than 3 real queries costs more than scoring them one at a time; pad larger tails with zeros.
  for (; queryCount - q >= 3; q += QUERY_BLOCK) {
    const real = Math.min(QUERY_BLOCK, queryCount - q);
    interleave(queries, dims, q, real, block);
    scanBlock(store, task, block, q, real, tops);
  }
  for (; q < queryCount; q++) scanOne(store, task, q, tops[q]);
  return tops.map((top) => top.result());
}

/**
 * Writes queries [q, q + real) into `block` coordinate-major (block[i * QUERY_BLOCK + j] = query j's coordinate
 * i), so the inner loop reads one contiguous run per stored coordinate; unused lanes are zero.
 * @param {Float64Array} queries @param {number} dims @param {number} q @param {number} real @param {Float64Array} block
 */
function interleave(queries, dims, q, real, block) {
  block.fill(0);
  for (let j = 0; j < real; j++) {
    const offset = (q + j) * dims;
    for (let i = 0; i < dims; i++) block[i * QUERY_BLOCK + j] = queries[offset + i];
  }
}

/**
 * Scores one block of QUERY_BLOCK (= 8) queries: each stored coordinate is loaded once and feeds eight independent
 * accumulators, one per query, each summing its own pair in coordinate order.
 * @param {{ vectors: Float32Array, norms: Float64Array, died: Int32Array, dims: number }} store
 * @param {{ queryNorms: Float64Array, start: number, end: number, generation: number }} task
 * @param {Float64Array} block @param {number} q @param {number} real @param {TopK[]} tops
 */
function scanBlock(store, task, block, q, real, tops) {
  const { vectors, norms, died, dims } = store;
  const { queryNorms, start, end, generation } = task;
  const queryNorm = new Float64Array(QUERY_BLOCK);
  queryNorm.set(queryNorms.subarray(q, q + real));
  const dots = new Float64Array(QUERY_BLOCK);
  for (let slot = start; slot < end; slot++) {
    const death = Atomics.load(died, slot);
    if (death !== 0 && death <= generation) continue;
    const base = slot * dims;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let d4 = 0;
    let d5 = 0;
    let d6 = 0;
    let d7 = 0;
    for (let i = 0, o = 0; i < dims; i++, o += 8) {
      const v = vectors[base + i];
      d0 += v * block[o];
      d1 += v * block[o + 1];
      d2 += v * block[o + 2];
      d3 += v * block[o + 3];
      d4 += v * block[o + 4];
      d5 += v * block[o + 5];
      d6 += v * block[o + 6];
      d7 += v * block[o + 7];
    }
    dots[0] = d0;
    dots[1] = d1;
    dots[2] = d2;
    dots[3] = d3;
    dots[4] = d4;
    dots[5] = d5;
    dots[6] = d6;
    dots[7] = d7;
    const storedNorm = norms[slot];
    for (let j = 0; j < real; j++) {
      const score = scoreFromDot(dots[j], storedNorm, queryNorm[j]);
      const top = tops[q + j];
      if (score >= top.threshold) top.offer(slot, score);
    }
  }
}

/**
 * Scores one query: the same loop as NaiveIndex, over typed arrays.
 * @param {{ vectors: Float32Array, norms: Float64Array, died: Int32Array, dims: number }} store
 * @param {{ queries: Float64Array, queryNorms: Float64Array, start: number, end: number, generation: number }} task
 * @param {number} q @param {TopK} top
 */
function scanOne(store, task, q, top) {
  const { vectors, norms, died, dims } = store;
  const { queries, queryNorms, start, end, generation } = task;
  const query = queries.subarray(q * dims, (q + 1) * dims);
  const queryNorm = queryNorms[q];
  for (let slot = start; slot < end; slot++) {
    const death = Atomics.load(died, slot);
    if (death !== 0 && death <= generation) continue;
    const base = slot * dims;
    let dot = 0;
    for (let i = 0; i < dims; i++) dot += vectors[base + i] * query[i];
    const score = scoreFromDot(dot, norms[slot], queryNorm);
    if (score >= top.threshold) top.offer(slot, score);
  }
}
