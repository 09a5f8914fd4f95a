import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const scenario = join(import.meta.dirname, '..', 'fixtures', 'bad-input', 'pgvector-env.ts');

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/**
 * A scenario whose pgvector variant names a user's Postgres by environment variable: the variable is read, the
 * server reached and pgvector looked for before anything is measured; a failure is exit 2 naming the variable or
 * host, and the connection string (and its password) appears nowhere.
 */
describe('a user Postgres named by connectionEnv is checked before the run', () => {
  afterEach(() => {
    delete process.env.MEMOPT_TEST_PG_URL;
  });

  it('an unset variable: exit 2 naming it, no run folder', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-pgenv-')), 'reports');
    const r = await run('run', scenario, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/MEMOPT_TEST_PG_URL.*not set/);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it('an unreachable server: exit 2 naming host and port, never the password or the string', async () => {
    const url = 'postgresql://memopt:sekret-pw-81@127.0.0.1:1/memories';
    process.env.MEMOPT_TEST_PG_URL = url;
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-pgenv-')), 'reports');
    const r = await run('run', scenario, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot reach Postgres at 127\.0\.0\.1:1/);
    for (const text of [r.err, r.out]) {
      expect(text).not.toContain('sekret-pw-81');
      expect(text).not.toContain(url);
    }
    expect(existsSync(join(out, 'runs'))).toBe(false);
  }, 30_000);
});
