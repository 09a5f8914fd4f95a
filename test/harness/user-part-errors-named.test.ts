import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { indexCompressionDriver } from '../../src/drivers/index-compression.ts';
import { runScenario } from '../../src/harness/runner.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import { buildUserPart, userPartOf } from '../../src/harness/user-part.ts';
import type { ErroredScenarioResult } from '../../src/harness/types.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { formatScenario } from '../../src/report/console.ts';
import { lastRun } from '../support/run-folders.ts';
import { ThrowingIndex } from '../fixtures/user-part/throwing-index.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'user-part', 'throwing-index.ts');

function scenario(factory: () => unknown) {
  return validateScenario(
    'x.ts',
    {
      name: 'user-index',
      description: 'a user index',
      driver: indexCompressionDriver,
      workload: { size: 40, queryCount: 4, sweepWidths: [] },
      repetitions: { full: 1, quick: 1 },
      baseline: { label: 'flat', params: { index: 'flat' } },
      optimized: { label: 'mine', factory },
      targets: [{ metric: 'recall_at_10', kind: 'min', min: 1 }],
    },
    { quick: true },
  );
}

describe('an error thrown by a user part names the part and the call, and keeps its stack', () => {
  it('a sync throw in search(): the message names the variant, the interface and the method; run.json keeps the stack', async () => {
    const result = (await runScenario(scenario(() => new ThrowingIndex()), { quick: true })) as ErroredScenarioResult;
    expect(result.status).toBe('errored');
    expect(result.error.exitCode).toBe(3);
    expect(result.error.message).toMatch(/^mine \(your VectorIndex\) threw in search\(\): Cannot read properties of undefined \(reading 'ids'\)/);
    expect(result.error.part).toEqual({ label: 'mine', part: 'VectorIndex', call: 'search' });
    // The stack points into the user's own file, at the method that threw.
    expect(result.error.stack).toMatch(/TypeError: Cannot read properties of undefined/);
    expect(result.error.stack).toMatch(/ThrowingIndex\.search .*throwing-index\.ts/);
  });

  it('a rejected promise from an async method (add) is named the same way', async () => {
    class RejectingIndex extends NaiveIndex {
      override add(): void {
        throw new Error('never called');
      }
    }
    const asyncAdd = () => {
      const index = new RejectingIndex();
      return Object.assign(index, { add: async () => Promise.reject(new RangeError('disk full')) });
    };
    const result = (await runScenario(scenario(asyncAdd), { quick: true })) as ErroredScenarioResult;
    expect(result.error.message).toMatch(/^mine \(your VectorIndex\) threw in add\(\): disk full/);
    expect(result.error.stack).toMatch(/RangeError: disk full/);
  });

  it('the factory itself throwing is named as the factory', async () => {
    const result = (await runScenario(scenario(() => { throw new Error('no license key'); }), { quick: true })) as ErroredScenarioResult;
    expect(result.error.message).toBe("mine (the scenario's factory for its VectorIndex) threw: no license key");
    expect(result.error.part).toEqual({ label: 'mine', part: 'VectorIndex', call: 'factory' });
  });

  it('the watch keeps the error object, private fields and properties working, and marks only the innermost part', async () => {
    class Private {
      #count = 0;
      readonly kind = 'p';
      bump() {
        return ++this.#count;
      }
      fail() {
        throw new SyntaxError('bad');
      }
    }
    const variant = { kind: 'factory' as const, factory: () => new Private(), label: 'p1', version: undefined };
    const part = await buildUserPart(variant, 'Thing', {});
    expect([part.bump(), part.bump(), part.kind]).toEqual([1, 2, 'p']);
    let caught: unknown;
    try {
      part.fail();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SyntaxError);
    expect(userPartOf(caught)).toEqual({ label: 'p1', part: 'Thing', call: 'fail' });
    expect(userPartOf(new Error('elsewhere'))).toBeUndefined();
  });

  it('the console prints the stack with --verbose only; run.json has it either way', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-user-part-')), 'reports');
    let stdout = '';
    const code = await main(['run', fixture, '--quick', '--verbose', '--endpoint-kind', 'in-process', '--out', out], { out: (t) => (stdout += t), err: () => {} });
    expect(code).toBe(3);
    expect(stdout).toMatch(/error: mine \(your VectorIndex\) threw in search\(\): Cannot read properties of undefined/);
    expect(stdout).toMatch(/\n {8}at ThrowingIndex\.search \(.*throwing-index\.ts/);
    const run = JSON.parse(await readFile(join(await lastRun(out), 'run.json'), 'utf8'));
    const recorded = run.scenarios.find((s: { name: string }) => s.name === 'user-index-throws');
    expect(recorded.error.part).toEqual({ label: 'mine', part: 'VectorIndex', call: 'search' });
    expect(recorded.error.stack).toMatch(/at ThrowingIndex\.search /);

    const quiet = formatScenario(recorded);
    expect(quiet).not.toMatch(/at ThrowingIndex\.search/);
    expect(quiet).toContain('(the stack: --verbose, or run.json)');
  });
});
