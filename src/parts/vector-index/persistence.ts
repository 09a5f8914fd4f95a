/**
 * CompressedIndex files: the fitted model and every stored vector, in one binary file that either loads exactly as
 * saved or fails with a message saying what is wrong. Never a silently different index.
 *
 * Layout (little-endian):
 *
 *     offset 0    8 bytes   magic "MEMOPTIX"
 *     offset 8    uint32    format version (INDEX_FILE_VERSION)
 *     offset 12   uint32    H, byte length of the header
 *     offset 16   H bytes   header, UTF-8 JSON: kind, totalBytes, widths, options, ids, each id's attributes
 *                           (namespace and metadata, or null; since version 3), and the section list
 *     ...                   sections in header order, each starting at a multiple of 8 (zero padding between)
 *     last 32 bytes         SHA-256 of every byte before it
 *
 * Loading checks, in order: the size can hold magic, version and checksum; the magic; the version; the checksum
 * (a mismatch is reported as truncation when the header's totalBytes disagrees with the size, else as corruption);
 * then the header against its schema; then every section's type and length against what the header's widths and
 * counts require. Only then are arrays built, and each float in them checked finite (naming the entry's id).
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError, OptionError } from '../../errors.ts';
import type { EntryAttributes } from '../../memory/types.ts';
import { writeFileAtomic } from '../../util/atomic-write.ts';
import { CompressedIndex, type CompressedState } from './compressed-index.ts';
import { PCA_METHODS, type PcaModel } from './pca.ts';
import { ScalarQuantizer } from './quantize.ts';

/** Version of the file layout this build writes and reads. Bump it on any change to the layout or header. */
export const INDEX_FILE_VERSION = 3;
/** Older versions this build still reads: version 2 lacks only the entries' attributes (they load with none). */
const READABLE_OLDER_VERSIONS = new Set([2]);
/** What each older, unreadable version lacks, for the message that refuses it. */
const OLDER_VERSIONS: Record<number, string> = {
  1: 'version 1 files have no mean terms (one float per vector, added in version 2); rebuild the index from its vectors and save it again',
};
const MAGIC = 'MEMOPTIX';
const PREFIX_BYTES = 16;
const CHECKSUM_BYTES = 32;
const KIND = 'memopt.compressed-index';

type SectionType = 'f32' | 'f64' | 'i8';
const BYTES: Record<SectionType, number> = { f32: 4, f64: 8, i8: 1 };

const sectionSchema = z.strictObject({
  name: z.string(),
  type: z.enum(['f32', 'f64', 'i8']),
  length: z.number().int().min(0),
});

const headerSchema = z.strictObject({
  kind: z.literal(KIND),
  totalBytes: z.number().int().min(0),
  dims: z.number().int().min(1),
  components: z.number().int().min(1),
  count: z.number().int().min(0),
  totalVariance: z.number().min(0),
  options: z.strictObject({
    precision: z.enum(['float32', 'int8']),
    rerank: z.union([z.literal(false), z.strictObject({ oversample: z.number().int().min(1), precision: z.enum(['float32', 'int8']) })]),
    prefilter: z.union([z.literal(false), z.strictObject({ components: z.number().int().min(1), candidates: z.number().int().min(1) })]),
    meanTerm: z.boolean(),
    fitMethod: z.enum(PCA_METHODS),
    fitSampleSize: z.number().int().min(2),
    seed: z.number().int(),
  }),
  ids: z.array(z.string()),
  /** Per id, in order: its namespace and metadata, or null (absent in version 2 files). */
  attributes: z
    .array(
      z.union([
        z.null(),
        z.strictObject({
          namespace: z.string().optional(),
          metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
        }),
      ]),
    )
    .optional(),
  sections: z.array(sectionSchema),
});
type Header = z.infer<typeof headerSchema>;

interface Section {
  name: string;
  type: SectionType;
  data: Float32Array | Float64Array | Int8Array;
}

/** The index as file bytes. */
export function serializeCompressedIndex(index: CompressedIndex): Uint8Array {
  assertLittleEndian();
  const { state, ids, attributes, codes, full, meanTerms } = index.snapshot();
  const { model, quantizer, rerankQuantizer } = state;
  const sections: Section[] = [
    { name: 'mean', type: 'f64', data: model.mean },
    { name: 'axes', type: 'f32', data: model.axes },
    { name: 'eigenvalues', type: 'f64', data: model.eigenvalues },
  ];
  if (quantizer) {
    sections.push({ name: 'quantizer.offset', type: 'f32', data: quantizer.offset }, { name: 'quantizer.scale', type: 'f32', data: quantizer.scale });
  }
  if (rerankQuantizer) {
    sections.push(
      { name: 'rerankQuantizer.offset', type: 'f32', data: rerankQuantizer.offset },
      { name: 'rerankQuantizer.scale', type: 'f32', data: rerankQuantizer.scale },
    );
  }
  sections.push({ name: 'codes', type: codes instanceof Int8Array ? 'i8' : 'f32', data: codes });
  if (meanTerms) sections.push({ name: 'meanTerm', type: 'f32', data: meanTerms });
  if (full) sections.push({ name: 'residual', type: full instanceof Int8Array ? 'i8' : 'f32', data: full });

  const { options } = index;
  const header: Header = {
    kind: KIND,
    totalBytes: 0,
    dims: model.dims,
    components: model.components,
    count: ids.length,
    totalVariance: model.totalVariance,
    options: {
      precision: options.precision,
      rerank: options.rerank ?? false,
      prefilter: options.prefilter ?? false,
      meanTerm: options.meanTerm,
      fitMethod: options.fitMethod,
      fitSampleSize: options.fitSampleSize,
      seed: options.seed,
    },
    ids: [...ids],
    attributes: attributes.map((a, row) => checkedAttributes(a, ids[row])),
    sections: sections.map((s) => ({ name: s.name, type: s.type, length: s.data.length })),
  };
  // totalBytes depends on the header's own length: grow the field until the sizes agree (two rounds at most).
  let encoded = new Uint8Array(0);
  let total = 0;
  for (let round = 0; round < 4; round++) {
    encoded = new TextEncoder().encode(JSON.stringify({ ...header, totalBytes: total }));
    const next = layoutSize(encoded.length, sections);
    if (next === total) break;
    total = next;
  }
  if (layoutSize(encoded.length, sections) !== total) throw new Error('serializeCompressedIndex: header size did not settle');
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, INDEX_FILE_VERSION, true);
  view.setUint32(12, encoded.length, true);
  bytes.set(encoded, PREFIX_BYTES);
  let offset = align8(PREFIX_BYTES + encoded.length);
  for (const section of sections) {
    bytes.set(new Uint8Array(section.data.buffer, section.data.byteOffset, section.data.byteLength), offset);
    offset = align8(offset + section.data.byteLength);
  }
  bytes.set(sha256(bytes.subarray(0, total - CHECKSUM_BYTES)), total - CHECKSUM_BYTES);
  return bytes;
}

/**
 * An entry's attributes as the header stores them (null: none). JSON cannot hold NaN or ±Infinity (they would be
 * written as null and refused on load), so such a metadata value fails the save, naming the entry, rather than
 * leaving a file that cannot be read back.
 */
function checkedAttributes(attributes: EntryAttributes | undefined, id: string): EntryAttributes | null {
  for (const [key, value] of Object.entries(attributes?.metadata ?? {})) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new OptionError(`metadata.${key} of entry ${JSON.stringify(id)}`, 'a finite number, a string or a boolean (index files are JSON)', value);
    }
  }
  return attributes ?? null;
}

/** Rebuilds an index from file bytes; `file` names the source in errors. */
export function deserializeCompressedIndex(bytes: Uint8Array, file = '<buffer>'): CompressedIndex {
  assertLittleEndian();
  const fail = (problem: string, field?: string): never => {
    throw new InputError({ file, field }, problem);
  };
  const minimum = PREFIX_BYTES + CHECKSUM_BYTES;
  if (bytes.length < minimum) fail(`truncated or not an index file: ${bytes.length} bytes, an index file has at least ${minimum}`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) fail(`not a memopt index file: expected magic "${MAGIC}", found ${JSON.stringify(magic)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== INDEX_FILE_VERSION && !READABLE_OLDER_VERSIONS.has(version)) {
    const why = OLDER_VERSIONS[version] ? `: ${OLDER_VERSIONS[version]}` : '';
    fail(`format version ${version}; this memopt reads versions ${[...READABLE_OLDER_VERSIONS, INDEX_FILE_VERSION].join(' and ')}${why}`, 'version');
  }
  const headerLength = view.getUint32(12, true);

  const checksumOk = equalBytes(sha256(bytes.subarray(0, bytes.length - CHECKSUM_BYTES)), bytes.subarray(bytes.length - CHECKSUM_BYTES));
  let raw: unknown;
  let headerError: string | undefined;
  if (PREFIX_BYTES + headerLength + CHECKSUM_BYTES > bytes.length) headerError = `header of ${headerLength} bytes runs past the end`;
  else {
    try {
      raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)));
    } catch (error) {
      headerError = `header is not valid JSON (${(error as Error).message})`;
    }
  }
  if (!checksumOk) {
    const declared = (raw as { totalBytes?: unknown } | undefined)?.totalBytes;
    if (typeof declared === 'number' && declared !== bytes.length) {
      fail(`truncated or extended: the header says ${declared} bytes, the file has ${bytes.length}`);
    }
    if (headerError && headerLength + minimum > bytes.length) fail(`truncated: ${headerError}`);
    fail('checksum mismatch: the file is corrupt (SHA-256 of its contents differs from the one stored at its end)');
  }
  if (headerError) fail(headerError, 'header');

  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(issue.message, ['header', ...issue.path.map(String)].join('.'));
  }
  const header = parsed.data!;
  if (header.totalBytes !== bytes.length) fail(`the header says ${header.totalBytes} bytes, the file has ${bytes.length}`, 'header.totalBytes');
  const { dims, components, count, options } = header;
  if (components > dims) fail(`${components} components for ${dims}-dimensional vectors`, 'header.components');
  if (header.ids.length !== count) fail(`expected ${count} ids, found ${header.ids.length}`, 'header.ids');
  if (new Set(header.ids).size !== count) fail('ids are not unique', 'header.ids');
  if (version < 3 && header.attributes !== undefined) fail(`version ${version} files carry no attributes; found some`, 'header.attributes');
  if (version >= 3 && header.attributes === undefined) fail(`version ${version} files carry every id's attributes; none found`, 'header.attributes');
  if (header.attributes !== undefined && header.attributes.length !== count) {
    fail(`expected attributes for ${count} ids, found ${header.attributes.length}`, 'header.attributes');
  }

  const expected: Array<{ name: string; type: SectionType; length: number }> = [
    { name: 'mean', type: 'f64', length: dims },
    { name: 'axes', type: 'f32', length: components * dims },
    { name: 'eigenvalues', type: 'f64', length: components },
  ];
  if (options.precision === 'int8') {
    expected.push({ name: 'quantizer.offset', type: 'f32', length: components }, { name: 'quantizer.scale', type: 'f32', length: components });
  }
  if (options.rerank && options.rerank.precision === 'int8') {
    expected.push({ name: 'rerankQuantizer.offset', type: 'f32', length: dims }, { name: 'rerankQuantizer.scale', type: 'f32', length: dims });
  }
  expected.push({ name: 'codes', type: options.precision === 'int8' ? 'i8' : 'f32', length: count * components });
  if (options.meanTerm) expected.push({ name: 'meanTerm', type: 'f32', length: count });
  if (options.rerank) expected.push({ name: 'residual', type: options.rerank.precision === 'int8' ? 'i8' : 'f32', length: count * dims });
  const describe = (list: ReadonlyArray<{ name: string; type: string; length: number }>) =>
    list.map((s) => `${s.name}:${s.type}[${s.length}]`).join(', ');
  if (describe(expected) !== describe(header.sections)) {
    fail(`expected sections ${describe(expected)}; found ${describe(header.sections)}`, 'header.sections');
  }
  if (layoutSize(headerLength, expected) !== bytes.length) {
    fail(`sections need ${layoutSize(headerLength, expected)} bytes in all, the file has ${bytes.length}`, 'header.sections');
  }

  const arrays = new Map<string, Float32Array | Float64Array | Int8Array>();
  let offset = align8(PREFIX_BYTES + headerLength);
  for (const section of expected) {
    const byteLength = section.length * BYTES[section.type];
    // A copy, so the arrays are aligned and independent of the file buffer. (Not bytes.slice(): on a Node Buffer
    // that is a view into a shared pool, and its .buffer is the whole pool.)
    const copyBytes = new Uint8Array(byteLength);
    copyBytes.set(bytes.subarray(offset, offset + byteLength));
    const copy = copyBytes.buffer;
    arrays.set(section.name, section.type === 'f64' ? new Float64Array(copy) : section.type === 'f32' ? new Float32Array(copy) : new Int8Array(copy));
    offset = align8(offset + byteLength);
  }
  // A checksum proves the file is as written, not that what was written is a number: a crafted file (NaN and a
  // recomputed checksum) would load and poison every score. Each float section is checked, and an entry's value
  // named by its id.
  const perEntry: Record<string, number> = { codes: components, meanTerm: 1, residual: dims };
  for (const section of expected) {
    if (section.type === 'i8') continue;
    const data = arrays.get(section.name) as Float32Array | Float64Array;
    for (let i = 0; i < data.length; i++) {
      if (Number.isFinite(data[i])) continue;
      const stride = perEntry[section.name];
      const where = stride === undefined ? `value ${i}` : `entry ${JSON.stringify(header.ids[Math.floor(i / stride)])} (value ${i % stride})`;
      fail(`${section.name} holds a non-finite number (${data[i]}) at ${where}: an index file holds finite numbers only`, `sections.${section.name}`);
    }
  }
  const model: PcaModel = {
    dims,
    components,
    mean: arrays.get('mean') as Float64Array,
    axes: arrays.get('axes') as Float32Array,
    eigenvalues: arrays.get('eigenvalues') as Float64Array,
    totalVariance: header.totalVariance,
  };
  const state: CompressedState = {
    model,
    quantizer:
      options.precision === 'int8'
        ? new ScalarQuantizer(arrays.get('quantizer.offset') as Float32Array, arrays.get('quantizer.scale') as Float32Array)
        : undefined,
    rerankQuantizer:
      options.rerank && options.rerank.precision === 'int8'
        ? new ScalarQuantizer(arrays.get('rerankQuantizer.offset') as Float32Array, arrays.get('rerankQuantizer.scale') as Float32Array)
        : undefined,
  };
  return CompressedIndex.restore(
    {
      components,
      precision: options.precision,
      rerank: options.rerank,
      prefilter: options.prefilter,
      meanTerm: options.meanTerm,
      fitMethod: options.fitMethod,
      fitSampleSize: options.fitSampleSize,
      seed: options.seed,
    },
    state,
    header.ids,
    header.attributes?.map((a) => a ?? undefined),
    arrays.get('codes') as Float32Array | Int8Array,
    arrays.get('residual') as Float32Array | Int8Array | undefined,
    arrays.get('meanTerm') as Float32Array | undefined,
  );
}

/** Writes the index to `file` atomically (a temporary file in the same folder, then a rename). */
export async function saveCompressedIndex(index: CompressedIndex, file: string): Promise<void> {
  await writeFileAtomic(file, serializeCompressedIndex(index));
}

/** Reads an index saved by saveCompressedIndex; any damage is an InputError naming the file. */
export async function loadCompressedIndex(file: string): Promise<CompressedIndex> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new InputError({ file }, `cannot read the index file: ${(error as Error).message}`, { cause: error });
  }
  return deserializeCompressedIndex(bytes, file);
}

function layoutSize(headerLength: number, sections: ReadonlyArray<{ type: SectionType; length: number } | Section>): number {
  let offset = align8(PREFIX_BYTES + headerLength);
  for (const section of sections) {
    const byteLength = 'data' in section ? section.data.byteLength : section.length * BYTES[section.type];
    offset = align8(offset + byteLength);
  }
  return offset + CHECKSUM_BYTES;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new InputError({}, 'index files are little-endian; this platform is big-endian');
}
