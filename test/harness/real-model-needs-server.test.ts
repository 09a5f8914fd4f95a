import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { mockEndpoints } from '../../src/harness/scenario-endpoint.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import searchCacheReal from '../../scenarios/search-cache-real.ts';

// A scenario whose server answers with a real model (endpoint.model) cannot run on the in-process mock: refused with
// exit 2 before anything runs, never silently measured on the mock's vectors.

describe('a real-model scenario', () => {
  it('is refused on --endpoint-kind mock, naming the scenario, before a run folder exists', { timeout: 60_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'memopt-real-kind-'));
    let err = '';
    const code = await main(['run', 'scenarios/search-cache-real.ts', '--quick', '--endpoint-kind', 'mock', '--out', out], { out: () => {}, err: (t) => (err += t) });
    expect(code).toBe(2);
    expect(err).toMatch(/--endpoint-kind.*search-cache-real.*real model.*'server'/);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it('names a model memopt can serve: another name fails when the scenario loads, naming endpoint.model', () => {
    expect(() => validateScenario('s.ts', { ...searchCacheReal, endpoint: { model: 'minilm' } }, { quick: true })).toThrow(/endpoint\.model.*unknown model "minilm"/);
  });

  it('cannot get in-process mock endpoints (the harness refuses the model option there too)', () => {
    expect(() => mockEndpoints({ model: 'use-lite' })).toThrow(/endpoint\.model.*cannot answer with the real model 'use-lite'/);
  });
});
