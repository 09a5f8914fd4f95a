/**
 * Every public type of a comparison between two runs, in one place. `compareRuns` produces this plain data;
 * reporters (console, CSV, Markdown) turn it into bytes and know nothing of how it was decided.
 */
import type { MetricClass, Better, ComparePolicy, MetricKind } from '../harness/types.ts';

/**
 * - improved / regressed: a change beyond the noise band (for a timing: significant, large enough, and its whole
 *   confidence interval outside the band);
 * - unchanged: equal (exact), or within the noise band;
 * - inconclusive: the samples cannot tell (a change outside the band that the test does not confirm). It never
 *   fails a build by itself.
 */
export type Verdict = 'improved' | 'regressed' | 'unchanged' | 'inconclusive';

export interface MetricComparison {
  scenario: string;
  /**
   * Which variant of the scenario: the naive baseline, the optimization, or 'paired': for a timing, the speedup of
   * each interleaved pair (baseline time / optimized time, as speedup targets and the run table have it; higher is
   * better), which cancels the load a pair shared (see compareScenario and SPEEDUP_UNIT).
   */
  side: 'baseline' | 'optimized' | 'paired';
  /** The variant's label in the current run ('batched vs naive' for a paired speedup). */
  variant: string;
  metric: string;
  unit: string;
  kind: MetricKind;
  /**
   * The metric's class as the current run recorded it (see MetricClass); absent for runs recorded before classes
   * existed. A changed 'exact' counter is a certain change, even if it varies within a run.
   */
  class?: MetricClass;
  better: Better;
  policy: ComparePolicy;
  /** The method actually used: an 'exact' metric whose repetitions disagree within a run is compared statistically. */
  method: 'exact' | 'statistical';
  /** True when the metric's repetitions disagree within either run (an 'exact' metric is then not deterministic). */
  varies: boolean;
  /** Medians over repetitions, and the sample counts. */
  saved: number;
  current: number;
  savedSamples: number[];
  currentSamples: number[];
  /** (current - saved) / |saved| x 100; null when saved is 0 and current is not. */
  changePct: number | null;
  /** The noise band actually applied, in %. */
  noisePct: number;
  /** Confidence interval of the change in % (from the bootstrap interval of the ratio of medians); null if none. */
  ci: { lowPct: number; highPct: number; confidence: number } | null;
  /** Two-sided Mann-Whitney U p-value; null for an exact comparison. */
  pValue: number | null;
  /** Cliff's delta (current vs saved), in [-1, 1]; null for an exact comparison. */
  effectSize: number | null;
  verdict: Verdict;
  /** Why this verdict, in words (e.g. 'p = 0.40 >= 0.05', 'exact: 32 -> 125'). */
  reason: string;
}

export type ScenarioComparisonStatus =
  /** Both runs have the scenario and it compared metric by metric. */
  | 'compared'
  /** In the saved run only (filtered out, renamed or removed). */
  | 'only-saved'
  /** In the current run only (new scenario). */
  | 'only-current'
  /** Errored in one of the runs: no metrics to compare. */
  | 'errored'
  /** Different seed or quick mode: counters would differ for that reason alone. */
  | 'not-comparable';

export interface ScenarioComparison {
  name: string;
  status: ScenarioComparisonStatus;
  /** Why not compared, when it was not. */
  note?: string;
  /** What changed between the runs' configurations: file hash, workload, params, mock ('path: saved -> current'). */
  configChanges: string[];
  metrics: MetricComparison[];
  /** Metrics the current run has and the saved one has not (listed, never dropped silently). */
  addedMetrics?: string[];
  /** Metrics the saved run has and the current one has not. */
  removedMetrics?: string[];
  /** A metric side with samples in one run and none in the other ('name (side): no samples in the saved run'): not compared, listed. */
  unsampledMetrics?: string[];
}

export interface RunIdentity {
  /** What the user named: a baseline name or a folder. */
  ref: string;
  runId: string;
  startedAt: string;
  gitCommit: string | null;
  quick: boolean;
}

export interface RunComparison {
  saved: RunIdentity;
  current: RunIdentity;
  scenarios: ScenarioComparison[];
  /** Problems that make the whole comparison doubtful (e.g. a different machine), for the reader. */
  warnings: string[];
}

export interface CompareOptions {
  /** Bootstrap resamples per statistical comparison. Default 2000. */
  resamples?: number;
}
