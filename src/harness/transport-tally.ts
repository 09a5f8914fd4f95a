/**
 * What a user's endpoint did with a scenario's requests, by kind: answered 200, no answer at all (refused, reset,
 * timed out, other), or another HTTP status. Read from the client ledger after each run (only the url endpoint has
 * one: memopt's own endpoints cannot fail at transport level); summed over the scenario's runs into its result, and
 * used to fail a run whose requests mostly never reached the server: its counters would measure the network.
 */
import { RunError } from '../errors.ts';
import type { LedgerSnapshot } from '../endpoint/types.ts';
import type { ClientLedgerSnapshot } from '../endpoint/client-ledger.ts';

export interface TransportTally {
  /** Embeddings requests sent (every attempt). */
  requests: number;
  /** Answered 200. */
  succeeded: number;
  /** No HTTP response, by kind. */
  refused: number;
  reset: number;
  timeout: number;
  other: number;
  /** Answers other than 200, by status ('429': 3). */
  statuses: Record<string, number>;
}

/** A run fails when more than this share of its requests got no HTTP response. */
export const TRANSPORT_FAILURE_SHARE = 0.5;

/** The tally of one run's ledger, or null when the ledger is not a client ledger (memopt's own endpoints). */
export function tallyOf(ledger: LedgerSnapshot): TransportTally | null {
  const client = ledger as Partial<ClientLedgerSnapshot>;
  if (!client.transport || !client.statuses) return null;
  return { requests: ledger.requests, succeeded: ledger.succeeded, ...client.transport, statuses: { ...client.statuses } };
}

export function addTallies(a: TransportTally | null, b: TransportTally): TransportTally {
  if (!a) return { ...b, statuses: { ...b.statuses } };
  const statuses = { ...a.statuses };
  for (const [status, n] of Object.entries(b.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  return {
    requests: a.requests + b.requests,
    succeeded: a.succeeded + b.succeeded,
    refused: a.refused + b.refused,
    reset: a.reset + b.reset,
    timeout: a.timeout + b.timeout,
    other: a.other + b.other,
    statuses,
  };
}

/** Requests that got no HTTP response. */
export function transportFailures(t: TransportTally): number {
  return t.refused + t.reset + t.timeout + t.other;
}

/** '3 refused, 2 reset, 1 timed out; HTTP 429 x4, 503 x1', or '' when every request was answered 200. */
export function describeTally(t: TransportTally): string {
  const kinds = [
    t.refused ? `${t.refused} refused` : '',
    t.reset ? `${t.reset} reset` : '',
    t.timeout ? `${t.timeout} timed out` : '',
    t.other ? `${t.other} other network errors` : '',
  ].filter(Boolean);
  const statuses = Object.entries(t.statuses)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, n]) => `${status} x${n}`);
  return [kinds.join(', '), statuses.length ? `HTTP ${statuses.join(', ')}` : ''].filter(Boolean).join('; ');
}

/** Throws (exit 3) when most of a run's requests got no HTTP response, naming how many of each kind. */
export function refuseIfMostlyUnreachable(t: TransportTally, variant: string, cause?: unknown): void {
  const failed = transportFailures(t);
  if (t.requests === 0 || failed <= t.requests * TRANSPORT_FAILURE_SHARE) return;
  throw new RunError(
    `${variant}: ${failed} of ${t.requests} embeddings requests got no response from the endpoint (${describeTally(t)}); ` +
      'the run measured the network, not the part: check that the endpoint is up and keeps its connections',
    cause === undefined ? undefined : { cause },
  );
}
