import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { MOCK_MODEL_VERSION } from '../../src/endpoint/emulated-api/index.ts';
import type { CheckedInput, EnvironmentInfo, ScenarioResult } from '../../src/harness/types.ts';
import { ReportWriter } from '../../src/report/report-writer.ts';
import { environment, metric, scenario } from '../support/run-reports.ts';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const dataset = (sha256: string): CheckedInput => ({ kind: 'dataset', field: 'workload.dataset', path: 'datasets/memories.jsonl', sha256, records: 10 });

/** A complete run folder written by the real ReportWriter. */
async function runFolder(results: ScenarioResult[], env: Partial<EnvironmentInfo> = {}): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'memopt-compare-explicit-')), 'run');
  const writer = new ReportWriter(dir, environment({ mockModelVersion: MOCK_MODEL_VERSION, ...env }));
  await writer.start();
  for (const result of results) await writer.add(result);
  await writer.finish({ exitCode: 0 });
  return dir;
}

const withInputs = (result: ScenarioResult, inputs: CheckedInput[]): ScenarioResult => ({
  ...result,
  manifest: { fileSha256: 'f', workload: {}, baselineParams: {}, optimizedParams: {}, mock: {}, sweep: null, notes: {}, inputs },
});

describe('memopt compare is explicit', () => {
  it('a metric present on one side only is listed as added or removed (console and comparison.csv)', async () => {
    const saved = await runFolder([scenario('s', [metric('requests', 'counter', [100, 100], [40, 40]), metric('old_metric', 'counter', [1, 1], [1, 1])])]);
    const current = await runFolder([scenario('s', [metric('requests', 'counter', [100, 100], [40, 40]), metric('new_metric', 'counter', [2, 2], [2, 2])])]);
    const out = await mkdtemp(join(tmpdir(), 'memopt-compare-explicit-'));
    const markdown = join(out, 'summary.md');
    const r = await cli('compare', saved, current, '--out', out, '--markdown', markdown);
    expect(r.code).toBe(0);
    expect(await readFile(markdown, 'utf8')).toContain('- s: added (current run only): `new_metric`');
    expect(r.out).toContain('added (current run only): new_metric');
    expect(r.out).toContain('removed (saved run only): old_metric');
    const rows = parse(await readFile(join(out, 'comparison.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.filter((row) => row.verdict === 'added' || row.verdict === 'removed').map((row) => `${row.verdict}:${row.metric}`).sort()).toEqual(['added:new_metric', 'removed:old_metric']);
  });

  it('runs with no metric in common: exit 2, naming what each side had', async () => {
    const saved = await runFolder([scenario('alpha', [metric('requests', 'counter', [1, 1], [1, 1])])]);
    const current = await runFolder([scenario('beta', [metric('requests', 'counter', [1, 1], [1, 1])])]);
    const r = await cli('compare', saved, current);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no metric in common \(saved run: alpha; current run: beta\)/);
  });

  it('different input hashes are refused unless --allow-changed-inputs', async () => {
    const m = () => [metric('requests', 'counter', [100, 100], [40, 40])];
    const saved = await runFolder([withInputs(scenario('s', m()), [dataset('a'.repeat(64))])]);
    const current = await runFolder([withInputs(scenario('s', m()), [dataset('b'.repeat(64))])]);
    const refused = await cli('compare', saved, current);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/the runs read different inputs: s: workload\.dataset datasets\/memories\.jsonl sha256 aaaaaaaaaaaa -> .* sha256 bbbbbbbbbbbb; pass --allow-changed-inputs/);
    expect((await cli('compare', saved, current, '--allow-changed-inputs')).code).toBe(0);
  });

  it('another mock model version is refused unless --allow-changed-inputs', async () => {
    const m = () => [metric('requests', 'counter', [100, 100], [40, 40])];
    const saved = await runFolder([scenario('s', m())], { mockModelVersion: 'older' });
    const current = await runFolder([scenario('s', m())]);
    const refused = await cli('compare', saved, current);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(new RegExp(`mock model version older -> ${MOCK_MODEL_VERSION}`));
    expect((await cli('compare', saved, current, '--allow-changed-inputs')).code).toBe(0);
  });

  it('a run.json with no status (written before runs recorded one) is refused unless --allow-incomplete', async () => {
    const m = () => [metric('requests', 'counter', [100, 100], [40, 40])];
    const saved = await runFolder([scenario('s', m())]);
    const legacy = await runFolder([scenario('s', m())]);
    const file = join(legacy, 'run.json');
    const { status: _s, exitCode: _e, finishedAt: _f, ...old } = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify(old));
    const refused = await cli('compare', saved, legacy);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/records no status .* pass --allow-incomplete/);
    expect((await cli('compare', saved, legacy, '--allow-incomplete')).code).toBe(0);
  });
});
