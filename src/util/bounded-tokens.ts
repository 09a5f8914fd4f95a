import CL100K_RANKS from 'gpt-tokenizer/bpeRanks/cl100k_base';
import { CL100K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';

/**
 * cl100k_base token counts whose cost is bounded by the input's size, for checking an input against a limit before
 * any full tokenization.
 *
 * Why not gpt-tokenizer's own count: it merges each pre-tokenized piece by scanning all its pairs per merge, which
 * is quadratic in the piece's length, and a piece can be the whole input (120 kB of 'a' is one piece: 7 s, then
 * about 4x per doubling). Here a piece is merged with a heap (O(n log n)), with the same rule (the pair of lowest
 * rank first, the leftmost on a tie), so counts are identical (test/endpoint/bounded-token-count.test.ts checks
 * them against gpt-tokenizer), and counting stops as soon as the running total passes the limit.
 *
 * The cheap bounds come first, in one native byte count: every token is at least 1 and at most
 * MAX_TOKEN_BYTES UTF-8 bytes, so a text of b bytes has between ceil(b / MAX_TOKEN_BYTES) and b tokens; then a
 * tighter lower bound from the pieces' sizes (a run of letters holds no token over 42 bytes).
 */

/** Bytes of the longest cl100k_base token (a test checks it against the rank table). */
export const MAX_TOKEN_BYTES = 128;

/** Fewest tokens a text of `bytes` UTF-8 bytes can have. */
export function minTokensForBytes(bytes: number): number {
  return Math.ceil(bytes / MAX_TOKEN_BYTES);
}

interface RankTable {
  /** Token bytes (as a latin1 string, one char per byte) -> rank. */
  byBytes: Map<string, number>;
  /** Rank of each two-byte token at (first << 8) | second, -1 where none: the first round of merges, unsliced. */
  pairs: Int32Array;
  /** Rank of each token of 3 to 6 bytes, keyed by its bytes as a number (shortKey): no string built per lookup. */
  short: Map<number, number>;
}

/** The bytes [start, end) as one number, first byte lowest; for spans of up to 6 bytes (48 bits, exact in a double). */
function shortKey(bytes: Uint8Array, start: number, end: number): number {
  let key = 0;
  for (let i = end - 1; i >= start; i--) key = key * 256 + bytes[i];
  return key * 8 + (end - start); // the length keeps "a\0" apart from "a"
}

let rankTable: RankTable | undefined;

/** Builds the rank table now (a third of a second) rather than in the first request that needs it. */
export function warmTokenCounter(): void {
  ranks();
}

/** The cl100k_base ranks, built once on first use (~100k entries). */
function ranks(): RankTable {
  if (rankTable) return rankTable;
  const byBytes = new Map<string, number>();
  const pairs = new Int32Array(65536).fill(-1);
  const short = new Map<number, number>();
  CL100K_RANKS.forEach((token, rank) => {
    const bytes = typeof token === 'string' ? Buffer.from(token, 'utf8') : Buffer.from(token);
    byBytes.set(bytes.toString('latin1'), rank);
    if (bytes.length === 2) pairs[(bytes[0] << 8) | bytes[1]] = rank;
    else if (bytes.length >= 3 && bytes.length <= 6) short.set(shortKey(bytes, 0, bytes.length), rank);
  });
  rankTable = { byBytes, pairs, short };
  return rankTable;
}

/**
 * Bytes of the longest token that can occur inside a piece of letters (`[^\r\n\p{L}\p{N}]?\p{L}+`, the piece
 * a word, or a run of letters with no space, becomes): ".translatesAutoresizingMaskIntoConstraints". Byte-fragment
 * tokens are at most 12 bytes. A test checks both against the rank table.
 */
export const MAX_LETTER_TOKEN_BYTES = 42;

const ENDS_IN_LETTER = /\p{L}$/u;

/**
 * Fewest tokens `text` can have, from its pieces' sizes alone (no merging): a piece of letters has at least
 * ceil(bytes / 42) tokens, any other at least ceil(bytes / 128). Linear in the text.
 */
export function tokenLowerBound(text: string): number {
  let bound = 0;
  for (const [piece] of text.matchAll(CL100K_TOKEN_SPLIT_REGEX)) bound += pieceLowerBound(piece, Buffer.byteLength(piece, 'utf8'));
  return bound;
}

function pieceLowerBound(piece: string, bytes: number): number {
  return Math.ceil(bytes / (ENDS_IN_LETTER.test(piece) ? MAX_LETTER_TOKEN_BYTES : MAX_TOKEN_BYTES));
}

/**
 * The exact cl100k_base token count of `text` if it is at most `limit`, else false. Special-token strings count
 * as plain text. Work is bounded by the text's size and stops early: one byte count refuses a text over
 * limit x 128 bytes; then one pass over its pieces refuses it by their sizes (tokenLowerBound); only then are
 * pieces merged (O(b log b) in a piece's bytes b), and counting stops once the total passes `limit`.
 */
export function countTokensWithin(text: string, limit: number, work?: TokenCountWork): number | false {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (minTokensForBytes(bytes) > limit) return false;
  if (bytes > limit && tokenLowerBound(text) > limit) return false;
  return countPieces(text, limit, work);
}

/** What a count cost, for tests that check the work is bounded: bytes of the pieces byte-pair merged. */
export interface TokenCountWork {
  bytesMerged: number;
}

function countPieces(text: string, limit: number, work?: TokenCountWork): number | false {
  const table = ranks();
  let total = 0;
  for (const [piece] of text.matchAll(CL100K_TOKEN_SPLIT_REGEX)) {
    const encoded = Buffer.from(piece, 'utf8');
    if (table.byBytes.has(encoded.toString('latin1'))) total++;
    else {
      if (work) work.bytesMerged += encoded.length;
      total += mergedLength(encoded, table);
    }
    if (total > limit) return false;
  }
  return total;
}

/** The exact cl100k_base token count of `text` (no limit), in O(b log b). */
export function countTokensExactly(text: string): number {
  return countPieces(text, Number.MAX_SAFE_INTEGER) as number;
}

/**
 * Tokens of one pre-tokenized piece after byte-pair merging: repeatedly merge the adjacent pair whose bytes form
 * the token of lowest rank, the leftmost on a tie, until no pair is a token. Parts form a linked list keyed by
 * their first byte; candidate pairs sit in a min-heap ordered by (rank, position). A pair's span only grows, so
 * its rank changes at every update and a heap entry is current exactly when it matches pairRank[start].
 */
function mergedLength(bytes: Buffer, table: RankTable): number {
  const n = bytes.length;
  if (n < 2) return n;
  const next = new Int32Array(n); // first byte of the next part (n: none)
  const prev = new Int32Array(n); // first byte of the previous part (-1: none)
  const pairRank = new Float64Array(n).fill(-1); // rank of (part at i, its next part), -1: not a token
  const stride = n + 1;
  const heap: number[] = [];
  const rankAt = (start: number): number => {
    const second = next[start];
    if (second >= n) return -1;
    const end = next[second];
    const length = end - start;
    if (length === 2) return table.pairs[(bytes[start] << 8) | bytes[second]];
    if (length <= 6) return table.short.get(shortKey(bytes, start, end)) ?? -1;
    if (length > MAX_TOKEN_BYTES) return -1;
    return table.byBytes.get(bytes.toString('latin1', start, end)) ?? -1;
  };
  const offer = (start: number) => {
    const rank = rankAt(start);
    pairRank[start] = rank;
    if (rank >= 0) heapPush(heap, rank * stride + start);
  };
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  for (let i = 0; i < n - 1; i++) offer(i);
  let parts = n;
  while (heap.length > 0) {
    const key = heapPop(heap);
    const start = key % stride;
    const rank = (key - start) / stride;
    if (pairRank[start] !== rank) continue; // stale: the pair changed since
    const gone = next[start];
    const after = next[gone];
    next[start] = after;
    if (after < n) prev[after] = start;
    pairRank[gone] = -1;
    parts--;
    offer(start);
    if (prev[start] >= 0) offer(prev[start]);
  }
  return parts;
}

function heapPush(heap: number[], value: number): void {
  let i = heap.length;
  heap.push(value);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent] <= value) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = value;
}

function heapPop(heap: number[]): number {
  const top = heap[0];
  const last = heap.pop()!;
  if (heap.length === 0) return top;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && heap[right] < heap[left] ? right : left;
    if (heap[child] >= last) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = last;
  return top;
}
