import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { baselineFolder, lastRun } from '../support/run-folders.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'compare');
const saved = join(fixtures, 'saved');
const worse = join(fixtures, 'worse');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('memopt run --save-baseline and memopt compare', () => {
  let root: string;
  let baselines: string;
  let savedReports: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'memopt-compare-'));
    baselines = join(root, 'baselines');
    savedReports = join(root, 'saved-reports');
    const r = await cli('run', saved, '--out', savedReports, '--save-baseline', 'main', '--baselines-dir', baselines);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Baseline 'main' saved: ${await baselineFolder(baselines, 'main')}`);
  });

  it('saves the raw samples and the manifest under the baseline folder', async () => {
    expect((await readdir(join(baselines, 'main'))).sort()).toEqual(['current', basename(await baselineFolder(baselines, 'main'))]);
    const files = (await readdir(await baselineFolder(baselines, 'main'))).sort();
    expect(files).toEqual(['baseline.json', 'fixture-compare.csv', 'fixture-compare.rows.csv', 'run.json', 'summary.csv']);
    const run = JSON.parse(await readFile(join(await baselineFolder(baselines, 'main'), 'run.json'), 'utf8'));
    const metric = run.scenarios[0].metrics.find((m: { name: string }) => m.name === 'requests');
    expect(metric.optimizedSamples).toEqual([40, 40, 40]);
    expect(metric.comparePolicy).toMatchObject({ method: 'exact', noisePct: 0, gate: 'strict' });
  });

  it('unchanged code compares unchanged: exit 0, comparison.csv written', async () => {
    const out = join(root, 'same');
    const r = await cli('compare', 'main', '--scenarios', saved, '--baselines-dir', baselines, '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/fixture-compare: gating: 0 regressed, 0 improved, 5 unchanged, 0 inconclusive; advisory \(never fails a build\): 0 regressed, 0 improved, 2 unchanged, 0 inconclusive/);
    const rows = parse(await readFile(join(await lastRun(out), 'comparison.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    // requests, time_ms and mock_requests for each variant, and time_ms as the pairs' speedup (base 50 / opt 20 ms).
    expect(rows).toHaveLength(7);
    expect(rows.find((row) => row.side === 'paired')).toMatchObject({ metric: 'time_ms', variant: 'opt vs base', unit: 'x speedup', saved: '2.5', current: '2.5' });
    expect(new Set(rows.map((row) => row.verdict))).toEqual(new Set(['unchanged']));
  });

  it('a regression is named with its size and verdict, exits 1 and writes a Markdown summary', async () => {
    const out = join(root, 'worse');
    const markdown = join(root, 'summary.md');
    const r = await cli('compare', 'main', '--scenarios', worse, '--baselines-dir', baselines, '--out', out, '--markdown', markdown);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/requests\s+opt\s+requests\s+40\s+60\s+\+50\.0%\s+exact\s+REGRESSED/);
    expect(r.out).toContain('config: optimized.requests: 40 -> 60');
    const md = await readFile(markdown, 'utf8');
    expect(md).toContain('gating: **1 regressed**');
    expect(md).toContain('exit code **1**');
    expect(md).toContain('| fixture-compare | opt | requests | gating | 40 | 60 | +50.0% | exact | **regressed** |');
    const rows = parse(await readFile(join(await lastRun(out), 'comparison.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.find((row) => row.metric === 'requests' && row.side === 'optimized')).toMatchObject({
      saved: '40', current: '60', change_pct: '50', verdict: 'regressed', method: 'exact', gate: 'strict',
    });
  });

  it('two report folders compare without running; the other way round it is an improvement', async () => {
    const worseReports = join(root, 'worse-reports');
    expect((await cli('run', worse, '--out', worseReports)).code).toBe(0);
    const regression = await cli('compare', savedReports, worseReports, '--baselines-dir', baselines);
    expect(regression.code).toBe(1);
    expect(regression.out).not.toMatch(/fixture-compare \(/); // nothing ran: no scenario table
    const improvement = await cli('compare', worseReports, 'main', '--baselines-dir', baselines);
    expect(improvement.code).toBe(0);
    expect(improvement.out).toMatch(/requests\s+opt\s+requests\s+60\s+40\s+-33\.3%\s+exact\s+improved/);
  });

  it('bad input exits 2: an unknown baseline, another quick mode, a bad name, a broken run.json', async () => {
    const unknown = await cli('compare', 'nope', '--scenarios', saved, '--baselines-dir', baselines);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/'nope' is neither a saved baseline .* \(saved baselines: main\)/);
    const quick = await cli('compare', 'main', '--scenarios', saved, '--baselines-dir', baselines, '--quick');
    expect(quick.code).toBe(2);
    expect(quick.err).toMatch(/baseline 'main' was not run with --quick/);
    const name = await cli('run', saved, '--out', join(root, 'x'), '--save-baseline', '../escape', '--baselines-dir', baselines);
    expect(name.code).toBe(2);
    expect(name.err).toMatch(/not a baseline name/);
    const broken = join(root, 'broken');
    await cli('run', saved, '--out', broken);
    await writeFile(join(broken, 'run.json'), '{"environment": {}}');
    const r = await cli('compare', broken, 'main', '--baselines-dir', baselines);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/run\.json, field 'environment\.runId': not a memopt run manifest/);
  });

  it('a run with an errored scenario is not saved as a baseline', async () => {
    const failing = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'failing-run.ts');
    const r = await cli('run', failing, '--out', join(root, 'failing'), '--save-baseline', 'broken', '--baselines-dir', baselines);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/baseline 'broken' not saved: the run is failed/);
    expect(existsSync(join(baselines, 'broken'))).toBe(false);
  });
});
