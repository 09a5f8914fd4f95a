/**
 * Reads memopt's own control routes (/memopt/*) with node:http rather than fetch, so an msw interceptor active in
 * the same process (unit tests) cannot catch them, and every call has a timeout. Each call opens its own connection
 * (`agent: false`): Node's global agent keeps sockets alive, and a control call made just as the server closes an
 * idle one (its keepAliveTimeout) failed with 'socket hang up' (seen in the quick gate between two runs).
 */
import { request } from 'node:http';
import { RunError } from '../../errors.ts';

const CONTROL_TIMEOUT_MS = 10_000;

/**
 * `method url` and the parsed JSON body (undefined for 204); a non-2xx answer or a timeout is a RunError. `body` is
 * sent as JSON; `timeoutMs` (default 10 s) bounds the wait for an answer.
 */
export function controlRequest(method: 'GET' | 'POST', url: string, options: { body?: unknown; timeoutMs?: number } = {}): Promise<unknown> {
  const payload = options.body === undefined ? '' : JSON.stringify(options.body);
  const timeoutMs = options.timeoutMs ?? CONTROL_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const headers = { 'content-length': String(Buffer.byteLength(payload)), ...(payload ? { 'content-type': 'application/json' } : {}) };
    const req = request(url, { method, agent: false, timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) return reject(new RunError(`memopt server: ${method} ${url} answered ${status}: ${text.slice(0, 200)}`));
        try {
          resolve(text === '' ? undefined : JSON.parse(text));
        } catch (error) {
          reject(new RunError(`memopt server: ${method} ${url} answered invalid JSON`, { cause: error }));
        }
      });
    });
    req.on('timeout', () => req.destroy(new RunError(`memopt server: ${method} ${url} did not answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(error instanceof RunError ? error : new RunError(`memopt server: ${method} ${url} failed (${error.message})`, { cause: error })));
    req.end(payload);
  });
}
