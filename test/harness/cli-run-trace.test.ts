import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const REPLAY = join(fixtures, 'scenarios', 'small-memory-replay.ts');
const PASSING = join(fixtures, 'scenarios', 'passing.ts');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('memopt run --trace FILE', () => {
  let root: string;
  let out: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'memopt-trace-'));
    out = join(root, 'reports');
  });

  it("replays the user's trace through the scenario's stacks, and leaves out scenarios that take no agent trace", async () => {
    const mine = join(root, 'mine.jsonl');
    const lines = [
      { op: 'add', user: 'zoe', id: 'z1', text: 'Zoe plays the cello on Sundays', at: '2026-05-08T10:00:00Z' },
      { op: 'add', user: 'zoe', id: 'z2', text: 'Zoe is vegetarian', at: '2026-05-08T10:01:00Z' },
      { op: 'search', user: 'zoe', text: 'What instrument does Zoe play?', k: 1, at: '2026-05-08T10:02:00Z', relevant: ['z1'] },
      { op: 'search', user: 'zoe', text: 'What instrument does Zoe play?', k: 1, at: '2026-05-08T10:03:00Z', relevant: ['z1'] },
    ];
    await writeFile(mine, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = await cli('run', REPLAY, PASSING, '--trace', mine, '--out', out);
    expect(r.err).not.toContain('unexpected error');
    expect(r.code).toBe(0);
    const [runDir] = await readdir(join(out, 'runs'));
    const report = JSON.parse(await readFile(join(out, 'runs', runDir, 'run.json'), 'utf8'));
    expect(report.scenarios.map((s: { name: string }) => s.name)).toEqual(['small-memory-replay']);
    const [scenario] = report.scenarios;
    expect(scenario.manifest.inputs).toEqual([expect.objectContaining({ kind: 'agent-trace', path: mine, records: 4 })]);
    const requests = scenario.metrics.find((m: { name: string }) => m.name === 'api_requests');
    // Naive: two adds and two searches, one request each; optimized: the second search is a cache hit.
    expect(requests.baselineSamples).toEqual([4]);
    expect(requests.optimizedSamples).toEqual([3]);
  });

  it('a malformed trace exits 2 naming its line, before anything is measured', async () => {
    const bad = join(root, 'bad.jsonl');
    await writeFile(
      bad,
      [
        JSON.stringify({ op: 'add', user: 'zoe', id: 'z1', text: 'Zoe is vegetarian', at: '2026-05-08T10:00:00Z' }),
        JSON.stringify({ op: 'update', user: 'zoe', id: 'z9', text: 'Zoe eats fish now', at: '2026-05-08T10:01:00Z' }),
      ].join('\n') + '\n',
    );
    const r = await cli('run', REPLAY, '--trace', bad, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.jsonl:2: id: update of unknown memory 'z9'/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it('with no memory-replay scenario selected it is a usage error (exit 2)', async () => {
    const r = await cli('run', PASSING, '--trace', join(fixtures, 'traces', 'agent-small.jsonl'), '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--trace.*no selected scenario replays an agent-memory trace/);
  });
});
