import { relative, resolve } from 'node:path';
import type { RunComparison } from '../compare/types.ts';
import type { EnvironmentInfo, RunStatus, ScenarioResult } from '../harness/types.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { redactContents } from '../util/redact.ts';
import { csvExporter, jsonExporter } from './csv.ts';
import type { Exporter, ReportData, ReportFile } from './exporter.ts';

/**
 * Writes report files into `dir` (a name relative to it, or an absolute path), each atomically. Every file memopt
 * writes for a run, a comparison or a chart page goes through here (the ReportWriter below, `memopt compare` of two
 * saved runs, `memopt report`), so each is whole or absent, never half written, and none holds a known secret
 * (util/redact.ts).
 */
export async function writeReportFiles(dir: string, files: readonly ReportFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const path = resolve(dir, file.name);
    await writeFileAtomic(path, redactContents(file.contents));
    written.push(path);
  }
  return written;
}

/** The pointer file naming a reports root's latest complete run (`runs/<folder>`, relative to the root). */
export const LATEST_POINTER = 'latest';
/** The pointer file naming the run started last, whatever became of it (CI draws its charts from it). */
export const LAST_POINTER = 'last';

/**
 * The one place that writes a run's files, into the run's own folder (see run-folder.ts). run.json is written when
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
