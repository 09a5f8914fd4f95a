/**
 * The bridge between Node's http module and the standard Request/Response the mocked API's handler speaks: Node
 * parses HTTP; this only copies method, URL, headers and body across.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Most bytes of an over-cap body read and discarded before the 413 is sent, so that a client still sending sees the
 * answer rather than a reset connection; past it the connection is closed.
 */
const MAX_DISCARDED_BYTES = 256 * 1024 * 1024;

/**
 * A standard Request for a Node request, its body read in full, unless the body is over `maxBodyBytes`: then no
 * byte past the cap is kept (the rest is read and discarded, up to MAX_DISCARDED_BYTES), and the Request has no body
 * and a content-length of the bytes seen, so the handler answers 413 by the header alone (`truncated`).
 */
export async function toRequest(
  incoming: IncomingMessage,
  origin: string,
  maxBodyBytes = Number.POSITIVE_INFINITY,
): Promise<{ request: Request; truncated: boolean }> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = incoming.method ?? 'GET';
  const url = new URL(incoming.url ?? '/', origin);
  if (method === 'GET' || method === 'HEAD') return { request: new Request(url, { method, headers }), truncated: false };
  const declared = Number(incoming.headers['content-length']);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of incoming) {
    bytes += (chunk as Buffer).byteLength;
    if (bytes > MAX_DISCARDED_BYTES) break;
    if (bytes <= maxBodyBytes && !(declared > maxBodyBytes)) chunks.push(chunk as Buffer);
  }
  if (bytes <= maxBodyBytes && !(declared > maxBodyBytes)) {
    return { request: new Request(url, { method, headers, body: Buffer.concat(chunks) }), truncated: false };
  }
  headers.delete('transfer-encoding');
  headers.set('content-length', String(Math.max(bytes, declared || 0)));
  return { request: new Request(url, { method, headers }), truncated: true };
}

/** Writes a standard Response to a Node response; nothing is written once the client has gone. */
export async function sendResponse(response: Response, outgoing: ServerResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  if (outgoing.destroyed) return;
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  headers['content-length'] = String(body.byteLength);
  outgoing.writeHead(response.status, headers);
  outgoing.end(body);
}
