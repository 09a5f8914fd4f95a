/**
 * memopt's embeddings server on this thread: Node's http server in front of the routes (routes.ts).
 *
 * Keep-alive behaves like a real server's: HTTP/1.1 connections stay open between requests (no `Connection: close`)
 * until idle for keepAliveTimeoutMs, so a client's connection pool reuses its sockets; close() stops accepting,
 * then ends every connection, idle or not, so nothing keeps the process alive.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunError } from '../../errors.ts';
import { preallocateModel } from '../models/mock-model.ts';
import { DEFAULT_MODEL, MAX_REQUEST_BODY_BYTES } from '../emulated-api/models.ts';
import { openTextEmbeddingModel } from '../models/index.ts';
import { warmTokenCounter } from '../../util/bounded-tokens.ts';
import type { TextEmbeddingModel } from '../models/types.ts';
import type { ServerConfig } from './config.ts';
import { sendResponse, toRequest } from './node-http.ts';
import { createServerRoutes, type ServerRoutes } from './routes.ts';

export interface ListeningServer {
  /** http://host:port (no trailing slash). */
  readonly origin: string;
  /** origin + '/v1': what an OpenAI client takes as baseURL. */
  readonly baseURL: string;
  readonly port: number;
  readonly routes: ServerRoutes;
  /** The real model served (config.model), or undefined for the mock's models. */
  readonly model: TextEmbeddingModel | undefined;
  /** Stops accepting and ends every open connection; idempotent. */
  close(): Promise<void>;
}

/** Brackets an IPv6 literal for a URL. */
function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export async function listenEmbeddingsServer(config: ServerConfig): Promise<ListeningServer> {
  let model: TextEmbeddingModel | undefined;
  if (config.model) {
    // Opened once per server. Its tokenizer and shipped vectors load now, before listening, so no measured request
    // pays for them; the weights load on the first text the model must run on (none for shipped texts).
    model = await openTextEmbeddingModel(config.model);
    await model.warm();
  } else preallocateModel(DEFAULT_MODEL);
  warmTokenCounter(); // request validation counts tokens with it
  let connections = 0;
  const closed = new AbortController();
  const routes = createServerRoutes(config.api, () => ({ connections }), model, closed.signal);
  let origin = '';
  const server: Server = createServer({ keepAliveTimeout: config.keepAliveTimeoutMs }, (incoming, outgoing) => {
    toRequest(incoming, origin, MAX_REQUEST_BODY_BYTES)
      .then(({ request, truncated }) => {
        // A body over the cap is not read to its end: answer 413 (routes.ts) and close the connection.
        if (truncated) outgoing.shouldKeepAlive = false;
        return routes.handle(request);
      })
      .then((response) => sendResponse(response, outgoing))
      .catch((error: unknown) => {
        // The handler answers errors as responses; this is a bug or a broken socket: answer 500 if still possible.
        if (!outgoing.headersSent && !outgoing.destroyed) {
          outgoing.writeHead(500, { 'content-type': 'application/json' });
          outgoing.end(JSON.stringify({ error: { message: `memopt server error: ${String(error)}`, type: 'server_error', param: null, code: null } }));
        } else outgoing.destroy();
      });
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new RunError(`memopt serve: cannot listen on ${config.host}:${config.port} (${error.code ?? error.message})`, { cause: error }));
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${hostForUrl(config.host)}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    origin,
    baseURL: `${origin}/v1`,
    port,
    routes,
    model,
    close() {
      closed.abort(); // a request still being checked stops at its next yield
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
