/**
 * The record formats of memopt's dataset files, as zod schemas (the source of truth) and the types they infer.
 * Both are JSONL, one record per line; see datasets/README.md.
 */
import { z } from 'zod';

/**
 * One memory to store: `{"id": "mem-00042", "text": "User prefers dark mode...", "topic": "editor"}`.
 * `topic` is optional for datasets users bring; the generator always sets it. Unknown fields are rejected, so a
 * misspelled field name fails loudly instead of being dropped.
 */
export const MemoryRecordSchema = z.strictObject({
  /** Unique within the file; any non-empty string. */
  id: z.string().min(1),
  /** The memory text that gets embedded; non-empty. */
  text: z.string().min(1),
  /** A label for the subject, used only to describe results (e.g. recall per topic). */
  topic: z.string().min(1).optional(),
});
export type DatasetRecord = z.infer<typeof MemoryRecordSchema>;

/** One held-out search query: `{"id": "q-0007", "text": "food allergies", "topic": "diet"}`. Same rules as above. */
export const QueryRecordSchema = z.strictObject({
  id: z.string().min(1),
  text: z.string().min(1),
  topic: z.string().min(1).optional(),
});
export type DatasetQuery = z.infer<typeof QueryRecordSchema>;
