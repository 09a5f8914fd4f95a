import { join } from 'node:path';
import type { EnvironmentInfo, ScenarioResult } from '../harness/types.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { detailTableCsv, scenarioSamplesCsv, summaryCsv } from './csv.ts';

/**
 * The one place that writes report files. Called after each scenario finishes, so a crash in a later scenario
 * loses nothing already measured; every file is written atomically (temp file, then rename).
 *
 * Files: summary.csv (all scenarios so far), <scenario>.csv (every repetition's values),
 * <scenario>.<table>.csv (each detail table a driver returned), run.json (environment and full results).
 */
export class ReportWriter {
  private readonly results: ScenarioResult[] = [];

  constructor(
    readonly outDir: string,
    readonly environment: EnvironmentInfo,
  ) {}

  async add(result: ScenarioResult): Promise<string[]> {
    this.results.push(result);
    const written: string[] = [];
    const write = async (name: string, contents: string) => {
      const file = join(this.outDir, name);
      await writeFileAtomic(file, contents);
      written.push(file);
    };
    await write(`${result.name}.csv`, scenarioSamplesCsv(this.environment, result));
    for (const table of result.details) {
      await write(`${result.name}.${table.name}.csv`, detailTableCsv(this.environment, result, table));
    }
    await write('summary.csv', summaryCsv(this.environment, this.results));
    await write('run.json', `${JSON.stringify({ environment: this.environment, scenarios: this.results }, null, 2)}\n`);
    return written;
  }
}
