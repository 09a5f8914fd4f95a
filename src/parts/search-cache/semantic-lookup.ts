/**
 * What the semantic tier reports of one lookup, and how it compares answers: plain types, so a driver can watch the
 * cache (registry's `onSemanticLookup`) without importing the part.
 */
import type { SearchOptions } from '../../memory/types.ts';
import type { GuardReason } from './query-guard.ts';
import type { SemanticDecision } from './threshold-policy.ts';

/** How two results are judged to be the same answer: the same ids in any order, or in the same order. */
export type AnswerMatch = 'ids-set' | 'ids-ordered';

/** What one lookup did, for a driver or a test watching the cache (never needed to use it). */
export interface SemanticLookup {
  query: string;
  options: SearchOptions;
  /** 'exact': the exact tier answered; 'semantic': another query's result was served; 'verified': a candidate was checked against a fresh search; 'miss': searched afresh. */
  outcome: 'exact' | 'semantic' | 'verified' | 'miss';
  /** The candidate's query (semantic, verified, and a miss that had a candidate), its similarity, the policy's decision. */
  candidate?: string;
  similarity?: number;
  decision?: SemanticDecision;
  guard?: GuardReason;
  /** For 'verified': whether the candidate's answer was the fresh one. */
  verifiedCorrect?: boolean;
}
