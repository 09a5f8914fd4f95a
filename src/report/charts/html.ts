import type { Chart } from './definitions.ts';
import type { ReportFolder, Row } from './folder.ts';

/**
 * One self-contained HTML page: no external script, style, font or image, so it opens from a CI artifact or an
 * e-mail as it is. The SVG charts are inline. A few lines of script mark each chart `data-rendered="true"` once the
 * browser has laid it out with a size, which the headless-browser test reads.
 */
export function renderHtml(folder: ReportFolder, charts: ReadonlyArray<{ chart: Chart; svg: string }>): string {
  const env = (folder.run?.environment ?? {}) as Record<string, unknown>;
  const title = `memopt report${env.runId ? ` - run ${String(env.runId).slice(0, 8)}` : ''}`;
  const facts = [
    ['run', env.runId],
    ['started', env.startedAt],
    ['git commit', env.gitCommit],
    ['seed', env.seed],
    ['quick', env.quick],
    ['machine', env.cpuCount !== undefined ? `${env.cpuCount} x ${env.cpuModel}` : undefined],
    ['node', env.node],
  ].filter(([, v]) => v !== undefined && v !== null);

  const sections: string[] = [];
  sections.push(`<header><h1>${escape(title)}</h1><dl>${facts.map(([k, v]) => `<dt>${escape(String(k))}</dt><dd>${escape(String(v))}</dd>`).join('')}</dl></header>`);
  if (charts.length > 0) {
    sections.push(`<nav><h2>Charts</h2><ol>${charts.map(({ chart }) => `<li><a href="#chart-${escape(chart.id)}">${escape(chart.title)}</a> <small>${escape(chart.id)}</small></li>`).join('')}</ol></nav>`);
  }
  const comparison = folder.tables.get('comparison');
  if (comparison) sections.push(comparisonSection(comparison));
  const summary = folder.tables.get('summary');
  if (summary) sections.push(targetsSection(summary));
  for (const { chart, svg } of charts) {
    sections.push(
      `<figure class="chart" id="chart-${escape(chart.id)}" data-chart="${escape(chart.id)}">` +
        `<h2>${escape(chart.title)}</h2>${svg.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption>${escape(chart.caption)}</figcaption></figure>`,
    );
  }
  if (charts.length === 0) sections.push('<p>No chart: this folder has no sweep, bounds, scaling or curve table.</p>');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 980px; padding: 0 1rem; color: #222; }
  header dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; }
  header dt { color: #666; } header dd { margin: 0; font-family: ui-monospace, monospace; }
  table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 13px; }
  th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.6rem; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .regressed, .missed { color: #b3261e; font-weight: 600; } .improved, .met { color: #1e7b34; } .inconclusive { color: #8a6d00; }
  figure.chart { margin: 2rem 0; padding: 1rem; border: 1px solid #e3e3e3; border-radius: 6px; }
  figure.chart h2 { margin-top: 0; font-size: 1.1rem; }
  figure.chart svg { max-width: 100%; height: auto; }
  figcaption { color: #555; font-size: 13px; }
</style>
</head>
<body>
${sections.join('\n')}
<script>
  // Mark each chart once the browser has laid it out: an SVG with a size and drawn marks.
  const figures = document.querySelectorAll('figure[data-chart]');
  let rendered = 0;
  for (const figure of figures) {
    const svg = figure.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : null;
    const ok = Boolean(box && box.width > 0 && box.height > 0 && svg.querySelectorAll('path, line, rect, circle').length > 0);
    figure.dataset.rendered = String(ok);
    if (ok) rendered++;
  }
  document.body.dataset.charts = String(figures.length);
  document.body.dataset.chartsRendered = String(rendered);
</script>
</body>
</html>
`;
}

function targetsSection(summary: Row[]): string {
  const rows = summary.filter((r) => r.scenario !== '_run' && typeof r.target === 'string' && r.target !== '');
  if (rows.length === 0) return '';
  const body = rows
    .map((r) => {
      const passed = r.passed === 'true';
      return `<tr><td>${escape(String(r.scenario))}</td><td>${escape(String(r.metric))}</td><td>${cell(r.class)}</td><td class="num">${cell(r.baseline)}</td><td class="num">${cell(r.optimized)}</td>` +
        `<td class="num">${cell(r.change_pct, '%')}</td><td><code>${escape(String(r.target))}</code></td><td class="${passed ? 'met' : 'missed'}">${passed ? 'met' : 'missed'}</td></tr>`;
    })
    .join('');
  return `<section><h2>Targets</h2><table><thead><tr><th>scenario</th><th>metric</th><th>class</th><th>baseline</th><th>optimized</th><th>change</th><th>target</th><th></th></tr></thead><tbody>${body}</tbody></table></section>`;
}

function comparisonSection(comparison: Row[]): string {
  const shown = comparison.filter((r) => r.verdict === 'regressed' || r.verdict === 'improved' || r.verdict === 'inconclusive');
  const count = (v: string) => comparison.filter((r) => r.verdict === v).length;
  const head = `<p>${count('regressed')} regressed, ${count('improved')} improved, ${count('unchanged')} unchanged, ${count('inconclusive')} inconclusive.</p>`;
  if (shown.length === 0) return `<section><h2>Comparison with the saved run</h2>${head}</section>`;
  const body = shown
    .map(
      (r) =>
        `<tr><td>${escape(String(r.scenario))}</td><td>${escape(String(r.variant))}</td><td>${escape(String(r.metric))}</td><td>${cell(r.class)}</td><td class="num">${cell(r.saved)}</td><td class="num">${cell(r.current)}</td>` +
        `<td class="num">${cell(r.change_pct, '%')}</td><td class="${escape(String(r.verdict))}">${escape(String(r.verdict))}</td><td>${escape(String(r.reason ?? ''))}</td></tr>`,
    )
    .join('');
  return `<section><h2>Comparison with the saved run</h2>${head}<table><thead><tr><th>scenario</th><th>variant</th><th>metric</th><th>class</th><th>saved</th><th>current</th><th>change</th><th>verdict</th><th>why</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

function cell(value: Row[string], suffix = ''): string {
  if (typeof value !== 'number') return escape(value === null || value === undefined ? '' : String(value));
  if (suffix === '%') {
    const text = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
    return `${value > 0 ? '+' : ''}${text}%`;
  }
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  return Number.isInteger(value) ? String(value) : abs >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
