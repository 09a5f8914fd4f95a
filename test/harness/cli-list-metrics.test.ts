import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { ingestDriver } from '../../src/drivers/ingest.ts';
import { readReportFolder } from '../../src/report/charts/folder.ts';
import { renderHtml } from '../../src/report/charts/html.ts';
import { summaryCsv } from '../../src/report/csv.ts';
import { environment, metric, scenario } from '../support/run-reports.ts';

const smallIngest = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'small-ingest.ts');

describe('metric descriptions outside the source', () => {
  it('memopt list --metrics: every metric of the driver with unit, class, direction and description', async () => {
    let out = '';
    const code = await main(['list', '--metrics', smallIngest], { out: (t) => (out += t), err: () => {} });
    expect(code).toBe(0);
    expect(out).toContain('metrics of the ingest driver (scenarios: small-ingest)');
    for (const spec of ingestDriver.metrics) expect(out).toContain(`  ${spec.name} (${spec.unit}, `);
    const requests = ingestDriver.metrics.find((m) => m.name === 'api_requests')!;
    expect(out).toContain(`  api_requests (requests, exact, lower is better)\n      ${requests.description}`);
  });

  it('report.html: a target row carries its metric description from run.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memopt-descriptions-'));
    const m = { ...metric('api_requests', 'counter', [100], [40]), description: 'HTTP requests the endpoint received, retries included' };
    m.targets = [{ kind: 'reduction', text: '<= -50%', gate: 'strict', passed: true, measured: -60 }];
    const result = scenario('s', [m]);
    await writeFile(join(dir, 'summary.csv'), summaryCsv(environment(), [result]));
    await writeFile(join(dir, 'run.json'), JSON.stringify({ environment: {}, scenarios: [result] }));
    const html = renderHtml(await readReportFolder(dir), []);
    expect(html).toContain('api_requests<br><small class="description">HTTP requests the endpoint received, retries included</small>');
  });
});
