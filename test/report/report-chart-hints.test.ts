import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DetailTable } from '../../src/harness/types.ts';
import { renderCharts } from '../../src/report/charts/render.ts';
import { ReportWriter } from '../../src/report/report-writer.ts';
import { environment, metric, scenario } from '../support/run-reports.ts';

/** A report folder with one scenario holding the given detail tables, written through the real ReportWriter. */
async function folderWith(details: DetailTable[]): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'memopt-hints-')), 'reports');
  const writer = new ReportWriter(dir, environment());
  await writer.add(scenario('mine', [metric('m', 'counter', [1], [1])], { details }));
  return dir;
}

const rows = (values: Array<Array<string | number>>) => values.map((r) => ['optimized', 'opt', 0, ...r]);

describe('memopt report draws what a detail table\'s chart hint says, whatever the table is called', () => {
  it('a table without a hint gets no chart', async () => {
    const dir = await folderWith([{ name: 'worker_scaling', columns: ['side', 'variant', 'repetition', 'workers', 'x'], rows: rows([[1, 1], [2, 2]]) }]);
    const result = await renderCharts({ dir, out: dir });
    expect(result.charts).toEqual([]);
    expect(result.skipped.join('\n')).toMatch(/chart hint/);
  });

  it('a line hint on any table: filtered rows, measured series, the ideal and a ceiling named with its value', async () => {
    const dir = await folderWith([{
      name: 'my_curve',
      columns: ['side', 'variant', 'repetition', 'kind', 'threads', 'speedup', 'limit'],
      rows: rows([['real', 1, 1, 3], ['real', 2, 1.8, 3], ['real', 4, 2.9, 3], ['warmup', 8, 99, 3]]),
      chart: {
        type: 'line', id: 'threads', title: 'My speedup', caption: 'kind {kind}', where: { kind: 'real' },
        x: { column: 'threads', title: 'threads' }, y: { title: 'speedup (x)' },
        series: [
          { name: 'measured speedup', column: 'speedup', style: 'measured' },
          { name: 'ideal', ideal: true, cap: 'limit' },
          { name: 'limit ({value}x)', ceiling: 'limit', digits: 1 },
        ],
      },
    }]);
    const result = await renderCharts({ dir, out: dir });
    expect(result.charts.map((c) => c.id)).toEqual(['mine-threads']);
    const svg = await readFile(result.charts[0].file, 'utf8');
    for (const text of ['My speedup', 'measured speedup', 'limit (3.0x)', 'threads']) expect(svg).toContain(text);
    expect(svg).toContain('threads: 4; speedup (x): 2.9'); // points carry their coordinates in aria labels
    expect(svg).toContain('values from 1.0 to 4.0'); // the filtered-out row (threads 8) is not on the x axis
    expect(svg).not.toContain('speedup (x): 99');
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('mine: kind real; from mine.my_curve.csv.');
  });

  it('a front hint colours points by a group text, leaving out a part whose column is none', async () => {
    const dir = await folderWith([{
      name: 'tradeoff',
      columns: ['side', 'variant', 'repetition', 'width', 'precision', 'rerank', 'bytes', 'quality'],
      rows: rows([[8, 'int8', 'none', 8, 0.5], [16, 'int8', 'int8 x4', 16, 0.8], [32, 'float32', 'none', 128, 0.9]]),
      chart: {
        type: 'front', id: 'front', title: 'Quality against bytes', caption: 'points',
        x: { column: 'bytes', title: 'bytes', scale: 'log' }, y: { column: 'quality', title: 'quality' },
        group: { text: '{precision}[ + re-rank {rerank}]', title: 'encoding' }, label: 'width',
      },
    }]);
    const result = await renderCharts({ dir, out: dir });
    const svg = await readFile(result.charts[0].file, 'utf8');
    for (const text of ['Quality against bytes', 'encoding', 'int8 + re-rank int8 x4', 'float32']) expect(svg).toContain(text);
    expect(svg).not.toContain('re-rank none');
  });
});
