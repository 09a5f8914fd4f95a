import { describe, expect, it } from 'vitest';
import { isLoopback, serveCommand } from '../../src/cli/serve.ts';

async function serve(host: string) {
  let out = '';
  let err = '';
  const code = await serveCommand({ host, port: 0 }, { out: (t) => (out += t), err: (t) => (err += t), stopped: Promise.resolve() });
  return { code, out, err };
}

describe('memopt serve --host', () => {
  it('0.0.0.0 starts, with a warning on stderr that it is reachable from other machines', async () => {
    const r = await serve('0.0.0.0');
    expect(r.code).toBe(0);
    expect(r.out).toContain('listening on http://0.0.0.0:');
    expect(r.err).toContain('memopt serve: warning: --host 0.0.0.0 makes this server reachable from other machines');
  });

  it('127.0.0.1 starts without a word on stderr', async () => {
    const r = await serve('127.0.0.1');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
  });

  it('knows loopback addresses from the others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '10.0.0.1']) expect(isLoopback(host)).toBe(false);
  });
});
