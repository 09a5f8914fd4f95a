import { resolve } from 'node:path';
import type { RunComparison } from '../compare/types.ts';
import type { EnvironmentInfo, ScenarioResult } from '../harness/types.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { csvExporter, jsonExporter } from './csv.ts';
import type { Exporter, ReportData } from './exporter.ts';

/**
 * The one place that writes report files. Called after each scenario finishes, so a crash in a later scenario
 * loses nothing already measured; every file is written atomically (temp file, then rename). What the files hold
 * is up to the exporters (default: CSV and run.json).
 *
 * Files: summary.csv (all scenarios so far), <scenario>.csv (every repetition's values),
 * <scenario>.<table>.csv (each detail table a driver returned), run.json (manifest and full results), and, when a
 * comparison is set, comparison.csv; plus whatever extra exporters add (e.g. a Markdown summary).
 */
export class ReportWriter {
  private readonly results: ScenarioResult[] = [];
  private comparison: RunComparison | undefined;
  private exitCode: number | undefined;
  private readonly files = new Set<string>();

  constructor(
    readonly outDir: string,
    readonly environment: EnvironmentInfo,
    private readonly exporters: readonly Exporter[] = [csvExporter, jsonExporter],
  ) {}

  async add(result: ScenarioResult): Promise<string[]> {
    this.results.push(result);
    return this.write();
  }

  /** Adds the comparison with a saved run and the final exit code, and rewrites every file. */
  async finish(extra: { comparison?: RunComparison; exitCode?: number }): Promise<string[]> {
    this.comparison = extra.comparison ?? this.comparison;
    this.exitCode = extra.exitCode ?? this.exitCode;
    return this.write();
  }

  /** Every file written so far (absolute paths). */
  written(): string[] {
    return [...this.files];
  }

  private async write(): Promise<string[]> {
    const data: ReportData = { environment: this.environment, scenarios: this.results, comparison: this.comparison, exitCode: this.exitCode };
    const written: string[] = [];
    for (const exporter of this.exporters) {
      for (const file of exporter.render(data)) {
        const path = resolve(this.outDir, file.name);
        await writeFileAtomic(path, file.contents);
        written.push(path);
        this.files.add(path);
      }
    }
    return written;
  }
}
