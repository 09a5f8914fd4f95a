/**
 * Users' own vectors: the file formats people already have, read into one row-major Float32Array and checked row
 * by row before anything is measured.
 *
 * Formats (chosen by extension, or `format`):
 * - `.npy`: NumPy, 2-D, little-endian float32 (`<f4`) or float16 (`<f2`), C order. Anything else (big-endian,
 *   float64, Fortran order, 1-D or 3-D, a truncated body) is a clear error.
 * - `.fvecs`: the ANN benchmarks' format: per row an int32 width (little-endian), then that many float32.
 * - raw little-endian float32, any other extension (e.g. `.f32`, `.bin`), with a JSON sidecar `<file>.json`
 *   holding `{"n": rows, "dim": width}`.
 * - `.jsonl`: one JSON object per line with an `embedding` array of numbers (other fields are ignored); blank and
 *   `#` comment lines are skipped as in every memopt JSONL file.
 *
 * Every row must have the file's width, finite values and a non-zero norm; the first one that does not is a
 * DatasetError (exit code 2) naming the file and the row (0-based, as NumPy counts) or, for JSONL, the line.
 * Files are read whole into memory (fine up to a few GB; Node's Buffer limit is the bound).
 */
import { readFile, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { extname } from 'node:path';
import { z } from 'zod';
import { DatasetError, OptionError } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { fromFloat16Bits, toFloat16Bits } from '../util/float16.ts';
import { iterateJsonl, triedPath } from './jsonl.ts';
import { takeSample } from './load.ts';

export type VectorFileFormat = 'npy' | 'fvecs' | 'raw-f32' | 'jsonl';

/** Vectors read from a file: `rows` x `dim`, row-major, float32. */
export interface VectorMatrix {
  /** The file they came from (for messages). */
  file: string;
  format: VectorFileFormat;
  rows: number;
  dim: number;
  data: Float32Array;
  /** Element type on disk: float16 rows are widened to float32 exactly. */
  storedAs: 'float32' | 'float16';
}

export interface ReadVectorFileOptions {
  /** The format; default: from the extension (`.npy`, `.fvecs`, `.jsonl`, anything else raw float32 + sidecar). */
  format?: VectorFileFormat;
  /** Required width; a file of another width is an error. Default: any width. */
  dim?: number;
}

/** The format a file name implies (see the module comment). */
export function formatOf(file: string): VectorFileFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.fvecs') return 'fvecs';
  if (ext === '.jsonl') return 'jsonl';
  return 'raw-f32';
}

/** Reads and checks a vector file; a DatasetError (exit 2) names the file and the row or line of the first problem. */
export async function readVectorFile(file: string, options: ReadVectorFileOptions = {}): Promise<VectorMatrix> {
  if (options.dim !== undefined && !(Number.isInteger(options.dim) && options.dim > 0)) {
    throw new OptionError('dim', 'a positive integer', options.dim);
  }
  const format = options.format ?? formatOf(file);
  const matrix =
    format === 'jsonl' ? await readJsonlVectors(file) : parseBinary(file, format, await readWhole(file), await sidecar(file, format));
  if (options.dim !== undefined && matrix.dim !== options.dim) {
    throw new DatasetError({ file }, `rows have ${matrix.dim} dimensions, expected ${options.dim}`);
  }
  checkRows(matrix, format === 'jsonl' ? matrix.lines : undefined);
  return matrix;
}

/** What `validateVectorFile` found: enough for a harness to plan a run without keeping the vectors. */
export interface VectorFileSummary {
  file: string;
  format: VectorFileFormat;
  rows: number;
  dim: number;
  storedAs: 'float32' | 'float16';
}

/** Checks a file as `readVectorFile` does and returns its shape only (the harness's pre-run check). */
export async function validateVectorFile(file: string, options: ReadVectorFileOptions = {}): Promise<VectorFileSummary> {
  const { format, rows, dim, storedAs } = await readVectorFile(file, options);
  return { file, format, rows, dim, storedAs };
}

/** Where base and query vectors come from: two files, or one file and a seeded held-out share of its rows. */
export type VectorSetsSource =
  | { base: string; queries: string; format?: VectorFileFormat }
  | { base: string; holdOut: { count: number; seed: number }; format?: VectorFileFormat };

export interface VectorSets {
  base: VectorMatrix;
  queries: VectorMatrix;
  /** For a held-out split: the rows of the file that became queries (0-based, ascending). */
  heldOutRows?: number[];
}

/**
 * Base and query vectors, checked: both of one width. A held-out split takes `count` rows chosen from `seed` (the
 * same seed gives the same split) out of the base as queries.
 */
export async function loadVectorSets(source: VectorSetsSource): Promise<VectorSets> {
  const base = await readVectorFile(source.base, { format: source.format });
  if ('queries' in source) {
    const queries = await readVectorFile(source.queries, { format: source.format });
    if (queries.dim !== base.dim) {
      throw new DatasetError({ file: source.queries }, `rows have ${queries.dim} dimensions, but the base file ${source.base} has ${base.dim}`);
    }
    return { base, queries };
  }
  const { count, seed } = source.holdOut;
  if (!Number.isInteger(count) || count < 1 || count >= base.rows) {
    throw new OptionError('holdOut.count', `an integer from 1 to ${base.rows - 1} (rows of ${source.base})`, count);
  }
  if (!Number.isInteger(seed)) throw new OptionError('holdOut.seed', 'an integer', seed);
  const held = heldOutRows(base.rows, count, seed);
  const isHeld = new Uint8Array(base.rows);
  for (const row of held) isHeld[row] = 1;
  const keep = base.rows - count;
  const baseData = new Float32Array(keep * base.dim);
  const queryData = new Float32Array(count * base.dim);
  let b = 0;
  let q = 0;
  for (let row = 0; row < base.rows; row++) {
    const slice = base.data.subarray(row * base.dim, (row + 1) * base.dim);
    if (isHeld[row]) queryData.set(slice, q++ * base.dim);
    else baseData.set(slice, b++ * base.dim);
  }
  return {
    base: { ...base, rows: keep, data: baseData },
    queries: { ...base, rows: count, data: queryData },
    heldOutRows: held,
  };
}

/** `count` distinct rows of `rows`, drawn from `seed` (takeSample over the row numbers), ascending. */
function heldOutRows(rows: number, count: number, seed: number): number[] {
  return takeSample(Array.from({ length: rows }, (_, i) => i), count, seed);
}

// ---------------------------------------------------------------------------------------------------------------
// Writing .npy (the shipped corpus vectors, tests)

/** A 2-D little-endian C-order .npy file (format version 1.0) of `rows` x `dim` values as float32 or float16. */
export function encodeNpy(data: ArrayLike<number>, rows: number, dim: number, dtype: 'float32' | 'float16'): Uint8Array {
  if (data.length !== rows * dim) throw new OptionError('data.length', `rows * dim = ${rows * dim}`, data.length);
  const descr = dtype === 'float32' ? '<f4' : '<f2';
  const itemSize = dtype === 'float32' ? 4 : 2;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  // Magic (6) + version (2) + length (2) + header + '\n' is padded with spaces to a multiple of 64 bytes.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + rows * dim * itemSize);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const offset = 10 + header.length;
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'float32') view.setFloat32(offset + 4 * i, data[i], true);
    else view.setUint16(offset + 2 * i, toFloat16Bits(data[i]), true);
  }
  return out;
}

/** Writes `encodeNpy(...)` to `file` atomically. */
export function writeNpy(file: string, data: ArrayLike<number>, rows: number, dim: number, dtype: 'float32' | 'float16'): Promise<void> {
  return writeFileAtomic(file, encodeNpy(data, rows, dim, dtype));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

async function readWhole(file: string): Promise<Uint8Array> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new DatasetError({ file }, 'is a directory, expected a vector file');
    return new Uint8Array(await readFile(file));
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    const tried = (error as NodeJS.ErrnoException).code === 'ENOENT' ? triedPath(file) : '';
    throw new DatasetError({ file }, `cannot read: ${(error as Error).message}${tried}`, { cause: error });
  }
}

const SidecarSchema = z.strictObject({ n: z.number().int().nonnegative(), dim: z.number().int().positive() });

async function sidecar(file: string, format: VectorFileFormat): Promise<{ n: number; dim: number } | undefined> {
  if (format !== 'raw-f32') return undefined;
  const sidecarFile = `${file}.json`;
  let text: string;
  try {
    text = await readFile(sidecarFile, 'utf8');
  } catch (error) {
    throw new DatasetError(
      { file },
      `raw float32 needs a JSON sidecar ${sidecarFile} with {"n": rows, "dim": width} (${(error as Error).message})`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetError({ file: sidecarFile }, `invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = SidecarSchema.safeParse(json);
  if (!parsed.success) {
    throw new DatasetError({ file: sidecarFile }, `expected {"n": rows (integer >= 0), "dim": width (integer >= 1)}, found ${text.trim().slice(0, 200)}`);
  }
  return parsed.data;
}

type ParsedMatrix = VectorMatrix & { lines?: number[] };

function parseBinary(file: string, format: VectorFileFormat, bytes: Uint8Array, side: { n: number; dim: number } | undefined): ParsedMatrix {
  if (format === 'npy') return parseNpy(file, bytes);
  if (format === 'fvecs') return parseFvecs(file, bytes);
  const { n, dim } = side!;
  if (bytes.byteLength !== n * dim * 4) {
    throw new DatasetError({ file }, `holds ${bytes.byteLength} bytes, but its sidecar says ${n} x ${dim} float32 = ${n * dim * 4} bytes`);
  }
  return { file, format, rows: n, dim, data: float32FromLittleEndian(bytes, 0, n * dim), storedAs: 'float32' };
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** Parses a .npy file; see the module comment for what is accepted. */
export function parseNpy(file: string, bytes: Uint8Array): VectorMatrix {
  if (bytes.byteLength < 10 || NPY_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DatasetError({ file }, 'not a NumPy .npy file (no \\x93NUMPY magic at the start)');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.byteLength < 12) throw new DatasetError({ file }, 'truncated .npy header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new DatasetError({ file }, `unsupported .npy format version ${major}.${bytes[7]} (expected 1, 2 or 3)`);
  }
  if (headerStart + headerLength > bytes.byteLength) throw new DatasetError({ file }, 'truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DatasetError({ file }, `unreadable .npy header ${JSON.stringify(header.trim())}`);
  }
  let storedAs: 'float32' | 'float16';
  if (descr === '<f4') storedAs = 'float32';
  else if (descr === '<f2') storedAs = 'float16';
  else {
    const hint = descr.startsWith('>') ? ' (big-endian: convert with arr.astype("<f4"))' : descr.endsWith('f8') ? ' (float64: convert with arr.astype("<f4"))' : '';
    throw new DatasetError({ file }, `dtype '${descr}' is not supported: expected little-endian float32 '<f4' or float16 '<f2'${hint}`);
  }
  if (fortran === 'True') {
    throw new DatasetError({ file }, 'is in Fortran (column-major) order: expected C order (save np.ascontiguousarray(arr))');
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.length !== 2 || shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new DatasetError({ file }, `shape (${shapeText.trim()}) is not 2-D: expected (rows, dim)`);
  }
  const [rows, dim] = shape;
  if (dim === 0) throw new DatasetError({ file }, `shape (${rows}, 0): rows have no dimensions`);
  const dataStart = headerStart + headerLength;
  const itemSize = storedAs === 'float32' ? 4 : 2;
  const expected = rows * dim * itemSize;
  if (bytes.byteLength - dataStart !== expected) {
    throw new DatasetError({ file }, `body holds ${bytes.byteLength - dataStart} bytes, but shape (${rows}, ${dim}) of '${descr}' needs ${expected} (truncated or trailing data)`);
  }
  let data: Float32Array;
  if (storedAs === 'float32') data = float32FromLittleEndian(bytes, dataStart, rows * dim);
  else {
    data = new Float32Array(rows * dim);
    for (let i = 0; i < data.length; i++) data[i] = fromFloat16Bits(view.getUint16(dataStart + 2 * i, true));
  }
  return { file, format: 'npy', rows, dim, data, storedAs };
}

function parseFvecs(file: string, bytes: Uint8Array): VectorMatrix {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new DatasetError({ file }, 'empty .fvecs file: expected at least one row');
  const dim = view.getInt32(0, true);
  if (dim < 1) throw new DatasetError({ file }, `row 0: width ${dim}, expected a positive int32 (is this really .fvecs?)`);
  const stride = 4 + 4 * dim;
  if (bytes.byteLength % stride !== 0) {
    const rowsSeen = Math.floor(bytes.byteLength / stride);
    // A width field that differs is the likelier cause than a truncated tail: name it when it is the one.
    for (let row = 0; row < rowsSeen; row++) checkFvecsWidth(file, view, row, stride, dim);
    throw new DatasetError({ file }, `${bytes.byteLength} bytes is not a whole number of rows of ${dim} dimensions (${stride} bytes each): row ${rowsSeen} is truncated`);
  }
  const rows = bytes.byteLength / stride;
  const data = new Float32Array(rows * dim);
  for (let row = 0; row < rows; row++) {
    checkFvecsWidth(file, view, row, stride, dim);
    const base = row * stride + 4;
    for (let j = 0; j < dim; j++) data[row * dim + j] = view.getFloat32(base + 4 * j, true);
  }
  return { file, format: 'fvecs', rows, dim, data, storedAs: 'float32' };
}

function checkFvecsWidth(file: string, view: DataView, row: number, stride: number, dim: number): void {
  const width = view.getInt32(row * stride, true);
  if (width !== dim) throw new DatasetError({ file }, `row ${row}: width ${width}, expected ${dim} (the width of row 0)`);
}

function float32FromLittleEndian(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (endianness() === 'LE') {
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 4));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
  }
  return out;
}

const JsonlVectorSchema = z.looseObject({ embedding: z.array(z.number()).min(1) });

async function readJsonlVectors(file: string): Promise<ParsedMatrix> {
  await readWhole(file).then(() => undefined); // same missing-file / directory messages as the binary formats
  const rowsData: number[][] = [];
  const lines: number[] = [];
  let dim = 0;
  for await (const { line, value } of iterateJsonl(file, JsonlVectorSchema)) {
    if (rowsData.length === 0) dim = value.embedding.length;
    else if (value.embedding.length !== dim) {
      throw new DatasetError({ file, line, field: 'embedding' }, `row ${rowsData.length} has ${value.embedding.length} dimensions, expected ${dim} (the width of the first row)`);
    }
    rowsData.push(value.embedding);
    lines.push(line);
  }
  if (rowsData.length === 0) throw new DatasetError({ file }, 'no rows: expected one JSON object with an `embedding` array per line');
  const data = new Float32Array(rowsData.length * dim);
  rowsData.forEach((row, i) => data.set(row, i * dim));
  // Values JSON holds but float32 cannot (e.g. 1e39) become Infinity here and are caught by checkRows.
  return { file, format: 'jsonl', rows: rowsData.length, dim, data, storedAs: 'float32', lines };
}

/** NaN, Infinity and zero-norm rows are errors naming the row (and the line, for JSONL). */
function checkRows(matrix: ParsedMatrix, lines: number[] | undefined): void {
  const { file, rows, dim, data } = matrix;
  if (rows === 0) throw new DatasetError({ file }, 'no rows');
  for (let row = 0; row < rows; row++) {
    let sumSquares = 0;
    for (let j = 0; j < dim; j++) {
      const v = data[row * dim + j];
      if (!Number.isFinite(v)) {
        throw new DatasetError({ file, line: lines?.[row] }, `row ${row}, column ${j}: ${v} is not a finite number`);
      }
      sumSquares += v * v;
    }
    if (sumSquares === 0) throw new DatasetError({ file, line: lines?.[row] }, `row ${row}: zero vector (norm 0 has no direction for cosine)`);
  }
  delete matrix.lines;
}
