import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { paretoFront } from '../../src/report/charts/definitions.ts';
import { CHART_IDS, writeReportFolder } from '../support/report-folder.ts';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('memopt report: SVG charts and an HTML page from the CSVs, rendered in Node', () => {
  let dir: string;
  let result: Awaited<ReturnType<typeof cli>>;

  beforeAll(async () => {
    dir = await writeReportFolder();
    result = await cli('report', dir);
  });

  it('writes one SVG per chart and the page, and says which chart kinds had no data', async () => {
    expect(result.code).toBe(0);
    expect((await readdir(join(dir, 'charts'))).sort()).toEqual(CHART_IDS.map((id) => `${id}.svg`).sort());
    expect(result.out).toContain(`Report: ${join(dir, 'report.html')}`);
    expect(result.out).not.toContain('skipped');
  });

  it('each chart is a real SVG with its title, axes and series', async () => {
    const svg = (id: string) => readFile(join(dir, 'charts', `${id}.svg`), 'utf8');
    const requests = await svg('batch-embeddings-sweep-api_requests');
    expect(requests.startsWith('<svg')).toBe(true);
    for (const text of ['API requests against batch size', 'batch size (texts per request)', 'minimum: ceil(texts / batch size)', 'naive baseline (2,000)']) expect(requests).toContain(text);
    const hitRate = await svg('search-cache-hit-rate');
    for (const text of ['Hit rate against cache capacity', 'infinite cache', "Belady's optimal", 'measured hit rate (capacity 200)']) expect(hitRate).toContain(text);
    const pareto = await svg('index-compression-pareto');
    for (const text of ['recall@10 against bytes per vector', 'Pareto front', 'int8', 'float32', 'binary', 'usearch']) expect(pareto).toContain(text);
    // Peer points have no label column: drawn unlabelled, never as the text "null".
    expect(pareto).not.toContain("null");
    expect(await svg('parallel-search-workers')).toContain('core count ceiling (2 cores)');
    const concurrency = await svg('parallel-api-concurrency');
    expect(concurrency).toContain('rate-limit ceiling (6.2x)');
    expect(concurrency).toContain('CPU ceiling (17.7x)');
  });

  it('the page is self-contained: every chart inline, no external resource', async () => {
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    for (const id of CHART_IDS) expect(html).toContain(`<figure class="chart" id="chart-${id}" data-chart="${id}">`);
    expect(html.match(/<svg/g)).toHaveLength(CHART_IDS.length);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect(html).toContain('chart-run');
    // The caption names the front's members, peers included, and leaves the beaten ones out.
    expect(html).toContain('PCA 64 int8 (64 B, 0.530); binary sign bits, int8 re-score x3 (70 B, 0.900); PCA 512 float32 (2048 B, 0.910)');
    expect(html).not.toMatch(/front[^<]*usearch HNSW/);
  });

  it('an empty or missing folder is bad input (exit 2)', async () => {
    const r = await cli('report', join(dir, 'charts'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/neither a run folder \(no run.json\) nor a reports root/);
    expect((await cli('report', join(dir, 'no-such-folder'))).code).toBe(2);
  });
});

describe('Pareto front', () => {
  it('keeps the points no other point beats on both cost and quality', () => {
    const front = paretoFront([
      { x: 4, y: 0.9 }, { x: 1, y: 0.5 }, { x: 2, y: 0.4 }, { x: 2, y: 0.7 }, { x: 8, y: 0.85 }, { x: 16, y: 0.99 },
    ]);
    expect(front).toEqual([{ x: 1, y: 0.5 }, { x: 2, y: 0.7 }, { x: 4, y: 0.9 }, { x: 16, y: 0.99 }]);
  });
});
