import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RunError } from '../../errors.ts';

/** This module's own extension: `.ts` in the repository (run through tsx), `.js` in the built package. */
const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const SERVER_FILE = fileURLToPath(new URL(`./pglite-server${OWN_EXTENSION}`, import.meta.url));
/** The TypeScript sources need tsx's loader in the child; the built JavaScript needs nothing. */
const LOADER_ARGS = OWN_EXTENSION === '.ts' ? ['--import', 'tsx'] : [];

export interface PgliteServerOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** PGlite's data directory; default in memory. */
  dataDir?: string;
  /** Give up if the server has not printed its URL by then. Default 180,000 ms (loading the WASM takes seconds, over a minute on a loaded machine). */
  startTimeoutMs?: number;
}

/** A running pglite-server child process. */
export interface PgliteServer {
  /** postgresql://postgres@127.0.0.1:PORT/postgres (no password: loopback only). */
  readonly url: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * Spawns pglite-server.ts in its own Node process (through tsx's loader; the built pglite-server.js without it) and resolves once it prints its URL.
 * The child's stdin is a pipe it watches, so it exits if this process dies. One connection at a time: see
 * pglite-server.ts.
 */
export function startPgliteServer(options: PgliteServerOptions = {}): Promise<PgliteServer> {
  const args = [...LOADER_ARGS, SERVER_FILE, '--port', String(options.port ?? 0)];
  if (options.dataDir !== undefined) args.push('--data-dir', options.dataDir);
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<PgliteServer>((resolve, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 180_000;
    const fail = (why: string) => {
      clearTimeout(timer);
      void close();
      reject(new RunError(`pglite-server did not start: ${why}${stderr ? `; its stderr: ${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no URL within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(error.message));
    const onEarlyExit = (code: number | null, signal: string | null) => fail(`exited with ${signal ?? `code ${code}`}`);
    child.once('exit', onEarlyExit);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      try {
        const { url } = JSON.parse(line) as { url: string };
        if (typeof url !== 'string' || !url.startsWith('postgresql://postgres@127.0.0.1:')) throw new Error(line);
        resolve({ url, pid: child.pid!, close });
      } catch {
        fail(`unexpected first line ${JSON.stringify(line.slice(0, 200))}`);
      }
    });
  });
}
