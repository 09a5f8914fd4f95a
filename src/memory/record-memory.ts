/**
 * Records a live memory's traffic as an agent-memory trace (the format of src/datasets/agent-trace.ts), so a team
 * replays its own production calls offline through other stacks:
 *
 *   const memory = recordMemory(new MemorySystem({ embedder }), 'traffic.jsonl');
 *   ... use `memory` exactly as before ...
 *   await memory.recording.close();   // traffic.jsonl now holds every call that took effect
 *
 * What is logged, and when:
 * - `add`, `update`, `delete` and `search` calls that resolve, one line each, at the moment they resolve and before
 *   the caller sees the result, so the file's order is the order results were seen. A call that rejects changed
 *   nothing and is not logged; a `delete` of an unknown id (false) is not logged either.
 * - `id` is the id `add` returned; `at` comes from `options.now` (epoch ms; default Date.now) and never goes
 *   backwards (a clock that steps back is held at the last time written).
 * - `user` is `options.user(call)` when given; else the call's `namespace` (add, search); for update and delete,
 *   the user the memory was added under. A call without one is logged under `options.defaultUser` ('default').
 *   An update that moves a memory to another namespace is logged as a delete from the old user and an add (same
 *   id) to the new one, the only way a trace, where a memory stays with its user, says it. An update or delete of a
 *   memory added before recording began: the update is logged as an add (the trace never saw the memory), the
 *   delete not at all.
 * - `metadata` and a search's `filter`: the string, number, boolean and null fields (what a trace holds); a
 *   search's `k` is its `topK` (default 5, MemorySystem's).
 *
 * Every other property of the memory passes through untouched. The wrapper never fails a memory call: a sink that
 * throws (or a file that cannot be written) keeps the first error, logs nothing more, and `recording.flush()` /
 * `close()` reject with it (a file sink then leaves what it wrote in `<file>.partial`).
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import type { AgentTraceOpInput } from '../datasets/agent-trace.ts';
import { toJsonlLine } from '../datasets/jsonl.ts';
import { isPromise } from '../util/maybe-promise.ts';
import { DEFAULT_TOP_K } from './memory-system.ts';
import type { MemoryResult, SearchOptions } from './types.ts';

/** What recordMemory needs of a memory: MemorySystem's four calls (any object with them will do). */
export interface RecordableMemory {
  add(text: string, metadata?: Record<string, unknown>, options?: { namespace?: string }): Promise<string>;
  update(id: string, text: string, metadata?: Record<string, unknown>, options?: { namespace?: string }): Promise<void>;
  delete(id: string): Promise<boolean | void>;
  search(query: string, options?: SearchOptions, ...rest: never[]): Promise<MemoryResult[]>;
}

/** One call as the user function sees it: the method, its arguments, and for update/delete the memory's known user. */
export type RecordedCall =
  | { op: 'add'; text: string; metadata?: Record<string, unknown>; namespace?: string; id: string }
  | { op: 'update'; id: string; text: string; metadata?: Record<string, unknown>; namespace?: string; knownUser?: string }
  | { op: 'delete'; id: string; knownUser?: string }
  | { op: 'search'; text: string; options: SearchOptions };

/** Where the lines go: a function called with each operation in order, or a file path (JSON Lines). */
export type TraceSink = string | ((op: AgentTraceOpInput) => void | Promise<void>);

export interface RecordMemoryOptions {
  /** The user of a call; return undefined to fall back to the default rule (see the module comment). */
  user?: (call: RecordedCall) => string | undefined;
  /** User of a call that names none. Default 'default'. */
  defaultUser?: string;
  /** Clock of `at`, in epoch milliseconds. Default Date.now. */
  now?: () => number;
}

/** The recording side of a recorded memory. */
export interface TraceRecording {
  /** Operations logged so far. */
  readonly operations: number;
  /** Resolves when every line logged so far is written (rejects with the sink's first error). */
  flush(): Promise<void>;
  /** Flushes and, for a file sink, closes the file and moves it into place; later calls are no longer logged. */
  close(): Promise<void>;
}

export type RecordedMemory<M> = M & { readonly recording: TraceRecording };


/**
 * Wraps `memory` so its add/update/delete/search calls are logged to `sink` in the agent-trace format. A file sink
 * is written as `<file>.partial` while recording (whole lines, in order) and renamed to `<file>` by `close()`, so
 * `<file>` is always a complete trace.
 */
export function recordMemory<M extends RecordableMemory>(memory: M, sink: TraceSink, options: RecordMemoryOptions = {}): RecordedMemory<M> {
  const now = options.now ?? Date.now;
  const defaultUser = options.defaultUser ?? 'default';
  if (typeof defaultUser !== 'string' || defaultUser.length === 0) throw new TypeError('recordMemory: defaultUser must be a non-empty string');
  const write = typeof sink === 'string' ? fileWriter(sink) : functionWriter(sink);
  /** The user each live memory was logged under. */
  const userOf = new Map<string, string>();
  let lastAt = Number.NEGATIVE_INFINITY;
  let operations = 0;
  let closed = false;

  const at = (): string => {
    lastAt = Math.max(lastAt, now());
    return new Date(lastAt).toISOString();
  };
  const userFor = (call: RecordedCall, fallback: string | undefined): string => {
    const chosen = options.user?.(call) ?? fallback;
    return typeof chosen === 'string' && chosen.length > 0 ? chosen : defaultUser;
  };
  const log = (op: AgentTraceOpInput) => {
    if (closed) return;
    operations++;
    write.push(op);
  };

  const recorded = {
    async add(text: string, metadata?: Record<string, unknown>, addOptions?: { namespace?: string }): Promise<string> {
      const id = await memory.add(text, metadata, addOptions);
      const user = userFor({ op: 'add', text, metadata, namespace: addOptions?.namespace, id }, addOptions?.namespace);
      userOf.set(id, user);
      log(withMetadata({ op: 'add', user, id, text, at: at() }, metadata));
      return id;
    },
    async update(id: string, text: string, metadata?: Record<string, unknown>, updateOptions?: { namespace?: string }): Promise<void> {
      await memory.update(id, text, metadata, updateOptions);
      const knownUser = userOf.get(id);
      const user = userFor({ op: 'update', id, text, metadata, namespace: updateOptions?.namespace, knownUser }, updateOptions?.namespace ?? knownUser);
      const time = at();
      if (knownUser === undefined || knownUser === user) {
        log(withMetadata({ op: knownUser === undefined ? 'add' : 'update', user, id, text, at: time }, metadata));
      } else {
        log({ op: 'delete', user: knownUser, id, at: time });
        log(withMetadata({ op: 'add', user, id, text, at: time }, metadata));
      }
      userOf.set(id, user);
    },
    async delete(id: string): Promise<boolean | void> {
      const existed = await memory.delete(id);
      if (existed === false) return existed;
      const knownUser = userOf.get(id);
      userOf.delete(id);
      // A memory added before recording began is unknown to the trace: deleting it says nothing a replay could do.
      if (knownUser !== undefined) log({ op: 'delete', user: userFor({ op: 'delete', id, knownUser }, knownUser), id, at: at() });
      return existed;
    },
    async search(query: string, searchOptions: SearchOptions = {}, ...rest: never[]): Promise<MemoryResult[]> {
      const results = await memory.search(query, searchOptions, ...rest);
      const op: AgentTraceOpInput = {
        op: 'search',
        user: userFor({ op: 'search', text: query, options: searchOptions }, searchOptions.namespace),
        text: query,
        k: searchOptions.topK ?? DEFAULT_TOP_K,
        at: at(),
      };
      const filter = scalarFields(searchOptions.filter, false);
      if (filter) op.filter = filter as Record<string, string | number | boolean>;
      log(op);
      return results;
    },
  };

  const recording: TraceRecording = {
    get operations() {
      return operations;
    },
    flush: () => write.flush(),
    async close() {
      closed = true;
      await write.close();
    },
  };

  return new Proxy(memory, {
    get(target, property, receiver) {
      if (property === 'recording') return recording;
      if (typeof property === 'string' && Object.hasOwn(recorded, property)) return recorded[property as keyof typeof recorded];
      const value = Reflect.get(target, property, receiver);
      // Methods run on the memory itself, so private fields (#x) and `this` work as without the wrapper.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as RecordedMemory<M>;
}

function withMetadata<T extends AgentTraceOpInput & { op: 'add' | 'update' }>(op: T, metadata: Record<string, unknown> | undefined): T {
  const kept = scalarFields(metadata, true);
  if (kept) op.metadata = kept;
  return op;
}

/** The fields a trace can hold (strings, finite numbers, booleans, and null when allowed); undefined if none. */
function scalarFields(record: Record<string, unknown> | undefined, allowNull: boolean): Record<string, string | number | boolean | null> | undefined {
  let out: Record<string, string | number | boolean | null> | undefined;
  for (const [name, value] of Object.entries(record ?? {})) {
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (allowNull && value === null)) {
      (out ??= {})[name] = value;
    }
  }
  return out;
}

interface TraceWriter {
  push(op: AgentTraceOpInput): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Calls the sink function in order. While no earlier call is pending it is called at once (a synchronous sink has
 * the line before the caller has its result); once one returns a promise, later lines wait their turn behind it.
 */
function functionWriter(sink: (op: AgentTraceOpInput) => void | Promise<void>): TraceWriter {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
  };
  const settle = (result: Promise<void>) => {
    pending++;
    tail = result.catch(fail).finally(() => {
      pending--;
    });
  };
  return {
    push(op) {
      if (failure !== undefined) return;
      if (pending > 0) {
        settle(tail.then(async () => {
          if (failure === undefined) await sink(op);
        }));
        return;
      }
      try {
        const result = sink(op);
        if (isPromise(result)) settle(result);
      } catch (error) {
        fail(error);
      }
    },
    async flush() {
      await tail;
      if (failure !== undefined) throw failure;
    },
    async close() {
      await this.flush();
    },
  };
}

/** Appends lines to `<file>.partial` in order (batched per write); close() renames it to `<file>`. */
function fileWriter(file: string): TraceWriter {
  const partial = `${file}.partial`;
  let handle: Promise<FileHandle> | undefined;
  let pending = '';
  let tail: Promise<void> = Promise.resolve();
  let failure: unknown;
  let closed: Promise<void> | undefined;
  const drain = async () => {
    if (pending === '' || failure !== undefined) return;
    const chunk = pending;
    pending = '';
    await (await (handle ??= open(partial, 'w'))).writeFile(chunk, 'utf8');
  };
  const schedule = () => {
    tail = tail.then(drain).catch((error: unknown) => {
      failure ??= error;
    });
  };
  return {
    push(op) {
      if (failure !== undefined) return;
      const first = pending === '';
      pending += toJsonlLine(op);
      // One write per burst of lines: the first line of a burst schedules it, the rest join its chunk.
      if (first) schedule();
    },
    async flush() {
      schedule();
      await tail;
      if (failure !== undefined) throw failure;
    },
    close() {
      closed ??= (async () => {
        await this.flush().catch(() => undefined);
        const opened = await (handle ??= open(partial, 'w')).catch((error: unknown) => {
          failure ??= error;
          return undefined;
        });
        if (opened) {
          await opened.sync().catch(() => undefined);
          await opened.close();
        }
        // On a failure the lines written so far stay in `<file>.partial`; `<file>` is never a partial trace.
        if (failure !== undefined) throw failure;
        await rename(partial, file);
      })();
      return closed;
    },
  };
}
