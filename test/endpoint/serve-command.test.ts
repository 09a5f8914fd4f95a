import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { main } from '../../src/cli/main.ts';

let child: ChildProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

function captured() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe('memopt serve', () => {
  it('prints its URL on port 0, serves the SDK with the flags given, and stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'memopt-serve-'));
    const config = join(dir, 'serve.json');
    await writeFile(config, JSON.stringify({ seed: 7, rateLimit: { requestsPerMinute: 100 } }));
    child = spawn(process.execPath, ['bin/memopt.js', 'serve', '--config', config, '--port', '0', '--time-scale', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = (await lines.next()).value as string;
    const baseURL = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(first)?.[1];
    expect(baseURL).toBeDefined();

    const client = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0 });
    const { response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] }).withResponse();
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('100'); // from the file
    const ledger = (await (await fetch(`${baseURL!.replace(/\/v1$/, '')}/memopt/ledger`)).json()) as { requests: number; inputs: number };
    expect(ledger).toMatchObject({ requests: 1, inputs: 2 });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits 2 naming the field of a bad config file, or the flag', async () => {
    dir = await mkdtemp(join(tmpdir(), 'memopt-serve-'));
    const config = join(dir, 'bad.json');
    await writeFile(config, JSON.stringify({ faults: { serverErrorRate: 2 } }));
    const fromFile = captured();
    expect(await main(['serve', '--config', config], fromFile.io)).toBe(2);
    expect(fromFile.err.join('')).toContain(`${config}, field 'faults.serverErrorRate'`);

    const fromFlag = captured();
    expect(await main(['serve', '--port', '70000'], fromFlag.io)).toBe(2);
    expect(fromFlag.err.join('')).toContain("field '--port'");

    const missing = captured();
    expect(await main(['serve', '--config', join(dir, 'absent.json')], missing.io)).toBe(2);
    expect(missing.err.join('')).toContain('absent.json');
  });
});
