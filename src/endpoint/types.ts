/**
 * An embeddings endpoint: what a driver talks to, without knowing which kind it is. The in-process msw mock is the
 * first kind ('in-process', src/endpoint/in-process-endpoint.ts); a memopt server over HTTP ('server') and any OpenAI-compatible
 * base URL ('url') implement the same interface.
 */
import type OpenAI from 'openai';
import type { ClientOptions } from 'openai';
import type { MaybePromise } from '../memory/types.ts';
import type { LedgerSnapshot } from './emulated-api/types.ts';

export type { LedgerSnapshot } from './emulated-api/types.ts';

export interface EndpointLimits {
  /** null = unknown (a user's endpoint). */
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
}

export interface ReferenceVectors {
  /** The vector the endpoint's model gives this text, exactly as the endpoint would answer it. */
  vectorFor(text: string, model: string, dimensions?: number): MaybePromise<number[] | Float32Array>;
  /**
   * 0 or absent: the vectors are exact (a stored vector must equal them bit for bit). Otherwise a vector matches
   * when its cosine with the reference is at least 1 - cosineTolerance (a real endpoint's batched and single
   * answers can differ in the last digits).
   */
  readonly cosineTolerance?: number;
}

export interface EmbeddingsEndpoint {
  /** 'in-process' (the emulated API in this process, msw), 'server' (memopt serve over HTTP), 'url' (any OpenAI-compatible base URL). */
  readonly kind: 'in-process' | 'server' | 'url';
  readonly baseURL: string;
  createClient(options?: ClientOptions): OpenAI;
  /** Exact counters; async because a server's ledger is read over HTTP. */
  ledger(): Promise<LedgerSnapshot>;
  resetLedger(): Promise<void>;
  readonly limits: EndpointLimits;
  /** Modelled-time scale of a mock or memopt server (1 = real time); 1 for a real endpoint. */
  readonly timeScale: number;
  /** null when the endpoint has no reference model: then sides are compared with each other. */
  readonly reference: ReferenceVectors | null;
  /**
   * With a cost cap (a url endpoint given `budget`): resolves with the error once a request was refused for passing
   * it; the runner then stops the run in progress (exit 3). Absent: no cap.
   */
  readonly costCapReached?: Promise<Error>;
  close(): Promise<void>;
}
