import { SPEEDUP_ORIENTATION } from '../../compare/gate.ts';
import { formatNumber, formatValue } from '../format.ts';
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
  if (summary) sections.push(targetsSection(summary, metricDescriptions(folder)));
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
  td.advisory, .advisory-note { color: #666; font-weight: normal; }
  td.why { color: #555; font-size: 12px; }
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

/** Each metric's description from run.json, by name (the first scenario that has it). */
function metricDescriptions(folder: ReportFolder): Map<string, string> {
  const out = new Map<string, string>();
  for (const scenario of folder.run?.scenarios ?? []) {
    for (const metric of (scenario.metrics as Array<{ name?: unknown; description?: unknown }> | undefined) ?? []) {
      if (typeof metric.name === 'string' && typeof metric.description === 'string' && !out.has(metric.name)) out.set(metric.name, metric.description);
    }
  }
  return out;
}

function targetsSection(summary: Row[], descriptions: ReadonlyMap<string, string>): string {
  const rows = summary.filter((r) => r.scenario !== '_run' && typeof r.target === 'string' && r.target !== '');
  if (rows.length === 0) return '';
  const body = rows
    .map((r) => {
      const passed = r.passed === 'true';
      const unit = typeof r.unit === 'string' ? r.unit : '';
      const description = descriptions.get(String(r.metric));
      const metric = description ? `${escape(String(r.metric))}<br><small class="description">${escape(description)}</small>` : escape(String(r.metric));
      return `<tr><td>${escape(String(r.scenario))}</td><td>${metric}</td><td>${cell(r.class)}</td><td class="num">${cell(r.baseline, '', unit)}</td><td class="num">${cell(r.optimized, '', unit)}</td>` +
        `<td class="num">${cell(r.change_pct, '%')}</td><td><code>${escape(String(r.target))}</code></td><td class="${passed ? 'met' : 'missed'}">${passed ? 'met' : 'missed'}</td></tr>`;
    })
    .join('');
  const speedups = rows.some((r) => /^>= [\d.]+x$/.test(String(r.target)))
    ? `<p class="advisory-note">A speedup target (<code>&gt;= Nx</code>) is met by the median ${escape(SPEEDUP_ORIENTATION)}.</p>`
    : '';
  return `<section><h2>Targets</h2>${speedups}<table><thead><tr><th>scenario</th><th>metric</th><th>class</th><th>baseline</th><th>optimized</th><th>change</th><th>target</th><th></th></tr></thead><tbody>${body}</tbody></table></section>`;
}

/**
 * The comparison, gating rows and advisory rows apart: counts for each, then a table each. A gating row decides
 * the exit code (its verdict coloured); an advisory row is labelled and grey, whatever its verdict, because it never
 * fails a build. Paired timing rows are speedups, oriented as the run table's (SPEEDUP_ORIENTATION).
 */
function comparisonSection(comparison: Row[]): string {
  const verdicts = ['regressed', 'improved', 'unchanged', 'inconclusive'];
  const rows = comparison.filter((r) => typeof r.verdict === 'string' && verdicts.includes(r.verdict));
  const isGating = (r: Row) => r.gate === 'strict';
  const counts = (subset: Row[]) => verdicts.map((v) => `${subset.filter((r) => r.verdict === v).length} ${v}`).join(', ');
  const gating = rows.filter(isGating);
  const advisory = rows.filter((r) => !isGating(r));
  const head =
    `<p><strong>Gating</strong> (decides the exit code): ${counts(gating)}.<br>` +
    `<span class="advisory-note"><strong>Advisory</strong> (reported, never fails a build): ${counts(advisory)}.</span></p>` +
    (rows.some((r) => r.side === 'paired') ? `<p class="advisory-note">Timings gate as their ${escape(SPEEDUP_ORIENTATION)}, as in the targets table.</p>` : '');
  const shown = (subset: Row[]) => subset.filter((r) => r.verdict !== 'unchanged');
  const table = (subset: Row[], gate: 'gating' | 'advisory') => {
    if (subset.length === 0) return '';
    const body = subset
      .map((r) => {
        const unit = typeof r.unit === 'string' ? r.unit : '';
        const verdict = gate === 'advisory' ? `${escape(String(r.verdict))} (advisory)` : escape(String(r.verdict));
        const verdictClass = gate === 'advisory' ? 'advisory' : escape(String(r.verdict));
        return `<tr><td>${escape(String(r.scenario))}</td><td>${escape(String(r.variant))}</td><td>${escape(String(r.metric))}</td><td>${cell(r.class)}</td><td>${escape(unit)}</td>` +
          `<td class="num">${cell(r.saved, '', unit)}</td><td class="num">${cell(r.current, '', unit)}</td>` +
          `<td class="num">${cell(r.change_pct, '%')}</td><td class="${verdictClass}">${verdict}</td><td class="why">${escape(String(r.reason ?? ''))}</td></tr>`;
      })
      .join('');
    const title = gate === 'gating' ? '<h3>Gating</h3>' : '<h3 class="advisory-note">Advisory (never fails a build)</h3>';
    return `${title}<table data-gate="${gate}"><thead><tr><th>scenario</th><th>variant</th><th>metric</th><th>class</th><th>unit</th><th>saved</th><th>current</th><th>change</th><th>verdict</th><th>why</th></tr></thead><tbody>${body}</tbody></table>`;
  };
  return `<section><h2>Comparison with the saved run</h2>${head}${table(shown(gating), 'gating')}${table(shown(advisory), 'advisory')}</section>`;
}

/** A number by the reporters' one rule (formatValue), a change in % with its sign, anything else as text. */
function cell(value: Row[string], suffix = '', unit = ''): string {
  if (typeof value !== 'number') return escape(value === null || value === undefined ? '' : String(value));
  if (suffix === '%') {
    const text = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
    return `${value > 0 ? '+' : ''}${text}%`;
  }
  return escape(unit ? formatValue(value, unit) : formatNumber(value));
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
