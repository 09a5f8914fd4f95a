import type { SearchHit } from '../../memory/types.ts';

/**
 * Selects the k best rows of a score array, in the same order NaiveIndex ranks: higher score first, equal scores by
 * id (ascending). A bounded min-heap of row numbers keeps the worst kept row at its root, so most rows cost one
 * comparison against it; the full sort NaiveIndex does is O(n log n), this is O(n + k log k) in practice.
 *
 * `rows` optionally restricts the candidates (a shortlist); by default rows 0..count-1 are scanned.
 */
export function selectTopK(
  scores: Float64Array,
  count: number,
  ids: readonly string[],
  k: number,
  rows?: Int32Array,
): number[] {
  const n = rows ? rows.length : count;
  const size = Math.min(Math.max(0, Math.floor(k)), n);
  if (size === 0) return [];
  const heap = new Int32Array(size);
  let filled = 0;
  // worse(a, b): row a ranks after row b.
  const worse = (a: number, b: number): boolean => {
    const sa = scores[a];
    const sb = scores[b];
    return sa < sb || (sa === sb && ids[a] > ids[b]);
  };
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= filled) return;
      const right = left + 1;
      // The child that ranks worst goes up: the root is always the worst kept row.
      const child = right < filled && worse(heap[right], heap[left]) ? right : left;
      if (!worse(heap[child], heap[i])) return;
      const t = heap[i];
      heap[i] = heap[child];
      heap[child] = t;
      i = child;
    }
  };
  for (let c = 0; c < n; c++) {
    const row = rows ? rows[c] : c;
    if (filled < size) {
      let i = filled++;
      heap[i] = row;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i], heap[parent])) break;
        const t = heap[i];
        heap[i] = heap[parent];
        heap[parent] = t;
        i = parent;
      }
    } else {
      // Fast path: a row strictly below the worst kept score never enters.
      const rootScore = scores[heap[0]];
      const s = scores[row];
      if (s < rootScore || (s === rootScore && ids[row] > ids[heap[0]])) continue;
      heap[0] = row;
      siftDown(0);
    }
  }
  const result = Array.from(heap.subarray(0, filled));
  result.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
  return result;
}

/** Rows to hits, with their scores. */
export function toHits(rows: readonly number[], scores: Float64Array, ids: readonly string[]): SearchHit[] {
  return rows.map((row) => ({ id: ids[row], score: scores[row] }));
}
