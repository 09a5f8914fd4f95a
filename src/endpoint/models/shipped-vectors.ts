/**
 * The real model's vectors of the shipped corpus (datasets/vectors/, written once by scripts/embed-corpus.ts), so
 * known texts are answered without running the model, and index scenarios get real vectors without loading it.
 *
 * Files, for a model name M:
 * - `M.manifest.json`: model, package versions, date, dims, dtype, normalization, row count, sha256 of each file;
 * - `M.f16.npy` (or `.f32.npy`): rows x dims, row r is the vector of the text on row r of
 * - `M.texts.jsonl`: `{"row": r, "text": "..."}` per line, in row order.
 * Loading checks both files' sha256 against the manifest, so a stale or edited file is an error, not a silent mix.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DatasetError } from '../../errors.ts';
import { iterateJsonl } from '../../datasets/jsonl.ts';
import { parseNpy } from '../../datasets/vector-files.ts';

/** datasets/vectors/ of this checkout. */
export const SHIPPED_VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../datasets/vectors');
/** datasets/agent-memory/vectors/ of this checkout: the agent-memory workloads' texts (scripts/embed-corpus.ts --set agent-memory). */
export const AGENT_MEMORY_VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../datasets/agent-memory/vectors');
/** Every folder of shipped vectors a model consults by default, in order: the corpus's, then the agent-memory workloads'. */
export const SHIPPED_VECTOR_DIRS: readonly string[] = [SHIPPED_VECTORS_DIR, AGENT_MEMORY_VECTORS_DIR];

/** What a model consults before running: the vector of a known text. ShippedVectors is one; several combine. */
export interface ShippedVectorLookup {
  /** Distinct texts known. */
  readonly size: number;
  has(text: string): boolean;
  /** The stored vector of `text` (a copy), or undefined. */
  vectorFor(text: string): Float32Array | undefined;
}

const FileEntrySchema = z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });

export const ShippedManifestSchema = z.strictObject({
  model: z.string(),
  description: z.string(),
  packages: z.record(z.string(), z.string()),
  backend: z.string(),
  created: z.string(),
  rows: z.number().int().positive(),
  dims: z.number().int().positive(),
  dtype: z.enum(['float16', 'float32']),
  normalization: z.string(),
  /** Largest |norm - 1| of the model's float32 output over all rows, before storage. */
  maxNormError: z.number(),
  /** Largest 1 - cosine between a stored row and the float32 vector it was made from. */
  maxStorageCosineLoss: z.number(),
  sources: z.record(z.string(), FileEntrySchema),
  files: z.strictObject({ vectors: z.string(), texts: z.string() }),
  checksums: z.record(z.string(), FileEntrySchema),
  command: z.string(),
  /**
   * The set this one complements (the agent-memory set leaves out the texts the corpus set has): that set's folder
   * relative to this one, how many of the source texts it answers, and the sha256 of its vectors file.
   */
  base: z.strictObject({ from: z.string(), rows: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
});
export type ShippedManifest = z.infer<typeof ShippedManifestSchema>;

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class ShippedVectors {
  readonly manifest: ShippedManifest;
  readonly dims: number;
  private readonly rowOf: Map<string, number>;
  private readonly data: Float32Array;

  private constructor(manifest: ShippedManifest, rowOf: Map<string, number>, data: Float32Array) {
    this.manifest = manifest;
    this.dims = manifest.dims;
    this.rowOf = rowOf;
    this.data = data;
  }

  /** Loads and verifies `<dir>/<model>.manifest.json` and the files it names. */
  static async load(model = 'use-lite', dir = SHIPPED_VECTORS_DIR): Promise<ShippedVectors> {
    const manifestFile = join(dir, `${model}.manifest.json`);
    let manifestJson: unknown;
    try {
      manifestJson = JSON.parse(await readFile(manifestFile, 'utf8'));
    } catch (error) {
      throw new DatasetError({ file: manifestFile }, `cannot read the shipped-vectors manifest: ${(error as Error).message}`, { cause: error });
    }
    const parsed = ShippedManifestSchema.safeParse(manifestJson);
    if (!parsed.success) throw new DatasetError({ file: manifestFile }, `invalid manifest: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
    const manifest = parsed.data;
    const vectorsFile = join(dir, manifest.files.vectors);
    const textsFile = join(dir, manifest.files.texts);
    const [vectorBytes, textBytes] = await Promise.all([readChecked(vectorsFile, manifest), readChecked(textsFile, manifest)]);
    const matrix = parseNpy(vectorsFile, vectorBytes);
    if (matrix.rows !== manifest.rows || matrix.dim !== manifest.dims) {
      throw new DatasetError({ file: vectorsFile }, `shape (${matrix.rows}, ${matrix.dim}) differs from the manifest's (${manifest.rows}, ${manifest.dims})`);
    }
    const rowOf = new Map<string, number>();
    const RowSchema = z.strictObject({ row: z.number().int().nonnegative(), text: z.string() });
    for await (const { line, value } of iterateJsonl(textsFile, RowSchema)) {
      if (value.row !== rowOf.size) throw new DatasetError({ file: textsFile, line, field: 'row' }, `expected row ${rowOf.size}, found ${value.row}`);
      if (rowOf.has(value.text)) throw new DatasetError({ file: textsFile, line, field: 'text' }, `text already on row ${rowOf.get(value.text)}`);
      rowOf.set(value.text, value.row);
    }
    if (rowOf.size !== manifest.rows) throw new DatasetError({ file: textsFile }, `${rowOf.size} texts for ${manifest.rows} vector rows`);
    return new ShippedVectors(manifest, rowOf, matrix.data);
  }

  get size(): number {
    return this.rowOf.size;
  }

  has(text: string): boolean {
    return this.rowOf.has(text);
  }

  /** Every shipped text, in row order. */
  texts(): string[] {
    return [...this.rowOf.keys()];
  }

  /** The stored vector of `text` (a copy), or undefined for a text not in the corpus. */
  vectorFor(text: string): Float32Array | undefined {
    const row = this.rowOf.get(text);
    return row === undefined ? undefined : this.data.slice(row * this.dims, (row + 1) * this.dims);
  }
}

async function readChecked(file: string, manifest: ShippedManifest): Promise<Uint8Array> {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const expected = manifest.checksums[name];
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    throw new DatasetError({ file }, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  if (!expected) throw new DatasetError({ file }, 'has no checksum in the manifest');
  const actual = sha256(bytes);
  if (actual !== expected.sha256) {
    throw new DatasetError({ file }, `sha256 ${actual} differs from the manifest's ${expected.sha256}: rerun scripts/embed-corpus.ts`);
  }
  return bytes;
}

/** Several shipped sets as one: a text is answered by the first set that has it. */
export function combineShippedVectors(sets: readonly ShippedVectorLookup[]): ShippedVectorLookup {
  if (sets.length === 1) return sets[0];
  return {
    get size() {
      // A text in several sets counts once.
      const seen = new Set<string>();
      for (const set of sets) if (set instanceof ShippedVectors) for (const text of set.texts()) seen.add(text);
      return seen.size;
    },
    has: (text) => sets.some((set) => set.has(text)),
    vectorFor(text) {
      for (const set of sets) {
        const vector = set.vectorFor(text);
        if (vector) return vector;
      }
      return undefined;
    },
  };
}

/**
 * The shipped sets of `model` in `dirs` that exist (a folder without the model's manifest is skipped; one that does
 * not verify is an error), combined; null when there is none (memopt used as a library elsewhere).
 */
export async function loadShippedVectorSets(model: string, dirs: readonly string[] = SHIPPED_VECTOR_DIRS): Promise<ShippedVectorLookup | null> {
  const sets: ShippedVectors[] = [];
  for (const dir of dirs) if (existsSync(join(dir, `${model}.manifest.json`))) sets.push(await ShippedVectors.load(model, dir));
  return sets.length === 0 ? null : combineShippedVectors(sets);
}
