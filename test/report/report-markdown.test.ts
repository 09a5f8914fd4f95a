import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/compare/compare.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { environment, metric, run, scenario } from '../support/run-reports.ts';

const manifest = (batch: number) => ({
  fileSha256: 'abc', workload: { size: 2000 }, baselineParams: { embedder: 'naive' }, optimizedParams: { embedder: 'batch', maxBatchSize: batch },
  mock: {}, sweep: null, notes: {},
});

describe('Markdown summary', () => {
  const saved = run([
    scenario('batch-embeddings', [
      metric('api_requests', 'counter', [2000, 2000], [32, 32]),
      metric('wall_time_ms', 'timing', [17000, 17400, 16900, 17100], [3100, 3050, 3120, 3090]),
    ], { manifest: manifest(64) }),
  ], { runId: 'saved-run', gitCommit: '0123456789abcdef' });
  const current = run([
    scenario('batch-embeddings', [
      metric('api_requests', 'counter', [2000, 2000], [125, 125]),
      metric('wall_time_ms', 'timing', [17100, 17300, 16800, 17000], [3900, 3300, 2800, 3600]),
    ], { manifest: manifest(16), status: 'missed' }),
  ], { runId: 'current-run' });
  current.scenarios[0].metrics[0].targets = [{ kind: 'reduction', text: '<= -95%', gate: 'strict', passed: false, measured: -93.75 }];
  const comparison = compareRuns({ ref: 'main', report: saved }, { ref: 'current run', report: current });
  const md = renderMarkdown({ environment: current.environment, scenarios: current.scenarios, comparison, exitCode: 1 });

  it('leads with the outcome: counts by verdict and the exit code', () => {
    expect(md).toMatch(/^## memopt compare: `current run` against `main`\n/);
    // Gating and advisory rows counted apart: the advisory inconclusive timing is not in the gating count.
    expect(md).toContain('gating: **1 regressed**, 0 improved, 2 unchanged, 0 inconclusive; advisory (never fails a build): 0 regressed, 0 improved, 1 unchanged, 1 inconclusive; 1 scenario(s): 0 met every target, 1 missed a target, 0 errored; exit code **1** (a target missed or a metric regressed).');
    expect(md).toContain('Saved: run `saved-run` (commit `0123456789`');
  });

  it('names what changed, by how much, with its evidence and verdict', () => {
    const changed = md.slice(md.indexOf('### What changed'), md.indexOf('### Missed targets'));
    expect(changed).toContain('| scenario | variant | metric | gate | saved | current | change | evidence | verdict |');
    expect(changed).toContain('| batch-embeddings | batched | api_requests | gating | 32 | 125 | +291% | exact | **regressed** |');
    expect(changed).not.toContain('wall_time_ms');
  });

  it('lists missed targets and configuration changes, and every comparison in a collapsed section', () => {
    expect(md).toContain('| batch-embeddings | api_requests | `<= -95%` | -93.75 | strict |');
    expect(md).toContain('- batch-embeddings: configuration changed: `optimized.maxBatchSize: 64 -> 16`');
    expect(md).toMatch(/<details><summary>Every comparison \(5\)<\/summary>/);
    expect(md).toMatch(/\| batch-embeddings \| batched \| wall_time_ms \| advisory \| 3,095 \| 3,450 \| \+11\.5% \| 95% CI [-+\d.]+\.\.[-+\d.]+%, p=[\d.]+, n=4\/4 \| inconclusive \(advisory\) \|/);
    // The gating timing row is the pairs' speedup, baseline / optimized as in the run table: 17,050 / 3,095 = 5.51.
    expect(md).toMatch(/\| batch-embeddings \| batched vs naive \| wall_time_ms \| gating \| 5\.51 \| 4\.98 \| -9\.6% \|/);
  });

  it('a run without a comparison gets a targets table', () => {
    const plain = renderMarkdown({ environment: environment(), scenarios: current.scenarios, exitCode: 1 });
    expect(plain).toMatch(/^## memopt run\n/);
    expect(plain).toContain('| batch-embeddings | missed | api_requests | 2,000 | 125 |  | `<= -95%` | **no** |');
  });
});
