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
import { embeddingFor } from '../mock/embedding-model.ts';
import { MOCK_API_KEY } from '../mock/index.ts';
import type { LedgerSnapshot, MockApiConfig } from '../mock/types.ts';
import type { EmbeddingsEndpoint } from '../types.ts';
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

/** The endpoint of a running memopt server: C2's EmbeddingsEndpoint plus what only memopt's own server offers. */
export interface ServerEndpoint extends EmbeddingsEndpoint {
  readonly kind: 'server';
  /** http://host:port */
  readonly origin: string;
  /** The mocked API's resolved options the server answers with. */
  readonly config: MockApiConfig;
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
  return serverEndpoint(running, config.api, isolate);
}

function serverEndpoint(running: Running, api: MockApiConfig, isolate: ServerIsolation): ServerEndpoint {
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
    isolate,
    limits: api.rateLimit === false ? { requestsPerMinute: null, tokensPerMinute: null } : { requestsPerMinute: api.rateLimit.requestsPerMinute, tokensPerMinute: api.rateLimit.tokensPerMinute },
    timeScale: api.timeScale,
    // The server's vectors come from the same deterministic model: computing them here gives exactly its answer.
    reference: { vectorFor: (text, model, dimensions) => embeddingFor(text, model, dimensions) },
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
