import { gateOf, verdictCountsByGate } from '../compare/gate.ts';
import type { MetricComparison, RunComparison } from '../compare/types.ts';
import type { ScenarioResult } from '../harness/types.ts';
import { evidence, formatComparisonChange, formatValue } from './format.ts';
import type { Exporter, ReportData } from './exporter.ts';

/**
 * A Markdown summary fit for a CI job summary ($GITHUB_STEP_SUMMARY) or a pull-request comment: the outcome first
 * (exit code, what regressed, by how much, with what confidence), then missed targets and configuration changes,
 * then every comparison in a collapsed section. Numbers are rounded for reading; comparison.csv keeps them whole.
 */
export function renderMarkdown(data: ReportData): string {
  const lines: string[] = [];
  const env = data.environment;
  const { comparison } = data;
  lines.push(comparison ? `## memopt compare: \`${comparison.current.ref}\` against \`${comparison.saved.ref}\`` : '## memopt run');
  lines.push('');
  lines.push(outcomeLine(data));
  lines.push('');
  const commit = (c: string | null) => (c ? `commit \`${c.slice(0, 10)}\`` : 'no git commit');
  if (comparison) {
    lines.push(`Saved: run \`${comparison.saved.runId}\` (${commit(comparison.saved.gitCommit)}, ${comparison.saved.startedAt}). ` +
      `Current: run \`${comparison.current.runId}\` (${commit(comparison.current.gitCommit)}, ${comparison.current.startedAt}).`);
  } else {
    lines.push(`Run \`${env.runId}\` (${commit(env.gitCommit)}, ${env.startedAt}), seed ${env.seed}${env.quick ? ', quick' : ''}.`);
  }
  lines.push(`Machine: ${env.cpuCount} x ${env.cpuModel}, Node ${env.node}.`);
  lines.push('');

  if (comparison) {
    const changed = comparison.scenarios.flatMap((s) => s.metrics).filter((m) => m.verdict === 'regressed' || m.verdict === 'improved');
    changed.sort((a, b) => verdictRank(a) - verdictRank(b) || Math.abs(b.changePct ?? Infinity) - Math.abs(a.changePct ?? Infinity));
    lines.push('### What changed');
    lines.push('');
    if (changed.length === 0) lines.push('No metric changed beyond its noise band.');
    else lines.push(...comparisonTable(changed));
    lines.push('');
  }

  const missed = missedTargets(data.scenarios);
  if (missed.length > 0) {
    lines.push('### Missed targets');
    lines.push('');
    lines.push('| scenario | metric | target | measured | gate |');
    lines.push('|---|---|---|---|---|');
    for (const m of missed) lines.push(`| ${m.scenario} | ${m.metric} | \`${m.target}\` | ${m.measured} | ${m.gate} |`);
    lines.push('');
  }

  const errored = data.scenarios.filter((s) => s.status === 'errored');
  if (errored.length > 0) {
    lines.push('### Errors');
    lines.push('');
    for (const s of errored) lines.push(`- **${s.name}**: ${escapeCell(s.error.message)}`);
    lines.push('');
  }

  if (comparison) {
    const notCompared = comparison.scenarios.filter((s) => s.status !== 'compared');
    const configured = comparison.scenarios.filter((s) => s.configChanges.length > 0);
    const oneSided = comparison.scenarios.filter((s) => (s.addedMetrics?.length ?? 0) + (s.removedMetrics?.length ?? 0) + (s.unsampledMetrics?.length ?? 0) > 0);
    if (configured.length > 0 || notCompared.length > 0 || oneSided.length > 0 || comparison.warnings.length > 0) {
      lines.push('### Notes');
      lines.push('');
      for (const s of configured) lines.push(`- ${s.name}: configuration changed: ${s.configChanges.slice(0, 8).map((c) => `\`${escapeCell(c)}\``).join(', ')}${s.configChanges.length > 8 ? ', ...' : ''}`);
      for (const s of oneSided) {
        if (s.addedMetrics?.length) lines.push(`- ${s.name}: added (current run only): ${s.addedMetrics.map((m) => `\`${m}\``).join(', ')}`);
        if (s.removedMetrics?.length) lines.push(`- ${s.name}: removed (saved run only): ${s.removedMetrics.map((m) => `\`${m}\``).join(', ')}`);
        if (s.unsampledMetrics?.length) lines.push(`- ${s.name}: not compared: ${s.unsampledMetrics.map((m) => escapeCell(m)).join('; ')}`);
      }
      for (const s of notCompared) lines.push(`- ${s.name}: ${s.status}${s.note ? ` (${escapeCell(s.note)})` : ''}`);
      for (const w of comparison.warnings) lines.push(`- ${escapeCell(w)}`);
      lines.push('');
    }
    const all = comparison.scenarios.flatMap((s) => s.metrics);
    lines.push(`<details><summary>Every comparison (${all.length})</summary>`);
    lines.push('');
    lines.push(...comparisonTable(all));
    lines.push('');
    lines.push('</details>');
  } else {
    lines.push('### Targets');
    lines.push('');
    lines.push('| scenario | status | metric | baseline | optimized | change | target | met |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const s of data.scenarios) {
      if (s.status === 'errored') {
        lines.push(`| ${s.name} | errored | | | | | | |`);
        continue;
      }
      for (const m of s.metrics) {
        for (const t of m.targets) {
          const change = m.changePct === null ? '' : `${m.changePct > 0 ? '+' : ''}${m.changePct.toFixed(1)}%`;
          lines.push(`| ${s.name} | ${s.status} | ${m.name} | ${formatValue(m.baseline, m.unit)} | ${formatValue(m.optimized, m.unit)} | ${change} | \`${t.text}\`${t.gate === 'advisory' ? ' (advisory)' : ''} | ${t.passed ? 'yes' : '**no**'} |`);
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function outcomeLine(data: ReportData): string {
  const parts: string[] = [];
  const scenarios = data.scenarios;
  const count = (s: ScenarioResult['status']) => scenarios.filter((r) => r.status === s).length;
  if (data.comparison) {
    const { gating, advisory } = verdictCountsByGate(data.comparison);
    parts.push(`gating: **${gating.regressed} regressed**, ${gating.improved} improved, ${gating.unchanged} unchanged, ${gating.inconclusive} inconclusive; ` +
      `advisory (never fails a build): ${advisory.regressed} regressed, ${advisory.improved} improved, ${advisory.unchanged} unchanged, ${advisory.inconclusive} inconclusive`);
  }
  parts.push(`${scenarios.length} scenario(s): ${count('passed')} met every target, ${count('missed')} missed a target, ${count('errored')} errored`);
  if (data.exitCode !== undefined) parts.push(`exit code **${data.exitCode}**${data.exitCode === 0 ? '' : ` (${exitMeaning(data.exitCode)})`}`);
  return parts.join('; ') + '.';
}

function exitMeaning(code: number): string {
  return code === 1 ? 'a target missed or a metric regressed' : code === 2 ? 'bad input' : code === 3 ? 'a run failed' : 'error';
}

function verdictRank(m: MetricComparison): number {
  return m.verdict === 'regressed' ? (m.policy.gate === 'strict' ? 0 : 1) : 2;
}

function comparisonTable(metrics: readonly MetricComparison[]): string[] {
  const rows = ['| scenario | variant | metric | gate | saved | current | change | evidence | verdict |', '|---|---|---|---|---|---|---|---|---|'];
  for (const m of metrics) {
    const gate = gateOf(m);
    const verdict = gate === 'advisory' ? `${m.verdict} (advisory)` : m.verdict === 'regressed' ? '**regressed**' : m.verdict;
    rows.push(`| ${m.scenario} | ${m.variant} | ${m.metric} | ${gate} | ${formatValue(m.saved, m.unit)} | ${formatValue(m.current, m.unit)} | ${formatComparisonChange(m)} | ${evidence(m)} | ${verdict} |`);
  }
  return rows;
}

function missedTargets(scenarios: readonly ScenarioResult[]) {
  const out: Array<{ scenario: string; metric: string; target: string; measured: string; gate: string }> = [];
  for (const s of scenarios) {
    for (const m of s.metrics) {
      for (const t of m.targets) {
        if (!t.passed) out.push({ scenario: s.name, metric: m.name, target: t.text, measured: Number.isFinite(t.measured) ? formatValue(t.measured, '') : 'not measured', gate: t.gate });
      }
    }
  }
  return out;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The Markdown summary as an exporter, written to `file` (relative to the report folder, or absolute). */
export function markdownExporter(file: string): Exporter {
  return { render: (data) => [{ name: file, contents: renderMarkdown(data) }] };
}
