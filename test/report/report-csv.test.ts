import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { EnvironmentInfo, ScenarioResult } from '../../src/harness/types.ts';
import { writeFileAtomic } from '../../src/util/atomic-write.ts';
import { SUMMARY_COLUMNS, summaryCsv } from '../../src/report/csv.ts';
import { ReportWriter } from '../../src/report/report-writer.ts';

const env: EnvironmentInfo = {
  runId: 'run-1', startedAt: '2026-01-01T00:00:00.000Z', seed: 42, quick: true, node: 'v20.20.2',
  platform: 'linux', cpuModel: 'cpu', cpuCount: 2, totalMemoryBytes: 1024, packages: { openai: '6.0.0' }, gitCommit: null,
};

const result: ScenarioResult = {
  name: 'demo', file: 'scenarios/demo.ts', description: 'd', driver: 'fixed', seed: 42, quick: true, repetitions: 2,
  baselineLabel: 'naive', optimizedLabel: 'batched', status: 'missed', durationMs: 1,
  metrics: [
    {
      name: 'api_requests', unit: 'requests', kind: 'counter', better: 'lower', description: '',
      baseline: 1000, optimized: 16, changePct: -98.4, baselineSamples: [1000, 1000], optimizedSamples: [16, 16],
      targets: [{ kind: 'reduction', text: '<= -50%', gate: 'strict', passed: true, measured: -98.4 }],
    },
    {
      name: 'latency_p50_ms', unit: 'ms', kind: 'timing', better: 'lower', description: '',
      baseline: 1 / 3, optimized: null, changePct: null, baselineSamples: [1 / 3], optimizedSamples: [],
      targets: [{ kind: 'max', text: '<= 5', gate: 'advisory', passed: false, measured: Number.NaN }],
    },
  ],
  details: [{ name: 'curve', columns: ['x', 'y'], rows: [[1, 'a,b']] }],
};

describe('CSV reports', () => {
  it('the summary has exactly the documented columns, environment rows first, full precision', () => {
    const rows = parse(summaryCsv(env, [result])) as string[][];
    expect(rows[0]).toEqual([...SUMMARY_COLUMNS]);
    const meta = Object.fromEntries(rows.filter((r) => r[0] === '_run').map((r) => [r[1], r[3]]));
    expect(meta).toMatchObject({ seed: '42', node: 'v20.20.2', run_id: 'run-1', 'version:openai': '6.0.0', cpu_count: '2' });
    const data = rows.filter((r) => r[0] === 'demo');
    expect(data[0]).toEqual(['demo', 'api_requests', 'requests', '1000', '16', '-98.4', '<= -50%', 'true', 'exact']);
    expect(data[1]).toEqual(['demo', 'latency_p50_ms', 'ms', String(1 / 3), '', '', '<= 5 (advisory)', 'false', 'timing']);
    expect(rows.every((r) => r.length === SUMMARY_COLUMNS.length)).toBe(true);
  });

  it('an errored scenario is a row saying so, not a silent gap', () => {
    const errored: ScenarioResult = { ...result, status: 'errored', metrics: [], error: { message: 'API down', exitCode: 3 } };
    const rows = parse(summaryCsv(env, [errored])) as string[][];
    expect(rows.at(-1)).toEqual(['demo', 'error', '', '', '', '', 'API down', 'false', '']);
  });

  it('the writer writes summary, per-scenario samples, detail tables and run.json after each scenario', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memopt-report-'));
    const writer = new ReportWriter(dir, env);
    await writer.add(result);
    expect((await readdir(dir)).sort()).toEqual(['demo.csv', 'demo.curve.csv', 'run.json', 'summary.csv']);
    const samples = parse(await readFile(join(dir, 'demo.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(samples).toHaveLength(5);
    expect(samples[0]).toMatchObject({ run_id: 'run-1', seed: '42', metric: 'api_requests', side: 'baseline', repetition: '0', value: '1000' });
    const curve = parse(await readFile(join(dir, 'demo.curve.csv'), 'utf8')) as string[][];
    expect(curve[1]).toEqual(['run-1', '42', 'demo', '1', 'a,b']);
    await writer.add({ ...result, name: 'second' });
    const summary = parse(await readFile(join(dir, 'summary.csv'), 'utf8')) as string[][];
    expect(new Set(summary.map((r) => r[0]))).toEqual(new Set(['scenario', '_run', 'demo', 'second']));
  });

  it('an atomic write that fails leaves the previous file intact and no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memopt-atomic-'));
    const file = join(dir, 'summary.csv');
    await writeFile(file, 'previous');
    // Writing into a path whose parent is a file fails; the existing file must survive untouched.
    await expect(writeFileAtomic(join(file, 'child.csv'), 'x')).rejects.toThrow();
    await writeFileAtomic(file, 'next');
    expect(await readFile(file, 'utf8')).toBe('next');
    expect(await readdir(dir)).toEqual(['summary.csv']);
  });
});
