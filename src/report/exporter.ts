import type { ReportFile } from '../runs/files.ts';
import type { RunComparison } from '../compare/types.ts';
import type { EnvironmentInfo, RunStatus, ScenarioResult } from '../harness/types.ts';

/** Everything a report is made from: the run so far, and its comparison with a saved run when there is one. */
export interface ReportData {
  environment: EnvironmentInfo;
  scenarios: readonly ScenarioResult[];
  comparison?: RunComparison;
  /** The exit code the run will end with, once known (Markdown states it). */
  exitCode?: number;
  /** The run's state (run.json records it); absent for reports not written by a run. */
  status?: RunStatus;
  finishedAt?: string | null;
}

/** One file an exporter produces: a name relative to the report folder (or an absolute path), and its text. */
export type { ReportFile };

/**
 * An exporter turns report data into files and nothing else: it never measures, never writes. `ReportWriter` is the
 * one place that writes them (hyperfine's Exporter and ExportManager).
 */
export interface Exporter {
  render(data: ReportData): ReportFile[];
}
