import { relative } from 'node:path';
import type { RunComparison } from '../compare/types.ts';
import type { EnvironmentInfo, RunStatus, ScenarioResult } from '../harness/types.ts';
import { LAST_POINTER, LATEST_POINTER, writeReportFiles } from '../runs/files.ts';
import { csvExporter, jsonExporter } from './csv.ts';
import type { Exporter, ReportData } from './exporter.ts';

// The run store's writer and pointers, re-exported for the report side's callers.
export { LAST_POINTER, LATEST_POINTER, writeReportFiles };

/**
 * The one place that writes a run's files, into the run's own folder (see src/runs/run-folder.ts). run.json is written when
 * the run starts (status 'running'), after each scenario (so a crash in a later scenario loses nothing already
 * measured) and when it ends, with its status and exit code. Writes are queued one after another, so an interrupt
 * waits for the write in progress and then records 'interrupted': no file is left half written or out of step.
 *
 * Files: summary.csv (all scenarios so far), <scenario>.csv (every repetition's values),
 * <scenario>.<table>.csv (each detail table a driver returned), run.json (manifest, status and full results), and,
 * when a comparison is set, comparison.csv; plus whatever extra exporters add (e.g. a Markdown summary elsewhere).
 * When the run ends complete and a reports root is given, the root's `latest` pointer is moved to this run.
 */
export class ReportWriter {
  private readonly results: ScenarioResult[] = [];
  private comparison: RunComparison | undefined;
  private exitCode: number | null = null;
  private status: RunStatus = 'running';
  private finishedAt: string | null = null;
  private readonly files = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private ended = false;

  constructor(
    readonly outDir: string,
    readonly environment: EnvironmentInfo,
    private readonly exporters: readonly Exporter[] = [csvExporter, jsonExporter],
    /** The reports root whose `latest` pointer names the last complete run (none: no pointer is kept). */
    private readonly root?: string,
  ) {}

  /** Writes run.json and the (empty) summary with status 'running', and points the root's `last` at this run. */
  async start(): Promise<string[]> {
    const written = await this.write();
    if (this.root) await this.enqueue(() => writeReportFiles(this.root!, [{ name: LAST_POINTER, contents: `${this.pointerText()}\n` }]));
    return written;
  }

  async add(result: ScenarioResult): Promise<string[]> {
    if (this.ended) return [];
    this.results.push(result);
    return this.write();
  }

  /**
   * Records how the run ended, adds the comparison with a saved run when there is one, and rewrites every file.
   * Status 'complete' (the default when every scenario reached a verdict) also moves the root's `latest` pointer.
   */
  async finish(extra: { comparison?: RunComparison; exitCode?: number; status?: RunStatus }): Promise<string[]> {
    if (this.ended) return [];
    this.comparison = extra.comparison ?? this.comparison;
    this.exitCode = extra.exitCode ?? this.exitCode;
    this.status = extra.status ?? (this.results.some((r) => r.status === 'errored') ? 'failed' : 'complete');
    this.finishedAt = new Date().toISOString();
    this.ended = true;
    const written = await this.write();
    if (this.root && this.status === 'complete') {
      await this.enqueue(() => writeReportFiles(this.root!, [{ name: LATEST_POINTER, contents: `${this.pointerText()}\n` }]));
    }
    return written;
  }

  /** Waits for the write in progress, then records the run as interrupted with this exit code (130 or 143). */
  async interrupt(exitCode: number): Promise<void> {
    if (this.ended) return;
    await this.finish({ exitCode, status: 'interrupted' });
  }

  /** Every file written so far (absolute paths). */
  written(): string[] {
    return [...this.files];
  }

  runStatus(): RunStatus {
    return this.status;
  }

  private pointerText(): string {
    return relative(this.root!, this.outDir).split('\\').join('/');
  }

  private write(): Promise<string[]> {
    const data: ReportData = {
      environment: this.environment,
      scenarios: [...this.results],
      comparison: this.comparison,
      exitCode: this.exitCode ?? undefined,
      status: this.status,
      finishedAt: this.finishedAt,
    };
    return this.enqueue(async () => {
      const files = this.exporters.flatMap((exporter) => exporter.render(data));
      const written = await writeReportFiles(this.outDir, files);
      for (const path of written) this.files.add(path);
      return written;
    });
  }

  /** Runs writes one at a time, in call order; a failed write fails its caller and does not block later ones. */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
