import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoptError, runSuite } from '../../src/public-api.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

describe('runSuite refuses bad input before anything runs', () => {
  it('throws a MemoptError with exit code 2 listing every bad scenario file, and creates no run folder', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-run-suite-bad-')), 'reports');
    const refused = await runSuite({ scenarios: [join(fixtures, 'bad-scenarios')], out, endpoint: { kind: 'in-process' } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MemoptError);
    expect((refused as MemoptError).exitCode).toBe(2);
    expect((refused as MemoptError).message).toMatch(/bad-workload\.ts[\s\S]*syntax-error\.ts/);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it('bad option values are refused by name, as the CLI names them', async () => {
    const passing = join(fixtures, 'scenarios', 'passing.ts');
    await expect(runSuite({ scenarios: [passing], seed: 1.5, endpoint: { kind: 'in-process' } })).rejects.toThrow(/field '--seed': expected an integer/);
    await expect(runSuite({ scenarios: [passing], shard: '3/2', endpoint: { kind: 'in-process' } })).rejects.toThrow(/--shard/);
  });
});
