/**
 * The exact reference a memory replay is checked against, computed once from the trace and reference vectors (no
 * API, no part): the trace applied in order, one user's memories at a time, and at every search the exact cosine
 * ranking of that user's live memories that match the search's filter. Because a replay runs each user's operations
 * in trace order and a search sees only its user's memories, this is the memory "as it stands at that moment" for
 * every search, whatever the concurrency of the replay.
 *
 * Trace semantics mirrored here and by the replay driver: an add stores text and metadata under the user; an
 * update replaces the text, and the metadata when it gives some (without, the memory keeps its metadata); a delete
 * removes the memory.
 */
import type { AgentTraceEntry } from '../datasets/agent-trace.ts';
import { compareHits, cosine, matchesFilter } from '../memory/reference.mjs';

export interface ExactHit {
  /** The trace's memory id. */
  id: string;
  score: number;
}

export interface ReferenceSearch {
  /** Exact ranking of the user's live memories matching the filter, best first (ties by id), the first `depth`. */
  exact: ExactHit[];
  /** The relevant ids the trace labels (empty when unlabelled). */
  relevant: ReadonlySet<string>;
  /** Tokens of every text the user wrote (adds and updates) before this search: the whole history an agent could send. */
  historyTokens: number;
}

export interface LiveMemory {
  user: string;
  text: string;
  metadata: Record<string, unknown> | undefined;
}

export interface ReplayReference {
  /** By index of the search in the trace. */
  searches: Map<number, ReferenceSearch>;
  /** The live memories after the whole trace, by trace id. */
  finalLive: Map<string, LiveMemory>;
  /** Every memory id ever added -> its user. */
  owner: Map<string, string>;
}

export interface ReferenceInputs {
  /** The reference vector of a stored text. */
  memoryVector(text: string): ArrayLike<number>;
  /** The reference vector of a search's text (as the memory embeds it: normalized). */
  queryVector(text: string): ArrayLike<number>;
  /** Results kept per search. */
  depth: number;
  /** Tokens of a text (cl100k). */
  tokens(text: string): number;
}

export function computeReplayReference(entries: readonly AgentTraceEntry[], inputs: ReferenceInputs): ReplayReference {
  const live = new Map<string, Map<string, LiveMemory>>();
  const historyTokens = new Map<string, number>();
  const owner = new Map<string, string>();
  const searches = new Map<number, ReferenceSearch>();
  const memoriesOf = (user: string) => {
    let memories = live.get(user);
    if (!memories) live.set(user, (memories = new Map()));
    return memories;
  };
  const wrote = (user: string, text: string) => historyTokens.set(user, (historyTokens.get(user) ?? 0) + inputs.tokens(text));
  entries.forEach(({ op }, i) => {
    const memories = memoriesOf(op.user);
    switch (op.op) {
      case 'add':
        memories.set(op.id, { user: op.user, text: op.text, metadata: op.metadata ?? undefined });
        owner.set(op.id, op.user);
        wrote(op.user, op.text);
        break;
      case 'update': {
        const current = memories.get(op.id);
        memories.set(op.id, { user: op.user, text: op.text, metadata: op.metadata ?? current?.metadata });
        wrote(op.user, op.text);
        break;
      }
      case 'delete':
        memories.delete(op.id);
        break;
      case 'search': {
        const query = inputs.queryVector(op.text);
        const hits: ExactHit[] = [];
        for (const [id, memory] of memories) {
          if (op.filter && !matchesFilter(memory.metadata, op.filter)) continue;
          hits.push({ id, score: cosine(query, inputs.memoryVector(memory.text)) });
        }
        hits.sort(compareHits);
        searches.set(i, { exact: hits.slice(0, inputs.depth), relevant: new Set(op.relevant ?? []), historyTokens: historyTokens.get(op.user) ?? 0 });
        break;
      }
    }
  });
  const finalLive = new Map<string, LiveMemory>();
  for (const memories of live.values()) for (const [id, memory] of memories) finalLive.set(id, memory);
  return { searches, finalLive, owner };
}

/**
 * recall@k of a served ranking against the exact one: served ids (the valid ones: the user's, current) among the
 * first k whose exact score reaches the exact k-th score (so a tie at the cut-off counts either way), over
 * min(k, memories the exact search ranks). Undefined when the exact search found nothing.
 */
export function recallAgainstExact(served: readonly ExactHit[], exact: readonly ExactHit[], k: number): number | undefined {
  const denominator = Math.min(k, exact.length);
  if (denominator === 0) return undefined;
  const kth = exact[denominator - 1].score;
  let hits = 0;
  for (const hit of served.slice(0, k)) if (hit.score >= kth - TIE_TOLERANCE) hits++;
  return Math.min(hits, denominator) / denominator;
}

/** Scores within this of the k-th exact score are ties (float32 sums against float64). */
const TIE_TOLERANCE = 1e-6;
