import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { startPgliteServer, type PgliteServer } from '../../src/parts/vector-store/pglite-server-process.ts';

const scenario = join(import.meta.dirname, '..', 'fixtures', 'pgvector', 'pgvector-default-db.ts');

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

async function outFolder(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'memopt-pgrun-')), 'reports');
}

/** Every file under `dir`, with its text. */
async function filesUnder(dir: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push([join(entry.parentPath, entry.name), await readFile(join(entry.parentPath, entry.name), 'utf8')]);
  }
  return out;
}

/**
 * `memopt run --pg-env NAME` / `--pg-url URL`: the pgvector scenarios use the user's Postgres instead of a PGlite
 * server, checked before the run; the connection string appears in no output, report, log or run.json.
 */
describe('memopt run --pg-env / --pg-url', () => {
  let server: PgliteServer | undefined;
  afterEach(() => {
    delete process.env.MEMOPT_TEST_RUN_PG;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses both at once, a bad variable name, and a string that is not a postgres URL: exit 2, nothing run', async () => {
    const out = await outFolder();
    for (const argv of [
      ['--pg-env', 'X', '--pg-url', 'postgresql://a@127.0.0.1:1/b'],
      ['--pg-env', 'not a name'],
      ['--pg-url', 'mysql://u:sekret-9@host/db'],
    ]) {
      const r = await run('run', scenario, '--out', out, ...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--pg-(env|url)/);
      expect(r.err).not.toContain('sekret-9');
    }
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it('an unset variable or an unreachable server: exit 2 before the run, naming the variable or host, never the string', async () => {
    const out = await outFolder();
    const unset = await run('run', scenario, '--out', out, '--pg-env', 'MEMOPT_TEST_RUN_PG');
    expect(unset.code).toBe(2);
    expect(unset.err).toMatch(/MEMOPT_TEST_RUN_PG.*not set/);
    const url = 'postgresql://memopt:sekret-pw-17@127.0.0.1:1/memories';
    const unreachable = await run('run', scenario, '--out', out, '--pg-url', url);
    expect(unreachable.code).toBe(2);
    expect(unreachable.err).toMatch(/cannot reach Postgres at 127\.0\.0\.1:1/);
    for (const text of [unreachable.err, unreachable.out]) {
      expect(text).not.toContain('sekret-pw-17');
      expect(text).not.toContain(url);
    }
    expect(existsSync(join(out, 'runs'))).toBe(false);
  }, 60_000);

  it("runs the pgvector variant in the given Postgres, and writes the string nowhere (run.json's argv redacted)", async () => {
    server = await startPgliteServer();
    // PGlite behind pglite-socket takes any password: one goes in the URL, to look for it afterwards.
    const url = server.url.replace('postgresql://postgres@', 'postgresql://postgres:sekret-pw-23@');
    const out = await outFolder();
    const r = await run('run', scenario, '--out', out, '--pg-url', url, '--verbose');
    expect(r.code).toBe(0);
    // The driver logs the database its pgvector index opened in: this one, by description only.
    expect(r.err).toMatch(/pgvector opened in \d+ ms \(the --pg-url Postgres/);
    const files = await filesUnder(out);
    expect(files.length).toBeGreaterThan(2);
    for (const [, text] of [...files, ['stdout', r.out], ['stderr', r.err]]) {
      expect(text).not.toContain('sekret-pw-23');
      expect(text).not.toContain(server.url.slice('postgresql://'.length));
    }
    const runJson = files.find(([path]) => path.endsWith('run.json'))!;
    expect(runJson[1]).toContain('[redacted]');
  }, 240_000);
});
