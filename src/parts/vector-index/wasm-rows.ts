/**
 * Row storage in WebAssembly memory, scanned by a WebAssembly SIMD kernel: the exact same dot products as the
 * JavaScript kernels in kernels.ts, four to five times faster (measured: 100,000 x 1536 float32 rows, 28 ms per query
 * against ~100-150 ms in JavaScript on this 2-core machine).
 *
 * Why: V8 does not vectorize JavaScript loops, so a scalar float32 scan peaks near 1.5 G multiply-adds/s, about 10
 * queries/s over 100,000 x 1536 (the target). The SIMD kernel does four multiply-adds per instruction.
 *
 * The module is assembled here, byte by byte (a few kilobytes; no toolchain, no binary file). It imports one memory
 * and exports:
 *
 *     scan_f32(rows, query, count, rowBytes, out, stride)   out[r] = Σ_{i < rowBytes/4} rows[r][i] · query[i]  (float32)
 *     scan_i8 (rows, query, count, rowBytes, out, stride)   out[r] = Σ_{i < rowBytes}   rows[r][i] · query[i]  (int32)
 *     scan_f32_q1..q3(rows, query, count, rowBytes, out, stride, outStride, queryStride)
 *                                                           scan_f32 for 1-3 queries per row load (see scanManyBody)
 *     cross_f32_3x3(a, b, aCount, bCount, rowBytes, out, outStride)
 *                                                           dot products between two runs of rows, 3 x 3 at a time
 *                                                           (dense products for PCA, see crossBody)
 *
 * all arguments byte offsets or counts, row r starting at rows + r x stride (stride > rowBytes scans a prefix of
 * each row); each inner step reads 64 bytes of a row, so rowBytes must be a multiple of 64 (float32 widths multiple
 * of 16, int8 widths multiple of 64); other widths use the JavaScript kernels over the same views.
 *
 * scan_f32 takes a float32 query and sums in float32 (four partial sums per lane): scores differ from the float64
 * JavaScript sums by ~1e-7 relative, which can swap two results only when their scores tie to 7 digits.
 * scan_i8 takes an int16 query (WasmRows.scan rounds the float query onto a grid, see `int16QueryStep`) and sums
 * exactly in int32 with i32x4.dot_i16x8_s: 3.0x faster than widening the codes to float32 (measured: 100,000 x 256
 * codes, 5.1 ms to 1.7 ms per scan), at an error of at most half a grid step times Σ|code| per row, far below the
 * codes' own quantization error.
 *
 * Layout of one store's memory: [rows: capacity x rowBytes | query: width x 4 | scores: capacity x 4]. Growing keeps
 * the rows in place (memory.grow) and moves the scratch regions behind them; memory.grow detaches old views, so
 * views are re-derived after every resize.
 */
import { dotRowsFloat32, dotRowsInt8 } from './kernels.ts';

export type RowType = 'f32' | 'i8';

/**
 * The slice of the WebAssembly JS API used here. The project compiles without the DOM library, whose declarations
 * carry these types, so they are declared locally and the global is read once.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE_BYTES = 65536;

/** ULEB128 / SLEB128 encodings of the WebAssembly binary format. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((b) => [b]));
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  add: [0x6a],
  geU: [0x4f],
  ltU: [0x49],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  f32Store: [0x38, 0x02, 0x00],
  f32Add: [0x92],
  // SIMD (prefix 0xfd): v128.load memarg, v128.const, f32x4.extract_lane, f32x4.add/mul, integer widening, convert.
  load: (offset: number) => [0xfd, 0x00, 0x00, ...uleb(offset)],
  zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  lane: (l: number) => [0xfd, 0x1f, l],
  f32x4Add: [0xfd, ...uleb(228)],
  f32x4Mul: [0xfd, ...uleb(230)],
  i16x8ExtendLowI8x16S: [0xfd, ...uleb(135)],
  i16x8ExtendHighI8x16S: [0xfd, ...uleb(136)],
  i32x4ExtendLowI16x8S: [0xfd, ...uleb(167)],
  i32x4ExtendHighI16x8S: [0xfd, ...uleb(168)],
  f32x4ConvertI32x4S: [0xfd, ...uleb(250)],
  i32x4Add: [0xfd, ...uleb(174)],
  i32x4DotI16x8S: [0xfd, ...uleb(186)],
  i32Lane: (l: number) => [0xfd, 0x1b, l],
  i32Store: [0x36, 0x02, 0x00],
};

// Parameters and locals, shared by both functions.
const ROWS = 0; // byte offset of row 0; advances by STRIDE per row
const QUERY = 1;
const COUNT = 2;
const ROW_BYTES = 3; // bytes of each row scanned (a multiple of 64)
const OUT = 4;
const STRIDE = 5; // bytes from one row to the next (>= ROW_BYTES: a prefix scan reads only the first ROW_BYTES)
const R = 6;
const Q = 7;
const Q_END = 8;
const P = 9; // read pointer inside the current row
const ACC = [10, 11, 12, 13];
const TMP = 14;

/** acc[u] += f32x4(lanes) * query[q + 16u] for the four float32 lanes groups of one 64-byte step. */
function stepF32(): number[] {
  const out: number[] = [];
  for (let u = 0; u < 4; u++) {
    out.push(...op.get(ACC[u]), ...op.get(P), ...op.load(u * 16), ...op.get(Q), ...op.load(u * 16), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(ACC[u]));
  }
  return out;
}

/**
 * 64 int8 codes per step against an int16 query: each 16-byte load of codes is widened to two i16x8, and each of
 * those is multiplied pairwise with 8 query int16s and summed in pairs into i32x4 (i32x4.dot_i16x8_s), so the sum is
 * exact integer arithmetic (query advances 128 bytes per step). Three instructions per 8 codes, against the
 * float path's widen-widen-convert-multiply-add per 4.
 */
function stepI8(): number[] {
  const out: number[] = [];
  for (let u = 0; u < 4; u++) {
    for (let half = 0; half < 2; half++) {
      out.push(
        ...op.get(ACC[u]),
        ...op.get(P),
        ...op.load(u * 16),
        ...(half === 0 ? op.i16x8ExtendLowI8x16S : op.i16x8ExtendHighI8x16S),
        ...op.get(Q),
        ...op.load(u * 32 + half * 16),
        ...op.i32x4DotI16x8S,
        ...op.i32x4Add,
        ...op.set(ACC[u]),
      );
    }
  }
  return out;
}

/**
 * One scan function: for each row, accumulate its steps, reduce the four accumulators, store one float32 (float
 * accumulators) or one int32 (integer accumulators).
 */
function scanBody(step: number[], queryBytesPerStep: number, accumulators: 'f32' | 'i32'): number[] {
  const reduce =
    accumulators === 'f32'
      ? [
          ...op.get(ACC[0]), ...op.get(ACC[1]), ...op.f32x4Add, ...op.get(ACC[2]), ...op.f32x4Add, ...op.get(ACC[3]), ...op.f32x4Add, ...op.tee(TMP),
          ...op.lane(0), ...op.get(TMP), ...op.lane(1), ...op.f32Add, ...op.get(TMP), ...op.lane(2), ...op.f32Add, ...op.get(TMP), ...op.lane(3), ...op.f32Add,
          ...op.f32Store,
        ]
      : [
          ...op.get(ACC[0]), ...op.get(ACC[1]), ...op.i32x4Add, ...op.get(ACC[2]), ...op.i32x4Add, ...op.get(ACC[3]), ...op.i32x4Add, ...op.tee(TMP),
          ...op.i32Lane(0), ...op.get(TMP), ...op.i32Lane(1), ...op.add, ...op.get(TMP), ...op.i32Lane(2), ...op.add, ...op.get(TMP), ...op.i32Lane(3), ...op.add,
          ...op.i32Store,
        ];
  const body = [
    ...op.block,
    ...op.loop,
    ...op.get(R), ...op.get(COUNT), ...op.geU, ...op.brIf(1),
    ...ACC.flatMap((a) => [...op.zero, ...op.set(a)]),
    ...op.get(QUERY), ...op.set(Q),
    ...op.get(ROWS), ...op.set(P),
    // Q_END = QUERY + (ROW_BYTES / 64) x queryBytesPerStep: the query is read in step with the row.
    ...op.get(QUERY), ...op.get(ROW_BYTES), ...op.i32(queryBytesPerStep / 64), [0x6c] /* i32.mul */, ...op.add, ...op.set(Q_END),
    ...op.loop,
    ...step,
    ...op.get(P), ...op.i32(64), ...op.add, ...op.set(P),
    ...op.get(Q), ...op.i32(queryBytesPerStep), ...op.add, ...op.tee(Q), ...op.get(Q_END), ...op.ltU, ...op.brIf(0),
    ...op.end,
    ...op.get(OUT),
    ...reduce,
    ...op.get(OUT), ...op.i32(4), ...op.add, ...op.set(OUT),
    ...op.get(R), ...op.i32(1), ...op.add, ...op.set(R),
    ...op.get(ROWS), ...op.get(STRIDE), ...op.add, ...op.set(ROWS),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ].flat();
  const locals = vec([
    [...uleb(4), I32], // R, Q, Q_END, P
    [...uleb(5), V128], // ACC x4, TMP
  ]);
  const code = [...locals, ...body];
  return [...uleb(code.length), ...code];
}

/**
 * The multi-query float32 scan: `queries` queries (query j at QUERY + j x QUERY_STRIDE) against each row, so a row
 * loaded once feeds `queries` products. Each (row, query) pair keeps scan_f32's own four accumulators, updated with
 * the same mul-then-add in the same order and reduced the same way, so every score equals scan_f32's bit for bit;
 * only the order in which pairs are visited changes. Three queries (12 accumulators, plus the row lane group and a
 * product) fit the 16 SIMD registers V8 allocates on x64; more spill.
 *
 *     scan_f32_qN(rows, query, count, rowBytes, out, stride, outStride, queryStride)
 *       out + j x outStride + 4r  <-  row r · query j   for j < N, r < count
 */
function scanManyBody(queries: number): number[] {
  const [ROWS_, QUERY_, COUNT_, ROW_BYTES_, OUT_, STRIDE_, OUT_STRIDE, QUERY_STRIDE] = [0, 1, 2, 3, 4, 5, 6, 7];
  const R_ = 8;
  const Q_END_ = 9;
  const P_ = 10;
  const QP = Array.from({ length: queries }, (_, j) => 11 + j);
  const OP = Array.from({ length: queries }, (_, j) => 11 + queries + j);
  const firstV128 = 11 + 2 * queries;
  const acc = Array.from({ length: queries }, (_, j) => [0, 1, 2, 3].map((u) => firstV128 + 4 * j + u));
  const ROWV = firstV128 + 4 * queries;
  const TMP_ = ROWV + 1;
  const offsetOf = (base: number, strideLocal: number, j: number) =>
    j === 0 ? op.get(base) : [...op.get(base), ...op.get(strideLocal), ...op.i32(j), 0x6c /* i32.mul */, ...op.add];
  const step: number[][] = [];
  for (let u = 0; u < 4; u++) {
    step.push(op.get(P_), op.load(u * 16), op.set(ROWV));
    for (let j = 0; j < queries; j++) {
      step.push(op.get(acc[j][u]), op.get(ROWV), op.get(QP[j]), op.load(u * 16), op.f32x4Mul, op.f32x4Add, op.set(acc[j][u]));
    }
  }
  const reduce = (a: number[]) => [
    ...op.get(a[0]), ...op.get(a[1]), ...op.f32x4Add, ...op.get(a[2]), ...op.f32x4Add, ...op.get(a[3]), ...op.f32x4Add, ...op.tee(TMP_),
    ...op.lane(0), ...op.get(TMP_), ...op.lane(1), ...op.f32Add, ...op.get(TMP_), ...op.lane(2), ...op.f32Add, ...op.get(TMP_), ...op.lane(3), ...op.f32Add,
  ];
  const body = [
    ...OP.map((local, j) => [...offsetOf(OUT_, OUT_STRIDE, j), ...op.set(local)]).flat(),
    ...op.block,
    ...op.loop,
    ...op.get(R_), ...op.get(COUNT_), ...op.geU, ...op.brIf(1),
    ...acc.flat().flatMap((a) => [...op.zero, ...op.set(a)]),
    ...QP.map((local, j) => [...offsetOf(QUERY_, QUERY_STRIDE, j), ...op.set(local)]).flat(),
    ...op.get(ROWS_), ...op.set(P_),
    ...op.get(QUERY_), ...op.get(ROW_BYTES_), ...op.add, ...op.set(Q_END_),
    ...op.loop,
    ...step.flat(),
    ...op.get(P_), ...op.i32(64), ...op.add, ...op.set(P_),
    ...QP.slice(1).flatMap((local) => [...op.get(local), ...op.i32(64), ...op.add, ...op.set(local)]),
    ...op.get(QP[0]), ...op.i32(64), ...op.add, ...op.tee(QP[0]), ...op.get(Q_END_), ...op.ltU, ...op.brIf(0),
    ...op.end,
    ...OP.flatMap((local, j) => [...op.get(local), ...reduce(acc[j]), ...op.f32Store, ...op.get(local), ...op.i32(4), ...op.add, ...op.set(local)]),
    ...op.get(R_), ...op.i32(1), ...op.add, ...op.set(R_),
    ...op.get(ROWS_), ...op.get(STRIDE_), ...op.add, ...op.set(ROWS_),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ].flat();
  const locals = vec([
    [...uleb(3 + 2 * queries), I32], // R, Q_END, P, QP_j, OP_j
    [...uleb(4 * queries + 2), V128], // accumulators, ROWV, TMP
  ]);
  const code = [...locals, ...body];
  return [...uleb(code.length), ...code];
}

/**
 * Hamming distances of bit-code rows to a query, 64 bits per i64.popcnt (`unroll` words per loop step):
 *
 *     hamming(rows, query, count, rowBytes, out, stride)   out[r] = Σ_{i < rowBytes/8} popcnt(rows[r][i] ^ query[i])  (int32)
 *
 * rowBytes must be a multiple of 8 x unroll.
 */
function hammingBody(unroll: number): number[] {
  const [ROWS_, QUERY_, COUNT_, ROW_BYTES_, OUT_, STRIDE_] = [0, 1, 2, 3, 4, 5];
  const [R_, Q_, Q_END_, P_, ACC_] = [6, 7, 8, 9, 10];
  const i64Load = (offset: number) => [0x29, 0x03, ...uleb(offset)];
  const step: number[] = [];
  for (let u = 0; u < unroll; u++) {
    step.push(...op.get(ACC_), ...op.get(P_), ...i64Load(8 * u), ...op.get(Q_), ...i64Load(8 * u), 0x85 /* i64.xor */, 0x7b /* i64.popcnt */, 0x7c /* i64.add */, ...op.set(ACC_));
  }
  const body = [
    ...op.block,
    ...op.loop,
    ...op.get(R_), ...op.get(COUNT_), ...op.geU, ...op.brIf(1),
    0x42, 0x00 /* i64.const 0 */, ...op.set(ACC_),
    ...op.get(QUERY_), ...op.set(Q_),
    ...op.get(ROWS_), ...op.set(P_),
    ...op.get(QUERY_), ...op.get(ROW_BYTES_), ...op.add, ...op.set(Q_END_),
    ...op.loop,
    ...step,
    ...op.get(P_), ...op.i32(8 * unroll), ...op.add, ...op.set(P_),
    ...op.get(Q_), ...op.i32(8 * unroll), ...op.add, ...op.tee(Q_), ...op.get(Q_END_), ...op.ltU, ...op.brIf(0),
    ...op.end,
    ...op.get(OUT_), ...op.get(ACC_), 0xa7 /* i32.wrap_i64 */, ...op.i32Store,
    ...op.get(OUT_), ...op.i32(4), ...op.add, ...op.set(OUT_),
    ...op.get(R_), ...op.i32(1), ...op.add, ...op.set(R_),
    ...op.get(ROWS_), ...op.get(STRIDE_), ...op.add, ...op.set(ROWS_),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const locals = vec([
    [...uleb(4), I32], // R, Q, Q_END, P
    [...uleb(1), 0x7e], // ACC (i64)
  ]);
  const code = [...locals, ...body];
  return [...uleb(code.length), ...code];
}

/**
 * 16-byte steps per pass of cross_f32_3x3's inner loop: two halve its pointer arithmetic and branch per
 * multiply-add (measured in CPU time on 1536 rows of 1024 floats: 17 GFLOP/s unrolled once, 23-24 twice or four
 * times, against 13-15 for scan_f32_q3 on the same Gram matrix). Rows are whole 64-byte steps, so 2 always divides.
 */
const CROSS_UNROLL = 2;

/**
 * Dot products between two runs of rows, three by three: a 3 x 3 block of rows (a_i, a_i+1, a_i+2 against b_j ..
 * b_j+2) is summed in nine float32x4 accumulators, so each 16-byte step loads six vectors for nine multiply-adds
 * (scan_f32_q3 loads four for three). One accumulator per pair (a single float32 sum per lane), so the scores are
 * not scan_f32's bit for bit: this kernel is for dense products (a Gram matrix, C Q) where ~1e-7 relative rounding
 * does not matter, never for search scores.
 *
 *     cross_f32_3x3(a, b, aCount, bCount, rowBytes, out, outStride)
 *       out + i x outStride + 4j  <-  Σ_{t < rowBytes/4} a_i[t] · b_j[t]     for i < aCount, j < bCount
 *
 * Rows of each run are `rowBytes` apart; aCount and bCount must be multiples of 3 and rowBytes of 16 x CROSS_UNROLL.
 */
function crossBody(): number[] {
  const [A, B, AN, BN, RB, OUT_, OS] = [0, 1, 2, 3, 4, 5, 6];
  const [AI, A_END, BJ, B_END, K, OUT_ROW, OUT_P, PA, PB] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
  const acc = Array.from({ length: 9 }, (_, i) => 16 + i);
  const AV = [25, 26, 27];
  const BV = 28;
  const TMP_ = 29;
  const mul = [0x6c];
  const ltU = [0x49];
  const plusRb = (local: number, times: number) => (times === 0 ? op.get(local) : [...op.get(local), ...op.get(RB), ...(times === 2 ? [...op.get(RB), ...op.add] : []), ...op.add]);
  const step: number[] = [];
  for (let u = 0; u < CROSS_UNROLL; u++) {
    for (let x = 0; x < 3; x++) step.push(...plusRb(PA, x), ...op.load(16 * u), ...op.set(AV[x]));
    for (let y = 0; y < 3; y++) {
      step.push(...plusRb(PB, y), ...op.load(16 * u), ...op.set(BV));
      for (let x = 0; x < 3; x++) {
        const a = acc[x * 3 + y];
        step.push(...op.get(a), ...op.get(AV[x]), ...op.get(BV), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(a));
      }
    }
  }
  const stores: number[] = [];
  for (let x = 0; x < 3; x++) {
    for (let y = 0; y < 3; y++) {
      const address = x === 0 ? op.get(OUT_P) : [...op.get(OUT_P), ...op.get(OS), ...op.i32(x), ...mul, ...op.add];
      stores.push(
        ...address,
        ...op.get(acc[x * 3 + y]), ...op.tee(TMP_), ...op.lane(0), ...op.get(TMP_), ...op.lane(1), ...op.f32Add,
        ...op.get(TMP_), ...op.lane(2), ...op.f32Add, ...op.get(TMP_), ...op.lane(3), ...op.f32Add,
        0x38, 0x02, ...uleb(4 * y), // f32.store, offset 4y
      );
    }
  }
  const body = [
    ...op.get(A), ...op.get(AN), ...op.get(RB), ...mul, ...op.add, ...op.set(A_END),
    ...op.get(B), ...op.get(BN), ...op.get(RB), ...mul, ...op.add, ...op.set(B_END),
    ...op.get(A), ...op.set(AI),
    ...op.get(OUT_), ...op.set(OUT_ROW),
    ...op.block,
    ...op.loop,
    ...op.get(AI), ...op.get(A_END), ...op.geU, ...op.brIf(1),
    ...op.get(B), ...op.set(BJ),
    ...op.get(OUT_ROW), ...op.set(OUT_P),
    ...op.block,
    ...op.loop,
    ...op.get(BJ), ...op.get(B_END), ...op.geU, ...op.brIf(1),
    ...acc.flatMap((a) => [...op.zero, ...op.set(a)]),
    ...op.i32(0), ...op.set(K),
    ...op.loop,
    ...op.get(AI), ...op.get(K), ...op.add, ...op.set(PA),
    ...op.get(BJ), ...op.get(K), ...op.add, ...op.set(PB),
    ...step,
    ...op.get(K), ...op.i32(16 * CROSS_UNROLL), ...op.add, ...op.tee(K), ...op.get(RB), ...ltU, ...op.brIf(0),
    ...op.end,
    ...stores,
    ...op.get(BJ), ...op.get(RB), ...op.i32(3), ...mul, ...op.add, ...op.set(BJ),
    ...op.get(OUT_P), ...op.i32(12), ...op.add, ...op.set(OUT_P),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(AI), ...op.get(RB), ...op.i32(3), ...mul, ...op.add, ...op.set(AI),
    ...op.get(OUT_ROW), ...op.get(OS), ...op.i32(3), ...mul, ...op.add, ...op.set(OUT_ROW),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const locals = vec([
    [...uleb(9), I32], // AI, A_END, BJ, B_END, K, OUT_ROW, OUT_P, PA, PB
    [...uleb(14), V128], // 9 accumulators, 3 a rows, the b row, TMP
  ]);
  const code = [...locals, ...body];
  return [...uleb(code.length), ...code];
}

/** Queries per call of the multi-query kernel (see scanManyBody). */
export const SCAN_MANY_BLOCK = 3;

function assemble(): Uint8Array {
  const funcType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([])];
  const manyType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([])];
  const crossType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([])];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([funcType, manyType, crossType])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0x00], [0x00], [0x01], [0x01], [0x01], [0x00], [0x00], [0x02]])),
    ...section(7, vec([
      [...name('scan_f32'), 0x00, 0x00],
      [...name('scan_i8'), 0x00, 0x01],
      [...name('scan_f32_q1'), 0x00, 0x02],
      [...name('scan_f32_q2'), 0x00, 0x03],
      [...name('scan_f32_q3'), 0x00, 0x04],
      [...name('hamming_x1'), 0x00, 0x05],
      [...name('hamming_x4'), 0x00, 0x06],
      [...name('cross_f32_3x3'), 0x00, 0x07],
    ])),
    ...section(10, vec([scanBody(stepF32(), 64, 'f32'), scanBody(stepI8(), 128, 'i32'), scanManyBody(1), scanManyBody(2), scanManyBody(3), hammingBody(1), hammingBody(4), crossBody()])),
  ]);
}

let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (then the JavaScript kernels are used). */
function simdModule(): object | null {
  if (compiled === undefined) {
    try {
      const bytes = assemble();
      compiled = wasm && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether scans run in WebAssembly SIMD on this runtime (else in JavaScript). */
export function simdAvailable(): boolean {
  return simdModule() !== null;
}

type ScanFunction = (rows: number, query: number, count: number, rowBytes: number, out: number, stride: number) => void;
type CrossFunction = (a: number, b: number, aCount: number, bCount: number, rowBytes: number, out: number, outStride: number) => void;
type ScanManyFunction = (
  rows: number,
  query: number,
  count: number,
  rowBytes: number,
  out: number,
  stride: number,
  outStride: number,
  queryStride: number,
) => void;

/**
 * Cache blocking of scanMany: a group of queries (at most this many bytes of them) is copied into WebAssembly memory
 * and scanned against chunks of rows (at most this many bytes of rows), so both stay in the core's L2 cache (1 MiB
 * here) while every query block of the group passes over the chunk; each row is then read from main memory once per
 * group instead of once per query. 256 KiB each: 42 queries and 42 rows of 1536 float32.
 */
const MANY_GROUP_BYTES = 256 * 1024;
const MANY_CHUNK_BYTES = 256 * 1024;

/**
 * Cache blocking of cross(): the b rows are taken in tiles of at most this many bytes (kept in L2 while every block
 * of a rows passes over them), the a rows in blocks of CROSS_A_BLOCK (the kernel's output scratch is one block x one
 * tile of float32).
 */
const CROSS_TILE_BYTES = 256 * 1024;
const CROSS_A_BLOCK = 96;

/**
 * A growable matrix of `width`-wide rows (float32 or int8) in its own WebAssembly memory, with the scratch a scan
 * needs. `view` is a plain typed array over the rows (re-derived after a resize: hold it only briefly).
 */
export class WasmRows {
  readonly type: RowType;
  readonly width: number;
  private memory: WasmMemory | { readonly buffer: ArrayBuffer; grow?: undefined };
  private scanFn: ScanFunction | undefined;
  /** The constructor's `simd` option: whether kernels are bound at all. */
  private readonly simdWanted: boolean;
  /** scan_f32_q1..q3 (float32 stores with SIMD only). */
  private scanManyFns: ScanManyFunction[] | undefined;
  /** Whether the memory holds scanMany's scratch (added on its first call: a store never batch-scanned pays nothing). */
  private manyRegion = false;
  /** cross_f32_3x3 (float32 stores with SIMD only), see cross(). */
  private crossFn: CrossFunction | undefined;
  /** Whether the memory holds cross()'s output scratch (added on its first call). */
  private crossRegion = false;
  private crossOutView!: Float32Array;
  /** hamming_x4 or hamming_x1 (int8 stores whose row is a multiple of 8 bytes), see hamming(). */
  private hammingFn: ScanFunction | undefined;
  private manyQueryView!: Float32Array;
  private manyOutView!: Float32Array;
  private capacityRows = 0;
  private rowsView!: Float32Array | Int8Array;
  private queryView!: Float32Array;
  private scoresView!: Float32Array;
  // The same scratch regions as seen by the int8 kernel: an int16 query, int32 scores.
  private queryI16View!: Int16Array;
  private scoresI32View!: Int32Array;

  constructor(type: RowType, width: number, capacity: number, options: { simd?: boolean } = {}) {
    this.type = type;
    this.width = width;
    this.memory = wasm ? new wasm.Memory({ initial: 1 }) : { buffer: new ArrayBuffer(0) };
    this.simdWanted = options.simd ?? true;
    this.bind(this.simdWanted);
    this.resize(capacity);
  }

  /** Rows the store can hold without growing. */
  get capacity(): number {
    return this.capacityRows;
  }

  /** Whether scan() runs the SIMD kernel (false: the JavaScript kernel over the same rows). */
  get simd(): boolean {
    return this.scanFn !== undefined;
  }

  /** The rows, capacity x width, row-major. Detached by the next resize(). */
  get view(): Float32Array | Int8Array {
    return this.rowsView;
  }

  /** Bytes held: the whole WebAssembly memory (rows, query and score scratch, rounded up to 64 KiB pages). */
  byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Sets the capacity to exactly `rows` (at least 1); the first min(old, new) rows are kept. */
  resize(rows: number): void {
    const capacity = Math.max(1, rows);
    const needed = this.layoutBytes(capacity);
    if (capacity < this.capacityRows || needed > this.memory.buffer.byteLength) {
      if (capacity < this.capacityRows) {
        // Memory cannot shrink: move the kept rows into a new, smaller one.
        const keep = this.rowsView.subarray(0, capacity * this.width);
        const pages = Math.ceil(needed / PAGE_BYTES);
        const next = wasm ? new wasm.Memory({ initial: pages }) : { buffer: new ArrayBuffer(pages * PAGE_BYTES) };
        new Uint8Array(next.buffer).set(new Uint8Array(keep.buffer, keep.byteOffset, keep.byteLength));
        this.memory = next;
        this.bind(this.simdWanted);
      } else if (this.memory.grow) {
        this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / PAGE_BYTES));
      } else {
        // No WebAssembly at all: a plain buffer stands in for the memory.
        const next = new ArrayBuffer(Math.ceil(needed / PAGE_BYTES) * PAGE_BYTES);
        new Uint8Array(next).set(new Uint8Array(this.memory.buffer));
        this.memory = { buffer: next };
      }
    }
    this.capacityRows = capacity;
    this.views();
  }

  /**
   * Makes room for at least `count` rows: exactly `count`, or with `grow` at least double the capacity (and at least
   * `minimum`), so a run of single adds grows the store O(log n) times. Never shrinks.
   */
  reserve(count: number, grow: boolean, minimum = 1): void {
    if (count <= this.capacityRows) return;
    this.resize(grow ? Math.max(count, minimum, 2 * this.capacityRows) : count);
  }

  /** Releases the rows past the first `count` (keeps at least 1). */
  trim(count: number): void {
    if (this.capacityRows > count) this.resize(count);
  }

  /**
   * out[r] = row r · query for the first `count` rows (query: `width` floats). With `prefix` < width, only each
   * row's first `prefix` coordinates (and query floats) are used.
   */
  scan(query: Float32Array, count: number, out: Float64Array, prefix = this.width): void {
    this.scanRuns(query, [0], [count], out, prefix);
  }

  /** Queries scanMany copies into WebAssembly memory at a time (a multiple of SCAN_MANY_BLOCK). */
  private get manyGroup(): number {
    const fit = Math.floor(MANY_GROUP_BYTES / (this.width * 4) / SCAN_MANY_BLOCK) * SCAN_MANY_BLOCK;
    return Math.min(96, Math.max(SCAN_MANY_BLOCK, fit));
  }

  /** Rows scanMany passes every query of a group over before moving on. */
  private get manyChunk(): number {
    return Math.min(1024, Math.max(4, Math.floor(MANY_CHUNK_BYTES / (this.width * 4))));
  }

  /**
   * out[q x count + r] = row r · query q for the first `count` rows and `queryCount` queries (`queries`:
   * queryCount x width floats, query after query). On a float32 store with SIMD every score equals what scan()
   * gives for that query, bit for bit (the multi-query kernel keeps scan_f32's sums, see scanManyBody), three
   * queries per pass over a chunk of rows, with cache blocking (MANY_GROUP_BYTES). Elsewhere the JavaScript kernel
   * scores one query at a time (float64 sums, rounded to float32 on store). With `from`, the rows scanned are
   * from .. from + count - 1 (out[q x count + r - from]): a Gram matrix scans only its upper half.
   */
  scanMany(queries: Float32Array, queryCount: number, count: number, out: Float32Array, from = 0): void {
    const width = this.width;
    if (queries.length < queryCount * width) throw new RangeError(`WasmRows.scanMany: expected ${queryCount} x ${width} query floats, found ${queries.length}`);
    if (out.length < queryCount * count) throw new RangeError(`WasmRows.scanMany: expected room for ${queryCount} x ${count} scores, found ${out.length}`);
    if (!Number.isInteger(from) || from < 0 || from + count > this.capacityRows) {
      throw new RangeError(`WasmRows.scanMany: rows ${from} to ${from + count - 1} are outside the store's ${this.capacityRows}`);
    }
    const fns = this.scanManyFns;
    if (!fns) {
      const scores = new Float64Array(from + count);
      for (let q = 0; q < queryCount; q++) {
        this.scanRuns(queries.subarray(q * width, (q + 1) * width), [from], [count], scores, width);
        for (let r = 0; r < count; r++) out[q * count + r] = scores[from + r];
      }
      return;
    }
    if (!this.manyRegion) {
      this.manyRegion = true;
      this.resize(this.capacityRows);
    }
    const group = this.manyGroup;
    const chunk = this.manyChunk;
    const rowBytes = width * 4;
    const queryBase = this.manyQueryView.byteOffset;
    const outBase = this.manyOutView.byteOffset;
    const scratch = this.manyOutView;
    for (let g = 0; g < queryCount; g += group) {
      const inGroup = Math.min(group, queryCount - g);
      this.manyQueryView.set(queries.subarray(g * width, (g + inGroup) * width));
      for (let c = 0; c < count; c += chunk) {
        const rows = Math.min(chunk, count - c);
        for (let b = 0; b < inGroup; b += SCAN_MANY_BLOCK) {
          const n = Math.min(SCAN_MANY_BLOCK, inGroup - b);
          fns[n - 1]((from + c) * rowBytes, queryBase + b * rowBytes, rows, rowBytes, outBase + b * chunk * 4, rowBytes, chunk * 4, rowBytes);
        }
        for (let j = 0; j < inGroup; j++) out.set(scratch.subarray(j * chunk, j * chunk + rows), (g + j) * count + c);
      }
    }
  }

  /** Rows of b per tile of cross() (a multiple of 3). */
  private get crossTile(): number {
    return Math.max(3, Math.floor(CROSS_TILE_BYTES / (this.width * 4) / 3) * 3);
  }

  /**
   * out[i x bCount + j] = row (aFirst + i) · row (bFirst + j) for i < aCount, j < bCount: dot products between two
   * runs of this store's own rows (a block of a Gram matrix when the runs overlap; C Q when one run holds C's rows
   * and the other Q's). A float32 store with SIMD sums each pair in float32 by cross_f32_3x3 (nine pairs per pass
   * over three rows of each run, cache-blocked), so a score differs from scan()'s by float32 rounding (~1e-7
   * relative): for dense linear algebra, not search. Pairs left over from whole 3 x 3 blocks, and stores without
   * that kernel, are scored by the one-query kernel (scan()'s).
   */
  cross(aFirst: number, aCount: number, bFirst: number, bCount: number, out: Float32Array): void {
    for (const [first, count, run] of [[aFirst, aCount, 'a'], [bFirst, bCount, 'b']] as const) {
      if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > this.capacityRows) {
        throw new RangeError(`WasmRows.cross: run ${run} (rows ${first} to ${first + count - 1}) is outside the store's ${this.capacityRows} rows`);
      }
    }
    if (out.length < aCount * bCount) throw new RangeError(`WasmRows.cross: expected room for ${aCount} x ${bCount} products, found ${out.length}`);
    if (this.type !== 'f32') throw new RangeError('WasmRows.cross: float32 stores only');
    const width = this.width;
    const fn = this.crossFn;
    if (!fn) {
      const scores = new Float64Array(bFirst + bCount);
      for (let i = 0; i < aCount; i++) {
        const row = (this.rowsView as Float32Array).slice((aFirst + i) * width, (aFirst + i + 1) * width);
        this.scanRuns(row, [bFirst], [bCount], scores, width);
        for (let j = 0; j < bCount; j++) out[i * bCount + j] = scores[bFirst + j];
      }
      return;
    }
    if (!this.crossRegion) {
      this.crossRegion = true;
      this.resize(this.capacityRows);
    }
    const rowBytes = width * 4;
    const tile = this.crossTile;
    const scratch = this.crossOutView;
    const scores = this.scoresView;
    // One row scored against a run by the one-query kernel: out[at + t x step] for t < count.
    const leftover = (row: number, first: number, count: number, at: number, step: number) => {
      this.queryView.set(this.rowsView.subarray(row * width, (row + 1) * width) as Float32Array);
      this.scanFn!(first * rowBytes, this.queryView.byteOffset, count, rowBytes, scores.byteOffset, rowBytes);
      for (let t = 0; t < count; t++) out[at + t * step] = scores[t];
    };
    for (let j0 = 0; j0 < bCount; j0 += tile) {
      const nb = Math.min(tile, bCount - j0);
      const nb3 = nb - (nb % 3);
      for (let i0 = 0; i0 < aCount; i0 += CROSS_A_BLOCK) {
        const na = Math.min(CROSS_A_BLOCK, aCount - i0);
        const na3 = na - (na % 3);
        if (na3 > 0 && nb3 > 0) {
          fn((aFirst + i0) * rowBytes, (bFirst + j0) * rowBytes, na3, nb3, rowBytes, scratch.byteOffset, tile * 4);
          for (let i = 0; i < na3; i++) out.set(scratch.subarray(i * tile, i * tile + nb3), (i0 + i) * bCount + j0);
        }
        // The last one or two a rows of the block against the tile, then the tile's last b rows against the rest.
        for (let i = na3; i < na; i++) leftover(aFirst + i0 + i, bFirst + j0, nb, (i0 + i) * bCount + j0, 1);
        for (let j = nb3; j < nb; j++) if (na3 > 0) leftover(bFirst + j0 + j, aFirst + i0, na3, i0 * bCount + j0 + j, bCount);
      }
    }
  }

  /**
   * For a store of bit codes (type 'i8', `width` bytes per row): out[r] = -(Hamming distance between row r's bits
   * and `query`'s first `width` bytes), for the first `count` rows, by the WebAssembly i64.popcnt kernel. Returns
   * false, writing nothing, where that kernel is not bound (no WebAssembly, or a row not a multiple of 8 bytes):
   * the caller then scans in JavaScript.
   */
  hamming(query: Uint8Array, count: number, out: Float64Array): boolean {
    const fn = this.hammingFn;
    if (!fn) return false;
    new Uint8Array(this.queryView.buffer, this.queryView.byteOffset, this.width).set(query.subarray(0, this.width));
    fn(0, this.queryView.byteOffset, count, this.width, this.scoresI32View.byteOffset, this.width);
    const distances = this.scoresI32View;
    for (let r = 0; r < count; r++) out[r] = -distances[r];
    return true;
  }

  /**
   * out[r] = row r · query for each row r of `rows` (ascending; other entries of `out` are left as they are): a
   * filtered search scans only its matching rows. Adjacent rows are scanned as one run, each run by the same kernel
   * call a full scan makes, so a row's score is the one scan() gives it (bit for bit with the SIMD kernel).
   */
  scanRows(query: Float32Array, rows: Int32Array, out: Float64Array, prefix = this.width): void {
    const starts: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < rows.length; ) {
      let j = i + 1;
      while (j < rows.length && rows[j] === rows[j - 1] + 1) j++;
      starts.push(rows[i]);
      counts.push(j - i);
      i = j;
    }
    this.scanRuns(query, starts, counts, out, prefix);
  }

  /** Scans runs of adjacent rows: run i is rows starts[i] .. starts[i] + counts[i] - 1. */
  private scanRuns(query: Float32Array, starts: readonly number[], counts: readonly number[], out: Float64Array, prefix: number): void {
    const bytes = this.elementBytes();
    const runs = starts.length;
    if (!this.scanFn || (prefix * bytes) % 64 !== 0) {
      const rows = this.rowsView;
      for (let i = 0; i < runs; i++) {
        const from = starts[i] * this.width;
        const at = out.subarray(starts[i]);
        if (rows instanceof Int8Array) dotRowsInt8(rows.subarray(from), this.width, counts[i], query, at, prefix);
        else dotRowsFloat32(rows.subarray(from), this.width, counts[i], query, at, prefix);
      }
      return;
    }
    const stride = this.width * bytes;
    if (this.type === 'i8') {
      // The int8 kernel's scan: the query is rounded to int16 on a grid of step s = max|q| / qMax, the dot products
      // are exact int32 sums, and out[r] = s x sum. qMax keeps every sum inside int32 (|code| <= 128), so the only
      // error is the query's rounding: |out[r] - row r · q| <= (s / 2) Σ_i |row r [i]| (see `int16QueryStep`).
      const step = int16QueryStep(query, prefix);
      const q16 = this.queryI16View;
      if (step !== 0) for (let i = 0; i < prefix; i++) q16[i] = Math.round(query[i] / step);
      const sums = this.scoresI32View;
      for (let i = 0; i < runs; i++) {
        const start = starts[i];
        const end = start + counts[i];
        if (step === 0) {
          out.fill(0, start, end);
          continue;
        }
        this.scanFn(start * stride, q16.byteOffset, counts[i], prefix, sums.byteOffset + start * 4, stride);
        for (let r = start; r < end; r++) out[r] = sums[r] * step;
      }
      return;
    }
    this.queryView.set(query.subarray(0, this.width));
    const scores = this.scoresView;
    for (let i = 0; i < runs; i++) {
      const start = starts[i];
      const end = start + counts[i];
      this.scanFn(start * stride, this.queryView.byteOffset, counts[i], prefix * bytes, scores.byteOffset + start * 4, stride);
      for (let r = start; r < end; r++) out[r] = scores[r];
    }
  }

  private elementBytes(): number {
    return this.type === 'f32' ? 4 : 1;
  }

  private layoutBytes(capacity: number): number {
    const many = this.manyRegion ? this.manyGroup * (this.width + this.manyChunk) * 4 : 0;
    const cross = this.crossRegion ? CROSS_A_BLOCK * this.crossTile * 4 : 0;
    return Math.ceil((capacity * this.width * this.elementBytes()) / 4) * 4 + this.width * 4 + capacity * 4 + many + cross;
  }

  private bind(simd: boolean): void {
    const module = simd ? simdModule() : null;
    const scans = (this.width * this.elementBytes()) % 64 === 0;
    // The Hamming kernel (no SIMD in it, but the same module) needs byte rows of whole i64s.
    const hamming = this.type === 'i8' && this.width % 8 === 0;
    this.scanFn = undefined;
    this.scanManyFns = undefined;
    this.crossFn = undefined;
    this.hammingFn = undefined;
    if (!module || (!scans && !hamming)) return;
    const exports = new wasm!.Instance(module, { env: { memory: this.memory } }).exports;
    if (hamming) this.hammingFn = exports[this.width % 32 === 0 ? 'hamming_x4' : 'hamming_x1'] as ScanFunction;
    if (!scans) return;
    this.scanFn = (this.type === 'f32' ? exports.scan_f32 : exports.scan_i8) as ScanFunction;
    if (this.type === 'f32') {
      this.scanManyFns = [1, 2, 3].map((n) => exports[`scan_f32_q${n}`] as ScanManyFunction);
      this.crossFn = exports.cross_f32_3x3 as CrossFunction;
    }
  }

  private views(): void {
    const buffer = this.memory.buffer;
    const rowBytes = this.capacityRows * this.width * this.elementBytes();
    this.rowsView = this.type === 'f32' ? new Float32Array(buffer, 0, this.capacityRows * this.width) : new Int8Array(buffer, 0, this.capacityRows * this.width);
    // Float32 scratch must be 4-byte aligned; int8 rows can end anywhere.
    const queryOffset = Math.ceil(rowBytes / 4) * 4;
    this.queryView = new Float32Array(buffer, queryOffset, this.width);
    this.scoresView = new Float32Array(buffer, queryOffset + this.width * 4, this.capacityRows);
    this.queryI16View = new Int16Array(buffer, queryOffset, this.width);
    this.scoresI32View = new Int32Array(buffer, queryOffset + this.width * 4, this.capacityRows);
    const manyOffset = queryOffset + this.width * 4 + this.capacityRows * 4;
    const manyBytes = this.manyRegion ? this.manyGroup * (this.width + this.manyChunk) * 4 : 0;
    if (this.manyRegion) {
      this.manyQueryView = new Float32Array(buffer, manyOffset, this.manyGroup * this.width);
      this.manyOutView = new Float32Array(buffer, manyOffset + this.manyGroup * this.width * 4, this.manyGroup * this.manyChunk);
    }
    if (this.crossRegion) this.crossOutView = new Float32Array(buffer, manyOffset + manyBytes, CROSS_A_BLOCK * this.crossTile);
  }
}

/**
 * The int16 grid step for a query scanned against int8 rows: max|q_i| / qMax over the first `prefix` coordinates
 * (0 for an all-zero query), with qMax = min(32767, floor((2^31 - 1) / (128 x prefix))) so that no sum of `prefix`
 * products of an int8 code and an int16 query value can leave int32.
 */
export function int16QueryStep(query: ArrayLike<number>, prefix: number): number {
  let maxAbs = 0;
  for (let i = 0; i < prefix; i++) {
    const a = Math.abs(query[i]);
    if (a > maxAbs) maxAbs = a;
  }
  const qMax = Math.min(32767, Math.floor(0x7fffffff / (128 * prefix)));
  return maxAbs / qMax;
}
