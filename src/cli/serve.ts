/**
 * `memopt serve`: memopt's OpenAI-compatible embeddings server over real HTTP, in this process, until SIGINT or
 * SIGTERM. Configured by a JSON file (--config) and flags; a flag overrides the file's field. Bad input exits 2
 * naming the file, field or flag, before anything listens.
 */
import type { Argv } from 'yargs';
import { InputError, UsageError } from '../errors.ts';
import { listenEmbeddingsServer } from '../endpoint/server/listen.ts';
import { readServerConfigFile, resolveServerConfig } from '../endpoint/server/config.ts';

/** Each flag and the config field it sets. */
const FLAG_FIELDS = {
  host: 'host',
  port: 'port',
  'keep-alive-timeout-ms': 'keepAliveTimeoutMs',
  seed: 'seed',
  'time-scale': 'timeScale',
  clock: 'clock',
  'requests-per-minute': 'rateLimit.requestsPerMinute',
  'tokens-per-minute': 'rateLimit.tokensPerMinute',
  'server-error-rate': 'faults.serverErrorRate',
  'slow-rate': 'faults.slowRate',
  model: 'model',
} as const;

export function serveOptions<T>(y: Argv<T>) {
  return y
    .option('config', { type: 'string', describe: 'JSON file of server options (host, port, seed, timeScale, latency, rateLimit, faults, ...)' })
    .option('host', { type: 'string', describe: 'Interface to bind (default 127.0.0.1)' })
    .option('port', { type: 'number', describe: 'Port (default 0: a free one; the URL is printed)' })
    .option('keep-alive-timeout-ms', { type: 'number', describe: 'Idle keep-alive connections close after this long (default 65000)' })
    .option('seed', { type: 'number', describe: 'Seed of jitter, faults and request ids (default 1)' })
    .option('time-scale', { type: 'number', describe: 'Scale of modelled latency and rate-limit windows (default 1 = real time)' })
    .option('clock', { type: 'string', choices: ['virtual', 'wall'], describe: "Rate-limit clock: 'virtual' (default; time passes only as clients wait out 429s, so counts reproduce) or 'wall' (real time)" })
    .option('requests-per-minute', { type: 'number', describe: 'Rate limit (default 3000)' })
    .option('tokens-per-minute', { type: 'number', describe: 'Rate limit (default 1000000)' })
    .option('rate-limit', { type: 'boolean', describe: 'Rate limiting on (default) or off (--no-rate-limit)' })
    .option('server-error-rate', { type: 'number', describe: 'Fraction of requests answered 500/503 (default 0)' })
    .option('slow-rate', { type: 'number', describe: 'Fraction of responses slowed (default 0)' })
    .option('model', {
      type: 'string',
      describe: "Answer with a real model instead of the mock's: 'use-lite' (shipped) or 'onnx:<folder>' (a local transformers.js model folder); clients then send it as `model`",
    });
}

export interface ServeIo {
  out: (text: string) => void;
  /** Warnings (a host reachable from other machines); default: stderr. */
  err?: (text: string) => void;
  /** Resolves when the server should stop; default: the first SIGINT or SIGTERM. */
  stopped?: Promise<void>;
}

function setField(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const inner = node[key];
    node = node[key] = typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? { ...(inner as Record<string, unknown>) } : {};
  }
  node[keys[keys.length - 1]] = value;
}

/** The config the file and flags describe, checked (exit 2 naming the flag or the file's field). */
export async function serveConfig(args: Record<string, unknown>) {
  const file = typeof args.config === 'string' ? args.config : undefined;
  const fromFile = file === undefined ? {} : await readServerConfigFile(file);
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) throw new InputError({ file }, 'expected a JSON object of server options');
  const input: Record<string, unknown> = { ...(fromFile as Record<string, unknown>) };
  const flagOf = new Map<string, string>();
  if (args['rate-limit'] === false) input.rateLimit = false;
  for (const [flag, field] of Object.entries(FLAG_FIELDS)) {
    if (args[flag] === undefined) continue;
    if (input.rateLimit === false && field.startsWith('rateLimit.')) throw new UsageError({ field: `--${flag}` }, 'conflicts with --no-rate-limit');
    setField(input, field, args[flag]);
    flagOf.set(field, flag);
  }
  try {
    return resolveServerConfig(input, { file });
  } catch (error) {
    const flag = error instanceof InputError && error.where.field ? flagOf.get(error.where.field) : undefined;
    if (flag) throw new UsageError({ field: `--${flag}` }, (error as InputError).problem);
    throw error;
  }
}

function signalled(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Listens, prints the URL, serves until stopped, then closes every connection. */
export async function serveCommand(args: Record<string, unknown>, io: ServeIo): Promise<number> {
  const config = await serveConfig(args);
  if (!isLoopback(config.host)) {
    // Allowed (a second machine may be the client), but never silently: the server has no authentication.
    (io.err ?? ((text) => process.stderr.write(text)))(
      `memopt serve: warning: --host ${config.host} makes this server reachable from other machines; it has no authentication and answers anyone who can connect (use --host 127.0.0.1 to keep it on this machine)\n`,
    );
  }
  const server = await listenEmbeddingsServer(config);
  const serving = server.model ? `model ${server.model.name}, ${server.model.dimensions}-d, usage in ${server.model.tokenCounting}` : "the mock's models";
  io.out(`memopt serve: listening on ${server.baseURL}, serving ${serving} (ledger: GET ${server.origin}/memopt/ledger, reset: POST ${server.origin}/memopt/ledger/reset)\n`);
  await (io.stopped ?? signalled());
  await server.close();
  io.out('memopt serve: stopped\n');
  return 0;
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}
