import { relative } from 'node:path';
import type { RunComparison } from '../compare/types.ts';
import type { EnvironmentInfo, RunStatus, ScenarioResult } from '../harness/types.ts';
import { LAST_POINTER, LATEST_POINTER, writeLinkPointer, writeReportFiles, type ReportFile, type ReportFilesWriter } from '../runs/files.ts';
import { ExitCode, ReportWriteError, type ReportFileFailure } from '../errors.ts';
import { csvExporter, jsonExporter } from './csv.ts';
import type { Exporter, ReportData } from './exporter.ts';

// The run store's writer and pointers, re-exported for the report side's callers.
export { LAST_POINTER, LATEST_POINTER, writeReportFiles, type ReportFilesWriter };

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
 *
 * A write that fails after the start (a full disk, a folder removed) does not stop the run: the failure is reported
 * through `onWriteFailure`, the files that could be written are, later writes are tried again, and the run ends
 * 'failed' with exit code 3 (`endExitCode()`), so run.json never says 'complete' for reports that are not all there.
 * A failure of the first write (start) is thrown: nothing has been measured yet.
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
  private readonly failures: ReportFileFailure[] = [];
  private readonly writeFiles: ReportFilesWriter;
  private readonly onWriteFailure: (message: string) => void;

  constructor(
    readonly outDir: string,
    readonly environment: EnvironmentInfo,
    private readonly exporters: readonly Exporter[] = [csvExporter, jsonExporter],
    /** The reports root whose `latest` pointer names the last complete run (none: no pointer is kept). */
    private readonly root?: string,
    options: {
      /** Default writeReportFiles. */
      writeFiles?: ReportFilesWriter;
      /** Told of each failed write after the start (the CLI prints it); default: nothing. */
      onWriteFailure?: (message: string) => void;
    } = {},
  ) {
    this.writeFiles = options.writeFiles ?? writeReportFiles;
    this.onWriteFailure = options.onWriteFailure ?? (() => undefined);
  }

  /** Writes run.json and the (empty) summary with status 'running', and points the root's `last` at this run. */
  async start(): Promise<string[]> {
    const written = await this.write();
    if (this.root) await this.enqueue(() => this.writeFiles(this.root!, [{ name: LAST_POINTER, contents: `${this.pointerText()}\n` }]));
    return written;
  }

  /** Adds a scenario's result and rewrites the reports; a failed write is recorded (see above), never thrown. */
  async add(result: ScenarioResult): Promise<string[]> {
    if (this.ended) return [];
    this.results.push(result);
    return this.recorded(this.write());
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
    await this.queue; // earlier failures are known before the status is settled
    this.markFailedIfWritesFailed();
    let written = await this.recorded(this.write());
    if (this.markFailedIfWritesFailed()) {
      // This last write failed: record 'failed' in whatever can still be written.
      written = await this.recorded(this.write());
    }
    if (this.root && this.status === 'complete') {
      await this.recorded(this.enqueue(async () => [await writeLinkPointer(this.root!, LATEST_POINTER, this.pointerText())]));
    }
    return written;
  }

  /** The exit code the run ended with as recorded (3 when a report could not be written), once finished. */
  endExitCode(): number | null {
    return this.exitCode;
  }

  /** The report files that could not be written so far. */
  writeFailures(): readonly ReportFileFailure[] {
    return this.failures;
  }

  /** After a failed write a run that would have ended 'complete' (or 'failed' with a lower code) ends 'failed', exit 3. */
  private markFailedIfWritesFailed(): boolean {
    if (this.failures.length === 0 || this.status === 'interrupted' || (this.status === 'failed' && this.exitCode === ExitCode.runFailed)) return false;
    this.status = 'failed';
    this.exitCode = ExitCode.runFailed;
    return true;
  }

  /** A write whose failure is recorded and reported, not thrown; resolves with the files that were written. */
  private async recorded(write: Promise<string[]>): Promise<string[]> {
    try {
      return await write;
    } catch (error) {
      const failed = error instanceof ReportWriteError ? error.failed : [{ path: this.outDir, message: (error as Error)?.message ?? String(error) }];
      this.failures.push(...failed);
      for (const failure of failed) this.onWriteFailure(`could not write ${failure.path}: ${failure.message}; the run goes on and will end failed (exit code 3)`);
      if (error instanceof ReportWriteError) for (const path of error.written) this.files.add(path);
      return error instanceof ReportWriteError ? [...error.written] : [];
    }
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
      const written = await this.writeFiles(this.outDir, files);
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
