/**
 * The compare gate's false-alarm rate: runs of unchanged code compared pairwise, as `memopt compare <saved>
 * <current>` compares them (the same compareRuns), counting the verdicts that call a change where there is none.
 *
 *   npx tsx scripts/false-alarm-rate.ts --runs 10 --out /tmp/fa -- --quick                 # run 10 times, compare
 *   npx tsx scripts/false-alarm-rate.ts --runs 10 --out /tmp/fa -- --quick --filter '/^search-cache-ttl$/'
 *   npx tsx scripts/false-alarm-rate.ts --existing /tmp/fa                                  # compare runs already made
 *
 * With --runs N, `memopt run <args after -->` runs N times, each into <out>/run-<i> (the runs of one code, one
 * after another); with --existing, every run folder under that root is used. Each of the N x (N-1) / 2 pairs is
 * compared (earlier run as saved). Reported, per pair and in total:
 * - timing rows: metrics of class timing on gating rows (strict gate: the paired ratios of timings measured on both
 *   sides, and strict statistical metrics), with how many said 'regressed' or 'improved' (false alarms: the code did
 *   not change) and how many 'inconclusive';
 * - exact counters that changed (there should be none: each is a determinism failure, not noise).
 * The quick gate itself fails a build through its targets, checked inside each run (a timing target on the median of
 * the run's per-pair ratios). So every run's targets are tallied too: per target, in how many of the N runs it was
 * missed on unchanged code (a strict one missed is a false alarm of the gate: exit 1), and the spread of its measured
 * value against its threshold (min, median, max: the noise band a threshold must clear).
 * Writes <out>/false-alarms.csv (one row per pair and gating timing row), <out>/verdicts-by-scenario.csv (those
 * verdicts counted per scenario, with the noise band and the pairs per run each scenario's gate uses),
 * <out>/targets.csv (one row per target with its measured values over the runs), <out>/timing-targets.csv (the
 * targets on timings and time-dependent counters, without the list of values) and prints the totals.
 * Exit code: 0 whatever the rate (this measures, it does not gate); 2 bad input; 3 a run failed to run.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadRunReport } from '../src/runs/baselines.ts';
import { compareRuns } from '../src/compare/compare.ts';
import type { MetricComparison } from '../src/compare/types.ts';
import { RunError, UsageError } from '../src/errors.ts';
import { resolveMetricClass } from '../src/harness/compare-policy.ts';
import type { RunReport } from '../src/harness/types.ts';
import { toCsv } from '../src/report/csv.ts';
import { resolveRunFolder } from '../src/runs/run-folder.ts';
import { median } from '../src/util/median.ts';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';

const USAGE = 'Usage: npx tsx scripts/false-alarm-rate.ts (--runs N --out DIR -- <memopt run args> | --existing DIR)';
const MEMOPT = resolve(import.meta.dirname, '../bin/memopt.js');

/** One gating timing row of one pair: what the gate said about a change that did not happen. */
export interface AlarmRow {
  pair: string;
  scenario: string;
  side: MetricComparison['side'];
  metric: string;
  verdict: MetricComparison['verdict'];
  changePct: number | null;
  noisePct: number;
  reason: string;
}

export interface FalseAlarmTally {
  pairs: number;
  /** Gating timing rows compared, over all pairs. */
  timingRows: number;
  regressed: number;
  improved: number;
  inconclusive: number;
  /** Exact counters whose value changed between two runs of unchanged code (determinism failures). */
  exactChanged: Array<{ pair: string; scenario: string; side: string; metric: string; saved: number; current: number }>;
  rows: AlarmRow[];
}

/** A row gates a build when its gate is strict; timings gate as their paired ratio ('paired' rows). */
function isGatingTiming(m: MetricComparison): boolean {
  return m.policy.gate === 'strict' && (m.class ?? resolveMetricClass({ kind: m.kind })) === 'timing';
}

/** Compares every pair (i < j, run i as saved) and tallies the verdicts on gating timing rows. */
export function tallyFalseAlarms(runs: ReadonlyArray<{ name: string; report: RunReport }>): FalseAlarmTally {
  const tally: FalseAlarmTally = { pairs: 0, timingRows: 0, regressed: 0, improved: 0, inconclusive: 0, exactChanged: [], rows: [] };
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const pair = `${runs[i].name} -> ${runs[j].name}`;
      tally.pairs++;
      const comparison = compareRuns({ ref: runs[i].name, report: runs[i].report }, { ref: runs[j].name, report: runs[j].report });
      for (const m of comparison.scenarios.flatMap((s) => s.metrics)) {
        if (m.class === 'exact' && m.saved !== m.current && !(Number.isNaN(m.saved) && Number.isNaN(m.current))) {
          tally.exactChanged.push({ pair, scenario: m.scenario, side: m.side, metric: m.metric, saved: m.saved, current: m.current });
        }
        if (!isGatingTiming(m)) continue;
        tally.timingRows++;
        if (m.verdict === 'regressed') tally.regressed++;
        else if (m.verdict === 'improved') tally.improved++;
        else if (m.verdict === 'inconclusive') tally.inconclusive++;
        tally.rows.push({ pair, scenario: m.scenario, side: m.side, metric: m.metric, verdict: m.verdict, changePct: m.changePct, noisePct: m.noisePct, reason: m.reason });
      }
    }
  }
  return tally;
}

export function describeTally(tally: FalseAlarmTally): string[] {
  const pct = (n: number) => (tally.timingRows > 0 ? ` (${((n / tally.timingRows) * 100).toFixed(1)}%)` : '');
  return [
    `${tally.pairs} pair(s) of runs of unchanged code; ${tally.timingRows} gating timing verdict(s):`,
    `  regressed ${tally.regressed}${pct(tally.regressed)}, improved ${tally.improved}${pct(tally.improved)}, inconclusive ${tally.inconclusive}${pct(tally.inconclusive)}, unchanged ${tally.timingRows - tally.regressed - tally.improved - tally.inconclusive}`,
    `  exact counters that changed: ${tally.exactChanged.length}${tally.exactChanged.slice(0, 5).map((e) => `; ${e.scenario} ${e.metric} (${e.side}) ${e.saved} -> ${e.current} [${e.pair}]`).join('')}`,
    ...tally.rows.filter((r) => r.verdict === 'regressed' || r.verdict === 'improved').map((r) => `  false ${r.verdict}: ${r.scenario} ${r.metric} (${r.side}) ${r.changePct?.toFixed(1)}% [${r.pair}]: ${r.reason}`),
  ];
}

/** One target of one scenario over N runs of unchanged code. */
export interface TargetNoise {
  scenario: string;
  metric: string;
  class: string;
  gate: 'strict' | 'advisory';
  kind: string;
  target: string;
  /** The scenario's repetitions (interleaved pairs) per run: what a timing target's median is over. */
  pairs: number;
  runs: number;
  missed: number;
  measured: number[];
}

/** Every target of every completed scenario, over the runs: how often each was missed, and what it measured. */
export function tallyTargets(runs: ReadonlyArray<{ name: string; report: RunReport }>): TargetNoise[] {
  const byKey = new Map<string, TargetNoise>();
  for (const { report } of runs) {
    for (const s of report.scenarios) {
      if (s.status === 'errored') continue;
      for (const m of s.metrics) {
        for (const t of m.targets) {
          const key = `${s.name}\u0000${m.name}\u0000${t.text}\u0000${t.gate}`;
          let row = byKey.get(key);
          if (!row) {
            row = { scenario: s.name, metric: m.name, class: m.class ?? resolveMetricClass({ kind: m.kind }), gate: t.gate, kind: t.kind, target: t.text, pairs: s.repetitions, runs: 0, missed: 0, measured: [] };
            byKey.set(key, row);
          }
          row.runs++;
          if (!t.passed) row.missed++;
          row.measured.push(t.measured);
        }
      }
    }
  }
  return [...byKey.values()];
}

export function describeTargets(targets: readonly TargetNoise[], runs: number): string[] {
  const strict = targets.filter((t) => t.gate === 'strict');
  const strictMissed = strict.filter((t) => t.missed > 0);
  const timing = strict.filter((t) => t.class === 'timing');
  const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x));
  return [
    `${runs} run(s); ${strict.length} strict target(s) (${timing.length} on timings), ${targets.length - strict.length} advisory:`,
    `  strict targets missed on unchanged code: ${strictMissed.reduce((n, t) => n + t.missed, 0)} of ${strict.reduce((n, t) => n + t.runs, 0)} checks` +
      strictMissed.map((t) => `; ${t.scenario} ${t.metric} ${t.target} missed ${t.missed}/${t.runs}`).join(''),
    ...timing.map((t) => `  ${t.scenario} ${t.metric} ${t.target} (${t.pairs} pair(s) a run): min ${fmt(Math.min(...t.measured))}, median ${fmt(median(t.measured))}, max ${fmt(Math.max(...t.measured))}; missed ${t.missed}/${t.runs}`),
  ];
}

/** The gating timing verdicts counted per scenario, with the noise band each row used and the scenario's pairs per run. */
export function verdictsByScenario(tally: FalseAlarmTally, runs: ReadonlyArray<{ report: RunReport }>): Array<Array<string | number>> {
  const pairsOf = new Map<string, Set<number>>();
  for (const { report } of runs) for (const s of report.scenarios) pairsOf.set(s.name, (pairsOf.get(s.name) ?? new Set()).add(s.repetitions));
  const byScenario = new Map<string, { rows: number; regressed: number; improved: number; inconclusive: number; unchanged: number; bands: Set<number> }>();
  for (const r of tally.rows) {
    let c = byScenario.get(r.scenario);
    if (!c) byScenario.set(r.scenario, (c = { rows: 0, regressed: 0, improved: 0, inconclusive: 0, unchanged: 0, bands: new Set() }));
    c.rows++;
    if (r.verdict === 'regressed' || r.verdict === 'improved' || r.verdict === 'inconclusive' || r.verdict === 'unchanged') c[r.verdict]++;
    c.bands.add(r.noisePct);
  }
  return [...byScenario.entries()].map(([scenario, c]) => [
    scenario,
    [...(pairsOf.get(scenario) ?? [])].join(' '),
    c.rows,
    c.regressed,
    c.improved,
    c.inconclusive,
    c.unchanged,
    [...c.bands].map((b) => `${b}%`).join(' '),
  ]);
}

function memopt(args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MEMOPT, ...args], { stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code, signal) => done(code ?? (signal ? 3 : 0)));
  });
}

/** The run folders under a root: each `run-<i>` (or any folder) holding a reports root or a run.json. */
async function existingRuns(root: string): Promise<Array<{ name: string; report: RunReport }>> {
  const names = (await readdir(root)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const runs: Array<{ name: string; report: RunReport }> = [];
  for (const name of names) {
    const path = join(root, name);
    if (!(await stat(path)).isDirectory()) continue;
    runs.push({ name, report: await loadRunReport(await resolveRunFolder(path, '--existing')) });
  }
  return runs;
}

export async function main(argv: readonly string[]): Promise<number> {
  const dashes = argv.indexOf('--');
  const own = dashes < 0 ? argv : argv.slice(0, dashes);
  const runArgs = dashes < 0 ? [] : argv.slice(dashes + 1);
  const options = parseScriptArgs(own, { runs: { type: 'string' }, out: { type: 'string' }, existing: { type: 'string' } }, USAGE);
  let root: string;
  if (options.existing) {
    root = resolve(options.existing);
  } else {
    if (!options.runs || !options.out) throw new UsageError({ field: '--runs' }, `give --runs N and --out DIR, or --existing DIR\n\n${USAGE}`);
    const n = integerOption('--runs', options.runs, 2);
    root = resolve(options.out);
    await mkdir(root, { recursive: true });
    for (let i = 1; i <= n; i++) {
      const code = await memopt(['run', ...runArgs, '--out', join(root, `run-${i}`)]);
      if (code !== 0 && code !== 1) throw new RunError(`memopt run (run ${i} of ${n}) exited ${code}`);
    }
  }
  const runs = await existingRuns(root);
  if (runs.length < 2) throw new UsageError({ file: root, field: '--existing' }, `needs at least 2 runs, found ${runs.length}`);
  const tally = tallyFalseAlarms(runs);
  const columns = ['pair', 'scenario', 'side', 'metric', 'verdict', 'change_pct', 'noise_pct', 'reason'];
  await writeFile(join(root, 'false-alarms.csv'), toCsv(columns, tally.rows.map((r) => [r.pair, r.scenario, r.side, r.metric, r.verdict, r.changePct, r.noisePct, r.reason])));
  const targets = tallyTargets(runs);
  const targetColumns = ['scenario', 'metric', 'class', 'gate', 'target', 'pairs_per_run', 'runs', 'missed', 'measured_min', 'measured_median', 'measured_max', 'measured'];
  await writeFile(
    join(root, 'targets.csv'),
    toCsv(targetColumns, targets.map((t) => [t.scenario, t.metric, t.class, t.gate, t.target, t.pairs, t.runs, t.missed, Math.min(...t.measured), median(t.measured), Math.max(...t.measured), t.measured.join(' ')])),
  );
  await writeFile(
    join(root, 'timing-targets.csv'),
    toCsv(
      targetColumns.slice(0, -1),
      targets.filter((t) => t.class !== 'exact').map((t) => [t.scenario, t.metric, t.class, t.gate, t.target, t.pairs, t.runs, t.missed, Math.min(...t.measured), median(t.measured), Math.max(...t.measured)]),
    ),
  );
  await writeFile(
    join(root, 'verdicts-by-scenario.csv'),
    toCsv(['scenario', 'pairs_per_run', 'gating_timing_verdicts', 'regressed', 'improved', 'inconclusive', 'unchanged', 'noise_band'], verdictsByScenario(tally, runs)),
  );
  for (const line of describeTally(tally)) console.log(line);
  for (const line of describeTargets(targets, runs.length)) console.log(line);
  console.log(`written: ${['false-alarms.csv', 'verdicts-by-scenario.csv', 'targets.csv', 'timing-targets.csv'].map((f) => join(root, f)).join(', ')}`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
