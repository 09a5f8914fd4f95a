import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { MOCK_MODEL_VERSION } from '../../src/endpoint/emulated-api/index.ts';
import { ReportWriter } from '../../src/report/report-writer.ts';
import { environment, metric, scenario } from '../support/run-reports.ts';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

async function runFolder(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'memopt-compare-options-')), 'run');
  const writer = new ReportWriter(dir, environment({ mockModelVersion: MOCK_MODEL_VERSION }));
  await writer.start();
  await writer.add(scenario('s', [metric('requests', 'counter', [100, 100], [40, 40])]));
  await writer.finish({ exitCode: 0 });
  return dir;
}

describe('compare of two saved runs', () => {
  it('refuses --seed, --quick and --repetitions (exit 2, naming them): nothing runs, they would be ignored', async () => {
    const [a, b] = [await runFolder(), await runFolder()];
    const seed = await cli('compare', a, b, '--seed', '7');
    expect(seed.code).toBe(2);
    expect(seed.err).toContain("field '--seed': compare of two saved runs runs nothing, so --seed would be ignored");
    const both = await cli('compare', a, b, '--quick', '--repetitions', '3');
    expect(both.code).toBe(2);
    expect(both.err).toContain('--quick, --repetitions would be ignored');
    expect((await cli('compare', a, b)).code).toBe(0);
  });
});
