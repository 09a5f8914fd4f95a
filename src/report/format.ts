import type { MetricComparison } from '../compare/types.ts';

/** Human-facing number formatting, shared by the console and Markdown reporters; the CSVs never round. */

/**
 * Human rounding only; the CSVs keep full precision. One rule for every number, integer or not, so a column reads
 * one way: from 1,000 up, rounded to a whole number with thousands separators (never `3,928` beside `3184`); from
 * 100, whole; from 1, two decimals unless whole; below, three significant digits. Bytes in B / KiB / MiB / GiB, a
 * fractional byte count (a mean) to one decimal.
 */
export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '-';
  if (unit === 'bytes') {
    const abs = Math.abs(value);
    if (abs >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(2)} GiB`;
    if (abs >= 1024 ** 2) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
    if (abs >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
    return `${Number.isInteger(value) ? value : value.toFixed(1)} B`;
  }
  return formatNumber(value);
}

/** A unitless number by formatValue's rule. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100 || Number.isInteger(value)) return value.toFixed(0);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

export function formatComparisonChange(m: MetricComparison): string {
  if (m.changePct === null) return m.current === m.saved ? '0%' : 'from 0';
  if (m.changePct === 0) return '0%';
  const sign = m.changePct > 0 ? '+' : '';
  return `${sign}${Math.abs(m.changePct) >= 100 ? m.changePct.toFixed(0) : m.changePct.toFixed(1)}%`;
}

/** The evidence behind a verdict, in a few characters: 'exact', or the interval and p-value. */
export function evidence(m: MetricComparison): string {
  if (m.method === 'exact') return m.noisePct > 0 ? `exact, band +-${m.noisePct}%` : 'exact';
  const parts: string[] = [];
  if (m.ci) parts.push(`${Math.round(m.ci.confidence * 100)}% CI ${signed(m.ci.lowPct)}..${signed(m.ci.highPct)}%`);
  if (m.pValue !== null) parts.push(`p=${m.pValue < 0.001 ? m.pValue.toExponential(0) : m.pValue.toFixed(3)}`);
  parts.push(`n=${m.savedSamples.length}/${m.currentSamples.length}`);
  if (m.varies && m.policy.method === 'exact') parts.push('varies');
  return parts.join(', ');
}

function signed(value: number): string {
  const text = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
  return value > 0 ? `+${text}` : text;
}
