import { join } from 'node:path';
import { parse as parseVega, View } from 'vega';
import { compile } from 'vega-lite';
import { writeReportFiles } from '../report-writer.ts';
import { hintedCharts, sweepCharts, type Chart, type ChartDefinition } from './definitions.ts';
import { readReportFolder, type ReportFolder } from './folder.ts';
import { renderHtml } from './html.ts';

/** Each chart kind and what it needs, for the 'skipped' lines when a folder lacks its table. */
const KINDS: ReadonlyArray<{ definition: ChartDefinition; needs: string }> = [
  { definition: sweepCharts, needs: 'a <scenario>.sweep.csv (a scenario with `sweep`, e.g. batch size)' },
  { definition: hintedCharts, needs: 'a detail table with a chart hint (in run.json) and its <scenario>.<table>.csv' },
];

/** Vega-Lite spec -> Vega -> SVG, in Node: a headless View with no renderer, no browser and no canvas. */
export async function chartToSvg(chart: Chart): Promise<string> {
  const vegaSpec = compile(chart.spec).spec;
  const view = new View(parseVega(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface RenderedReport {
  charts: Array<{ id: string; title: string; file: string }>;
  /** Chart kinds not drawn, each with what it would need. */
  skipped: string[];
  /** The HTML page (charts inline: one file that opens anywhere). */
  html: string;
}

/**
 * Reads a report folder's CSVs (and run.json), renders every chart it has data for to `<out>/charts/<id>.svg`, and
 * writes `<out>/report.html`: the run, its targets, its comparison (if comparison.csv is there) and every chart
 * inline. Charts are data, then bytes: the definitions build specs, this function turns them into files.
 */
export async function renderCharts(options: { dir: string; out: string }): Promise<RenderedReport> {
  const folder: ReportFolder = await readReportFolder(options.dir);
  const rendered: Array<{ chart: Chart; svg: string; file: string }> = [];
  const skipped: string[] = [];
  for (const kind of KINDS) {
    const charts = kind.definition(folder);
    if (charts.length === 0) skipped.push(`no chart from ${kind.needs}`);
    for (const chart of charts) {
      const svg = await chartToSvg(chart);
      const file = join(options.out, 'charts', `${chart.id}.svg`);
      rendered.push({ chart, svg, file });
    }
  }
  const html = join(options.out, 'report.html');
  // Through the one report writer: each file whole or absent.
  await writeReportFiles(options.out, [...rendered.map((r) => ({ name: r.file, contents: r.svg })), { name: html, contents: renderHtml(folder, rendered) }]);
  return { charts: rendered.map((r) => ({ id: r.chart.id, title: r.chart.title, file: r.file })), skipped, html };
}
