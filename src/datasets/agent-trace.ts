/**
 * The agent-memory trace: one operation a line (JSON Lines, read by `iterateJsonl`, so blank and `#` lines are
 * skipped and errors name the line), each within one user.
 *
 *   {"op":"add","user":"u1","id":"m17","text":"...","at":"2026-05-08T13:56:00Z","metadata":{...}}
 *   {"op":"update","user":"u1","id":"m17","text":"...","at":"..."}
 *   {"op":"delete","user":"u1","id":"m17","at":"..."}
 *   {"op":"search","user":"u1","text":"...","k":10,"at":"...","relevant":["m17","m40"],"filter":{...}}
 *
 * `at` (ISO 8601 with a zone, or epoch milliseconds) orders operations and is the replay's virtual time; it never
 * goes backwards. `relevant` (optional) labels the memories that answer a search. Unknown fields are kept and
 * ignored, so a team's own annotations survive a round trip.
 *
 * Beyond one line's shape, a trace is checked as a whole before anything is measured (`checkAgentTrace`): a memory
 * id is added once while it lives, an update or delete names a live memory of the same user, `relevant` names
 * memories of that user, and time never goes backwards. Each error names the file and line.
 */
import { z } from 'zod';
import { DatasetError, InputErrorList } from '../errors.ts';
import { iterateJsonl, writeJsonlAtomic, type ReadJsonlOptions } from './jsonl.ts';

const nonEmpty = z.string().min(1, 'must not be empty');
const metadataValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** A point in trace time: an ISO 8601 date-time with a zone, or epoch milliseconds. */
const atSchema = z.union([
  z.iso.datetime({ offset: true }),
  z.number().int().nonnegative(),
]);

const base = {
  /** The user (tenant) the operation belongs to; a search sees only this user's memories. */
  user: nonEmpty,
  at: atSchema,
};

export const AgentTraceAddSchema = z.looseObject({
  op: z.literal('add'),
  ...base,
  id: nonEmpty,
  text: nonEmpty,
  metadata: z.record(z.string(), metadataValue).optional(),
});

export const AgentTraceUpdateSchema = z.looseObject({
  op: z.literal('update'),
  ...base,
  id: nonEmpty,
  text: nonEmpty,
  metadata: z.record(z.string(), metadataValue).optional(),
});

export const AgentTraceDeleteSchema = z.looseObject({
  op: z.literal('delete'),
  ...base,
  id: nonEmpty,
});

export const AgentTraceSearchSchema = z.looseObject({
  op: z.literal('search'),
  ...base,
  text: nonEmpty,
  /** Results wanted. Default 10. */
  k: z.number().int().positive().max(1000).default(10),
  /** Memories (ids of this user's) that answer the search; absent when unlabelled. */
  relevant: z.array(nonEmpty).optional(),
  /** Metadata equality filter within the user's memories. */
  filter: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const AgentTraceOpSchema = z.discriminatedUnion(
  'op',
  [AgentTraceAddSchema, AgentTraceUpdateSchema, AgentTraceDeleteSchema, AgentTraceSearchSchema],
  { error: () => "expected one of 'add', 'update', 'delete', 'search'" },
);

export type AgentTraceAdd = z.infer<typeof AgentTraceAddSchema>;
export type AgentTraceUpdate = z.infer<typeof AgentTraceUpdateSchema>;
export type AgentTraceDelete = z.infer<typeof AgentTraceDeleteSchema>;
export type AgentTraceSearch = z.infer<typeof AgentTraceSearchSchema>;
export type AgentTraceOp = z.infer<typeof AgentTraceOpSchema>;
/** What a writer may give: `k` may be left to its default. */
export type AgentTraceOpInput = z.input<typeof AgentTraceOpSchema>;

/** One operation with its line and its time in epoch milliseconds (the replay's virtual clock). */
export interface AgentTraceEntry {
  line: number;
  atMs: number;
  op: AgentTraceOp;
}

/** Epoch milliseconds of an `at` value. */
export function traceTimeMs(at: string | number): number {
  return typeof at === 'number' ? at : Date.parse(at);
}

/** Checks a trace as a whole (see the module comment); every problem found, each naming its line. */
export function checkAgentTrace(file: string, entries: readonly AgentTraceEntry[]): void {
  const problems: DatasetError[] = [];
  /** Live memories: id -> owning user. */
  const live = new Map<string, string>();
  let lastMs = Number.NEGATIVE_INFINITY;
  let lastLine = 0;
  for (const { line, atMs, op } of entries) {
    const where = { file, line };
    if (atMs < lastMs) {
      problems.push(new DatasetError(where, `at: time goes backwards (${new Date(atMs).toISOString()} is before line ${lastLine}'s ${new Date(lastMs).toISOString()})`));
    } else {
      lastMs = atMs;
      lastLine = line;
    }
    switch (op.op) {
      case 'add':
        if (live.has(op.id)) problems.push(new DatasetError(where, `id: memory '${op.id}' is added while it already exists (update it, or delete it first)`));
        else live.set(op.id, op.user);
        break;
      case 'update':
      case 'delete': {
        const owner = live.get(op.id);
        if (owner === undefined) problems.push(new DatasetError(where, `id: ${op.op} of unknown memory '${op.id}' (never added, or already deleted)`));
        else if (owner !== op.user) problems.push(new DatasetError(where, `user: memory '${op.id}' belongs to user '${owner}', not '${op.user}'`));
        else if (op.op === 'delete') live.delete(op.id);
        break;
      }
      case 'search':
        for (const id of op.relevant ?? []) {
          const owner = live.get(id);
          if (owner === undefined) problems.push(new DatasetError(where, `relevant: '${id}' is not a live memory at this point of the trace`));
          else if (owner !== op.user) problems.push(new DatasetError(where, `relevant: '${id}' belongs to user '${owner}', not '${op.user}'`));
        }
        break;
    }
    if (problems.length >= 20) break;
  }
  if (problems.length > 0) throw InputErrorList.of(problems);
}

/**
 * Reads and checks an agent-memory trace. Throws `DatasetError` (exit code 2) naming the line of the first broken
 * line, or an `InputErrorList` of every whole-trace problem, before anything is measured.
 */
export async function readAgentTrace(file: string, options: ReadJsonlOptions = {}): Promise<AgentTraceEntry[]> {
  const entries: AgentTraceEntry[] = [];
  for await (const { line, value } of iterateJsonl(file, AgentTraceOpSchema, options)) {
    entries.push({ line, atMs: traceTimeMs(value.at), op: value });
  }
  checkAgentTrace(file, entries);
  return entries;
}

/** Writes a trace atomically (see `writeJsonl`). */
export function writeAgentTrace(file: string, ops: Iterable<AgentTraceOpInput>): Promise<void> {
  return writeJsonlAtomic(file, ops);
}
