import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main as cli } from '../../src/cli/main.ts';
import { main as determinismCheck } from '../../scripts/determinism-check.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const quiet = { out: () => {}, err: () => {} };

/** Runs the check (shards 1/2 and 2/2 as child processes beside a busy loop) and returns its exit code and output. */
async function check(files: string[]): Promise<{ code: number; output: string }> {
  const root = await mkdtemp(join(tmpdir(), 'memopt-determinism-'));
  expect(await cli(['run', ...files, '--quick', '--out', join(root, 'main')], quiet)).toBe(0);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(String(line)));
  try {
    const code = await determinismCheck(['--main', join(root, 'main'), '--load', '1', '--out', join(root, 'check')]);
    return { code, output: lines.join('\n') };
  } finally {
    log.mockRestore();
  }
}

describe('scripts/determinism-check.ts end to end', () => {
  it('passes when the exact counters of a concurrent search trace reproduce, sharded and under load', { timeout: 120_000 }, async () => {
    const { code, output } = await check([join(fixtures, 'scenarios', 'small-search-trace.ts'), join(fixtures, 'scenarios', 'passing.ts')]);
    expect(output).toMatch(/determinism check passed: \d+ exact counter\(s\) of 2 scenario\(s\) identical/);
    expect(code).toBe(0);
  });

  it('fails naming a counter declared exact that real time decides', { timeout: 120_000 }, async () => {
    const { code, output } = await check([join(fixtures, 'determinism', 'wall-clock-counter.ts'), join(fixtures, 'scenarios', 'passing.ts')]);
    expect(code).toBe(1);
    expect(output).toMatch(/DIFFERS: wall-clock-counter spin_us \(baseline\): \d+ vs \d+/);
    expect(output).not.toMatch(/DIFFERS: wall-clock-counter steps/);
  });
});
