import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRunReport } from '../../src/runs/baselines.ts';
import { describeEnvironment } from '../../src/harness/environment.ts';
import { checkComplete } from '../../src/runs/run-folder.ts';

async function runFolder(status: string, pid: number, host: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'memopt-abandoned-'));
  const environment = { ...describeEnvironment({ seed: undefined, quick: true }), pid, hostname: host };
  await writeFile(join(dir, 'run.json'), JSON.stringify({ status, exitCode: null, finishedAt: null, environment, scenarios: [] }));
  return dir;
}

async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  return new Promise((resolve) => child.on('exit', () => resolve(child.pid!)));
}

describe('a run whose process is gone is abandoned, not running', () => {
  it('records the pid and host of the process writing the run', () => {
    const environment = describeEnvironment({ seed: undefined, quick: false });
    expect(environment.pid).toBe(process.pid);
    expect(environment.hostname).toBe(hostname());
  });

  it("shows 'running' with a dead pid on this host as 'abandoned', and refuses to use it saying so", async () => {
    const pid = await exitedPid();
    const dir = await runFolder('running', pid, hostname());
    const report = await loadRunReport(dir);
    expect(report.status).toBe('abandoned');
    expect(() => checkComplete(report, join(dir, 'run.json'), { allowIncomplete: false })).toThrow(
      `is abandoned (recorded running, but its process ${pid} on ${hostname()} is gone)`,
    );
  });

  it("keeps 'running' for a live process, for another host, and leaves ended runs as they are", async () => {
    expect((await loadRunReport(await runFolder('running', process.pid, hostname()))).status).toBe('running');
    const pid = await exitedPid();
    expect((await loadRunReport(await runFolder('running', pid, `not-${hostname()}`))).status).toBe('running');
    expect((await loadRunReport(await runFolder('complete', pid, hostname()))).status).toBe('complete');
  });
});
