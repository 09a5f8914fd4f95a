/**
 * The configuration of `memopt serve` and startEmbeddingsServer, checked with zod: where to listen, how long idle
 * keep-alive connections stay open, and the mocked API's options (the same fields and defaults as the in-process
 * mock, src/endpoint/emulated-api/README.md). Unknown keys are errors; a bad field fails with InputError (exit 2) naming it.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../../errors.ts';
import { resolveMockConfig } from '../emulated-api/config.ts';
import { mockOptionsShape, realModelOption } from '../emulated-api/options-schema.ts';
import { checkModelSpec } from '../models/spec.ts';
import type { EmulatedApiConfig } from '../emulated-api/types.ts';

export const serverConfigSchema = z
  .object({
    /** Interface to bind; default 127.0.0.1 (loopback only). */
    host: z.string().min(1).optional(),
    /** TCP port; 0 (default) lets the system pick a free one. */
    port: z.number().int().min(0).max(65_535).optional(),
    /** How long an idle keep-alive connection stays open, ms; default 5,000 (Node's default). */
    keepAliveTimeoutMs: z.number().int().min(0).optional(),
    /**
     * A real model answering instead of the mock's (`use-lite`, or `onnx:<folder>`); absent: the mock's models.
     * It loads once per server (on the first text it must run on); see src/endpoint/models/README.md.
     */
    model: realModelOption,
    ...mockOptionsShape,
  })
  .strict();

/** What `memopt serve --config FILE` and startEmbeddingsServer accept (every field optional). */
export type ServerConfigInput = z.input<typeof serverConfigSchema>;

export interface ServerConfig {
  host: string;
  port: number;
  keepAliveTimeoutMs: number;
  /** The mocked API's resolved options (its baseURL is unused: the server answers on its own address). */
  api: EmulatedApiConfig;
  /** The real model served instead of the mock's, by name; undefined for the mock's models. */
  model?: string;
}

export const DEFAULT_SERVER_HOST = '127.0.0.1';
/**
 * 65 s, not Node's 5 s: a client whose event loop is saturated (the naive embedder's 256 requests in flight) leaves
 * some pooled sockets idle for seconds and cannot process the server's FIN in time, so with 5 s it wrote requests
 * on sockets the server had just closed ('other side closed', retried by the SDK: 6-85 retries per naive run; the
 * keep-alive race of nodejs/undici#3141). Above the common 60 s of load balancers; close() still ends every
 * connection at once.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Checks `input` (from a file or flags) and fills in the defaults; `where` names the file for error messages. */
export function resolveServerConfig(input: unknown, where: { file?: string } = {}): ServerConfig {
  const parsed = serverConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.');
    throw new InputError({ file: where.file, field: field || undefined }, issue.message);
  }
  const { host, port, keepAliveTimeoutMs, model, ...api } = parsed.data;
  if (model !== undefined) checkModelSpec(model, { file: where.file, field: 'model' });
  return {
    ...(model !== undefined ? { model } : {}),
    host: host ?? DEFAULT_SERVER_HOST,
    port: port ?? 0,
    keepAliveTimeoutMs: keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    api: resolveMockConfig(api),
  };
}

/** Reads and checks a JSON config file (InputError naming the file when it cannot be read or parsed). */
export async function readServerConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError({ file }, `cannot read the config file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError({ file }, `not valid JSON (${(error as Error).message})`);
  }
}
