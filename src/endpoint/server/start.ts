/**
 * startEmbeddingsServer: memopt's embeddings server over real HTTP on loopback, as an EmbeddingsEndpoint (kind
 * 'server') whose ledger is read over HTTP.
 *
 * isolate (default 'process'):
 * - 'process': a child process (node:child_process fork). Its CPU, heap and RSS are not the caller's: use it when
 *   the caller measures time or memory.
 * - 'worker': a worker thread. Its own event loop and heap (the caller's heapUsed excludes it), but the same
 *   process: process.cpuUsage() and RSS include it.
 * - 'none': this thread (tests of the server itself; the CLI's `memopt serve`, where the server is the process).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import OpenAI, { type ClientOptions } from 'openai';
import { ClosedError, MemoptError, RunError } from '../../errors.ts';
import { embeddingFor } from '../models/mock-model.ts';
import { MOCK_API_KEY } from '../emulated-api/index.ts';
import type { LedgerSnapshot, EmulatedApiConfig } from '../emulated-api/types.ts';
import type { EmbeddingsEndpoint, ReferenceVectors } from '../types.ts';
import { resolveServerConfig, type ServerConfigInput } from './config.ts';
import { controlRequest } from './http-json.ts';
import { listenEmbeddingsServer } from './listen.ts';
import type { ChildMessage } from './protocol.ts';

export type ServerIsolation = 'worker' | 'process' | 'none';

export interface StartServerOptions {
  /** Where the server runs; default 'process' (see the module comment). */
  isolate?: ServerIsolation;
  /** How long to wait for the server to listen, ms; default 30,000 (a child process loads TypeScript first). */
  startTimeoutMs?: number;
}

/** The endpoint of a running memopt server: the EmbeddingsEndpoint plus what only memopt's own server offers. */
export interface ServerEndpoint extends EmbeddingsEndpoint {
  readonly kind: 'server';
  /** http://host:port */
  readonly origin: string;
  /** The mocked API's resolved options the server answers with. */
  readonly config: EmulatedApiConfig;
  /** The real model the server answers with (`use-lite`, `onnx:<folder>`), or undefined for the mock's models. */
  readonly model: string | undefined;
  readonly isolate: ServerIsolation;
  /** A fresh state, as a new mock would have (ledger, rate-limit buckets, seeded draws, request ids). */
  reset(): Promise<void>;
  /** TCP connections the server has accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections(): Promise<number>;
}

const ENTRY = new URL('./child-entry.mjs', import.meta.url);

interface Running {
  origin: string;
  stop(): Promise<void>;
}

export async function startEmbeddingsServer(input: ServerConfigInput = {}, options: StartServerOptions = {}): Promise<ServerEndpoint> {
  const config = resolveServerConfig(input); // bad options fail here, in the caller, before anything starts
  if (config.api.now) throw new RunError('startEmbeddingsServer: a custom clock (now) cannot cross to another thread');
  const isolate = options.isolate ?? 'process';
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let running: Running;
  if (isolate === 'none') {
    const server = await listenEmbeddingsServer(config);
    running = { origin: server.origin, stop: () => server.close() };
  } else {
    running = await startIsolated(isolate, input, timeoutMs);
  }
  return serverEndpoint(running, config.api, isolate, config.model);
}

/**
 * Cosine tolerance of a real model's reference vectors. The server answers a text from its per-text cache, its
 * shipped vectors or the model, so the reference (asked of the same server) is normally the very vector a run got;
 * but a text evicted from the cache and computed again in another batch differs by ~2e-7 per coordinate (measured).
 */
export const REAL_MODEL_REFERENCE_COSINE_TOLERANCE = 1e-6;

/** A real model's vectors are slow to compute: the first reference request may load the model (seconds). */
const REFERENCE_TIMEOUT_MS = 120_000;

/**
 * Reference vectors of a server with a real model: asked of the server itself (POST /memopt/vectors, outside its
 * ledger), so they are the server's own answers without loading the model in the measuring process. Requests made
 * in the same tick go out as one; answers are kept per text.
 */
function serverReference(origin: string, model: string, isClosed: () => boolean): ReferenceVectors {
  const known = new Map<string, Promise<Float32Array>>();
  let pending: Array<{ text: string; resolve(v: Float32Array): void; reject(e: unknown): void }> = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    controlRequest('POST', `${origin}/memopt/vectors`, { body: { model, input: batch.map((p) => p.text) }, timeoutMs: REFERENCE_TIMEOUT_MS }).then(
      (answer) => {
        const data = (answer as { data: string[] }).data;
        batch.forEach((p, i) => {
          const bytes = Buffer.from(data[i], 'base64');
          p.resolve(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
        });
      },
      (error) => batch.forEach((p) => p.reject(error)),
    );
  };
  return {
    cosineTolerance: REAL_MODEL_REFERENCE_COSINE_TOLERANCE,
    vectorFor(text, requested) {
      if (isClosed()) return Promise.reject(new ClosedError('memopt server endpoint'));
      if (requested !== model) return Promise.reject(new RunError(`the memopt server answers with the model ${model}, not ${requested}`));
      let vector = known.get(text);
      if (!vector) {
        vector = new Promise<Float32Array>((resolve, reject) => {
          if (pending.length === 0) queueMicrotask(flush);
          pending.push({ text, resolve, reject });
        });
        // A failed answer is not kept: the next call asks again.
        vector.catch(() => known.delete(text));
        known.set(text, vector);
      }
      return vector.then((v) => v.slice());
    },
  };
}

function serverEndpoint(running: Running, api: EmulatedApiConfig, isolate: ServerIsolation, model: string | undefined): ServerEndpoint {
  const { origin } = running;
  const baseURL = `${origin}/v1`;
  let closed = false;
  const control = (method: 'GET' | 'POST', path: string) => {
    if (closed) return Promise.reject(new ClosedError('memopt server endpoint'));
    return controlRequest(method, `${origin}${path}`);
  };
  return {
    kind: 'server',
    baseURL,
    origin,
    config: api,
    model,
    isolate,
    limits: api.rateLimit === false ? { requestsPerMinute: null, tokensPerMinute: null } : { requestsPerMinute: api.rateLimit.requestsPerMinute, tokensPerMinute: api.rateLimit.tokensPerMinute },
    timeScale: api.timeScale,
    // The mock's vectors come from a deterministic function: computing them here gives exactly the server's answer.
    // A real model's are asked of the server (its cache, shipped vectors or model).
    reference: model
      ? serverReference(origin, model, () => closed)
      : { vectorFor: (text, name, dimensions) => embeddingFor(text, name, dimensions) },
    createClient(options?: ClientOptions) {
      if (closed) throw new ClosedError('memopt server endpoint');
      return new OpenAI({ apiKey: MOCK_API_KEY, baseURL, ...options });
    },
    ledger: async () => (await control('GET', '/memopt/ledger')) as LedgerSnapshot,
    resetLedger: async () => {
      await control('POST', '/memopt/ledger/reset');
    },
    reset: async () => {
      await control('POST', '/memopt/reset');
    },
    connections: async () => ((await control('GET', '/memopt/status')) as { connections: number }).connections,
    async close() {
      if (closed) return;
      closed = true;
      await running.stop();
    },
  };
}

/** Starts child.ts in a worker or child process and waits for its 'listening' (or 'failed') message. */
function startIsolated(isolate: 'worker' | 'process', input: unknown, timeoutMs: number): Promise<Running> {
  let child: Worker | ChildProcess;
  let exited: Promise<void>;
  let post: (message: unknown) => void;
  if (isolate === 'worker') {
    const worker = new Worker(ENTRY, { workerData: input, stdout: false, stderr: false });
    child = worker;
    exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    post = (m) => worker.postMessage(m);
  } else {
    const proc = fork(ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    child = proc;
    exited = new Promise((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
    post = (m) => proc.send(m as never);
    proc.send({ type: 'start', config: input });
  }
  const kill = () => (child instanceof Worker ? void child.terminate() : void child.kill());

  return new Promise<Running>((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new RunError(`memopt server (${isolate}) did not start listening within ${timeoutMs} ms`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new RunError(`memopt server (${isolate}) exited before listening (exit code ${code})`));
    };
    child.once('exit', onExit);
    child.once('error', (error: Error) => {
      clearTimeout(timer);
      reject(new RunError(`memopt server (${isolate}) failed to start: ${error.message}`, { cause: error }));
    });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'listening') {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve({
          origin: message.origin,
          async stop() {
            post({ type: 'close' });
            // A server that does not close in time is ended by force: close() must never hang.
            const force = setTimeout(kill, 5_000);
            await exited;
            clearTimeout(force);
          },
        });
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        child.off('exit', onExit);
        reject(message.exitCode === 2 ? new MemoptError(message.message, 2) : new RunError(message.message));
      }
    });
  });
}
