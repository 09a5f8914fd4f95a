import type { RunnerEvent, RunStep } from '../harness/types.ts';

/** Where progress goes (stderr by default): a terminal gets a live status line, anything else whole lines. */
export interface ProgressStream {
  write(text: string): void;
  /** A terminal: redraw one status line in place. Otherwise: one line per finished step. */
  isTTY: boolean;
  /** Terminal width; the status line is cut to fit. Default 100. */
  columns?: number;
}

export interface ProgressOptions {
  /** How many scenarios this run has (for '[2/7]'). */
  scenarioCount: number;
  /** Print the drivers' own log lines too (a terminal shows the latest in the status line anyway). Default false. */
  verbose?: boolean;
  /** Milliseconds since some fixed point; injected by tests. Default performance.now. */
  now?: () => number;
  /** Redraw the status line this often while a step runs (terminal only), ms; 0 turns the timer off. Default 1000. */
  tickMs?: number;
  /** Expected duration per scenario (e.g. from a saved baseline's run.json), for the run's total ETA. */
  expectedMs?: ReadonlyMap<string, number>;
}

/**
 * A progress display for long runs: scenario, variant, step and ETA. On a terminal it keeps one status line at the
 * bottom (redrawn in place, cleared before anything else is printed); in a CI log, where the stream is not a
 * terminal, it prints one line per finished step and nothing else, so the log stays readable.
 *
 * ETA: the mean duration of this scenario's finished runs times the runs left (preparing is not a run); plus, when
 * expected durations are known, the scenarios still to come.
 */
export class ProgressDisplay {
  private readonly now: () => number;
  private scenarioIndex = 0;
  private scenario = '';
  private current: { step: RunStep; startedAt: number } | null = null;
  private runDurations: number[] = [];
  private remainingRuns = 0;
  private lastLog = '';
  private drawn = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly finished = new Set<string>();

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Feed every runner event here. */
  handle(event: RunnerEvent): void {
    switch (event.type) {
      case 'scenario-start':
        this.scenarioIndex++;
        this.scenario = event.scenario;
        this.runDurations = [];
        this.remainingRuns = event.steps - 1;
        this.lastLog = '';
        break;
      case 'step-start':
        this.current = { step: event.step, startedAt: this.now() };
        this.startTimer();
        this.redraw();
        break;
      case 'step-end': {
        if (event.step.phase !== 'prepare') {
          this.runDurations.push(event.durationMs);
          this.remainingRuns--;
        }
        this.current = null;
        if (!this.stream.isTTY) {
          const eta = this.eta();
          this.stream.write(
            `memopt: ${this.prefix()} ${describeStep(event.step)} ${event.ok ? 'done' : 'failed'} in ${seconds(event.durationMs)}` +
              `${eta === null ? '' : `, ETA ${seconds(eta)}`}\n`,
          );
        } else this.redraw();
        break;
      }
      case 'log':
        this.lastLog = event.message;
        if (this.options.verbose) this.print(`  ... ${event.message}\n`);
        else this.redraw();
        break;
      case 'scenario-end':
        this.finished.add(event.scenario);
        this.stopTimer();
        this.clear();
        break;
    }
  }

  /** Prints text above the status line (a terminal) or as it is (a log). */
  print(text: string): void {
    this.clear();
    this.stream.write(text);
    this.redraw();
  }

  /** Removes the status line, so other output starts on a clean line; the next event draws it again. */
  clear(): void {
    if (this.stream.isTTY && this.drawn) {
      this.stream.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  /** Stops the timer and clears the line; call when the run ends. */
  stop(): void {
    this.stopTimer();
    this.clear();
  }

  /** The status line as it would be drawn now (without terminal codes); exposed for tests. */
  statusLine(): string {
    const parts = [this.prefix()];
    if (this.current) {
      parts.push(`${describeStep(this.current.step)} ${seconds(this.now() - this.current.startedAt)}`);
    }
    const eta = this.eta();
    if (eta !== null) parts.push(`ETA ${seconds(eta)}`);
    if (this.lastLog) parts.push(this.lastLog);
    return parts.join(' | ');
  }

  private redraw(): void {
    if (!this.stream.isTTY || !this.scenario) return;
    const width = Math.max(20, (this.stream.columns ?? 100) - 1);
    let line = this.statusLine();
    if (line.length > width) line = `${line.slice(0, width - 3)}...`;
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  private prefix(): string {
    return `[${this.scenarioIndex}/${this.options.scenarioCount}] ${this.scenario}`;
  }

  /** Milliseconds left: this scenario's runs left at its mean run time, plus expected scenarios still to come. */
  private eta(): number | null {
    if (this.runDurations.length === 0) return null;
    const mean = this.runDurations.reduce((a, b) => a + b, 0) / this.runDurations.length;
    let ms = Math.max(0, this.remainingRuns) * mean;
    if (this.current && this.current.step.phase !== 'prepare') ms = Math.max(0, ms - (this.now() - this.current.startedAt));
    if (this.options.expectedMs) {
      for (const [name, expected] of this.options.expectedMs) if (name !== this.scenario && !this.finished.has(name)) ms += expected;
    }
    return ms;
  }

  private startTimer(): void {
    const tick = this.options.tickMs ?? 1000;
    if (!this.stream.isTTY || tick <= 0 || this.timer) return;
    this.timer = setInterval(() => this.redraw(), tick);
    this.timer.unref?.();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** 'step 3/7 repetition 1 batched', 'step 1/7 prepare', 'step 6/7 sweep maxBatchSize=16 batched'. */
export function describeStep(step: RunStep): string {
  const head = `step ${step.index}/${step.steps}`;
  switch (step.phase) {
    case 'prepare':
      return `${head} prepare`;
    case 'repetition':
      return `${head} repetition ${(step.repetition ?? 0) + 1} ${step.variant ?? ''}`.trimEnd();
    case 'compressed':
      return `${head} compressed-time pair ${(step.repetition ?? 0) + 1} ${step.variant ?? ''}`.trimEnd();
    case 'sweep':
      return `${head} sweep ${step.sweep?.param}=${step.sweep?.value} ${step.variant ?? ''}`.trimEnd();
  }
}

function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}
