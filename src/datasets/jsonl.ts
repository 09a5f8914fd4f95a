/**
 * JSON Lines in and out: a streaming reader that validates every record against a zod schema and reports a broken
 * line by file and 1-based line number, and an atomic writer.
 *
 * Format read (used for datasets and, later, query traces):
 * - one JSON value per line, UTF-8, `\n` or `\r\n` line ends; a UTF-8 byte-order mark on the first line is ignored;
 * - a blank line (empty or only whitespace) is skipped;
 * - a comment line, whose first non-whitespace character is `#`, is skipped. No JSON value can start with `#`, so
 *   this never hides a record. Comments are whole lines only: `{"id": "a"} # note` is invalid JSON.
 * Skipped lines still count, so the line numbers in errors are the ones an editor shows.
 */
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ZodType } from 'zod';
import { DatasetError, OptionError } from '../errors.ts';

export interface ReadJsonlOptions {
  /**
   * Stop after this many records (lines after the last one read are not parsed or checked).
   * Default: no limit. Must be a non-negative integer.
   */
  limit?: number;
  /** Aborts the read; the reader rejects with the signal's reason. Default: none. */
  signal?: AbortSignal;
}

/** A validated record and the 1-based line it came from, so callers can report later checks by line too. */
export interface JsonlEntry<T> {
  line: number;
  value: T;
}

/**
 * Streams `file` line by line, yielding each record that `schema` accepts with its line number.
 * Throws `DatasetError` (exit code 2) on the first broken line, or when the file cannot be opened.
 */
export async function* iterateJsonl<T>(
  file: string,
  schema: ZodType<T>,
  options: ReadJsonlOptions = {},
): AsyncGenerator<JsonlEntry<T>, void, undefined> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (options.limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new OptionError('limit', 'a non-negative integer', options.limit);
  }
  options.signal?.throwIfAborted();
  if (limit === 0) return;

  const handle = await openForReading(file);
  // The stream owns the handle from here and closes it when it ends or is destroyed.
  const stream = handle.createReadStream({ encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  let count = 0;
  try {
    for await (const raw of lines) {
      lineNumber++;
      options.signal?.throwIfAborted();
      const text = lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      const trimmed = text.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      yield { line: lineNumber, value: parseLine(file, lineNumber, trimmed, schema) };
      if (++count >= limit) return;
    }
  } catch (error) {
    if (error instanceof DatasetError || options.signal?.aborted) throw error;
    const where = { file, line: lineNumber + 1 };
    throw new DatasetError(where, `cannot read: ${(error as Error).message}`, { cause: error });
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** Reads every record of `file` (see `iterateJsonl`), in file order. */
export async function readJsonl<T>(file: string, schema: ZodType<T>, options: ReadJsonlOptions = {}): Promise<T[]> {
  const records: T[] = [];
  for await (const entry of iterateJsonl(file, schema, options)) records.push(entry.value);
  return records;
}

/** One record as a JSONL line, newline included. `writeJsonlAtomic` writes exactly these bytes. */
export function toJsonlLine(record: unknown): string {
  const json = JSON.stringify(record);
  if (json === undefined) throw new TypeError(`cannot write ${typeof record} as a JSON line`);
  return `${json}\n`;
}

/**
 * Writes `records` as JSONL to `file` atomically: the lines go to a temporary file in the same directory, which is
 * flushed to disk and then renamed over `file`. A reader sees the old file or the complete new one, never a part.
 * If anything fails (a record that cannot be serialized, an iterator that throws, a full disk), the temporary file
 * is removed, `file` is left as it was, and the error is rethrown.
 */
export async function writeJsonlAtomic(
  file: string,
  records: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  const handle = await open(temp, 'wx');
  let closed = false;
  try {
    let buffer = '';
    for await (const record of records) {
      buffer += toJsonlLine(record);
      if (buffer.length >= 1 << 16) {
        await handle.writeFile(buffer, 'utf8');
        buffer = '';
      }
    }
    if (buffer) await handle.writeFile(buffer, 'utf8');
    await handle.sync();
    await handle.close();
    closed = true;
    await rename(temp, file);
  } catch (error) {
    if (!closed) await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/** A missing file's message: a relative path is resolved against the working directory, so say which path was tried. */
function notFound(file: string): string {
  return `file not found${triedPath(file)}`;
}

/** For a relative path: ' (relative paths are read from the working directory: tried /abs/path)'; else ''. */
export function triedPath(file: string): string {
  return isAbsolute(file) ? '' : ` (relative paths are read from the working directory: tried ${resolve(file)})`;
}

async function openForReading(file: string): Promise<FileHandle> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new DatasetError({ file }, 'is a directory, expected a JSONL file');
    return await open(file, 'r');
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? notFound(file) : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new DatasetError({ file }, `cannot open the file: ${reason}`, { cause: error });
  }
}

function parseLine<T>(file: string, line: number, text: string, schema: ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetError({ file, line }, `invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue, ...rest] = result.error.issues;
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''} on this line)` : '';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `'${key}'`).join(', ');
    const field = formatPath([...issue.path, issue.keys[0]]);
    throw new DatasetError({ file, line, field }, `unexpected field${issue.keys.length > 1 ? 's' : ''} ${keys}${more}`);
  }
  const field = issue.path.length > 0 ? formatPath(issue.path) : undefined;
  const found = valueAt(value, issue.path);
  if (issue.code === 'invalid_type') {
    const problem =
      found === undefined
        ? `missing, expected ${issue.expected}`
        : `expected ${issue.expected}, found ${describeValue(found)}`;
    throw new DatasetError({ file, line, field }, `${problem}${more}`);
  }
  const expected = issue.message.replace(/^Invalid input: /, '');
  throw new DatasetError({ file, line, field }, `${expected}, found ${describeValue(found)}${more}`);
}

/** `["items", 0, "text"]` -> `items[0].text`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** A short description of a found value, for "expected X, found Y". */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const json = JSON.stringify(value);
  const shown = json.length > 40 ? `${json.slice(0, 37)}...` : json;
  return `${typeof value} ${shown}`;
}
