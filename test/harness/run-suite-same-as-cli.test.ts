import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runSuite } from '../../src/public-api.ts';
import { lastRun } from '../support/run-folders.ts';

const scenarios = join(import.meta.dirname, '..', 'fixtures', 'scenarios');
// Two API scenarios of the fixtures: small, on the in-process mock (vitest sets MEMOPT_ENDPOINT_KIND=in-process for the CLI).
const filter = '/^small-(ingest|search-trace)$/';

/** summary.csv's rows of exact metrics (counters and ratios, as run.json classes them), keyed by scenario and metric. */
async function exactRows(runFolder: string): Promise<Map<string, string[]>> {
  const run = JSON.parse(await readFile(join(runFolder, 'run.json'), 'utf8'));
  const exact = new Set<string>();
  for (const scenario of run.scenarios) {
    for (const metric of scenario.metrics) if (metric.kind === 'counter' || metric.kind === 'ratio') exact.add(`${scenario.name}/${metric.name}`);
  }
  const rows: string[][] = parse(await readFile(join(runFolder, 'summary.csv'), 'utf8'));
  const byKey = new Map<string, string[]>();
  for (const row of rows.slice(1)) {
    const key = `${row[0]}/${row[1]}`;
    if (exact.has(key)) byKey.set(`${key}/${row[6]}`, row);
  }
  return byKey;
}

describe('runSuite', () => {
  it('run from a script gives the summary.csv exact counters of memopt run --quick on the same selection', { timeout: 120_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'memopt-run-suite-'));
    const cliOut = join(root, 'cli');
    const code = await main(['run', scenarios, '--quick', '--filter', filter, '--out', cliOut], { out: () => {}, err: () => {} });
    expect(code).toBe(0);

    const outcome = await runSuite({ scenarios: [scenarios], quick: true, filter, out: join(root, 'lib'), endpoint: { kind: 'in-process' } });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.status).toBe('complete');
    expect(outcome.report?.scenarios.map((s) => s.name).sort()).toEqual(['small-ingest', 'small-search-trace']);

    const fromCli = await exactRows(await lastRun(cliOut));
    const fromScript = await exactRows(outcome.runFolder!);
    // Enough exact rows to mean something: api_requests, api_tokens, texts_lost, hit_rate, stale_results, ...
    expect(fromCli.size).toBeGreaterThan(10);
    expect([...fromScript.keys()].sort()).toEqual([...fromCli.keys()].sort());
    for (const [key, row] of fromCli) expect(fromScript.get(key), key).toEqual(row);
  });
});
