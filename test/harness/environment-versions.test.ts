import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/harness/environment.ts';

describe('packageVersion (the versions every report records)', () => {
  // Each installed package's own package.json is the reference, read directly here.
  const installed = (name: string) => JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;

  it.each(['openai', 'msw', 'ml-pca', 'lru-cache', 'piscina', 'tinybench', 'pure-rand'])('%s: the installed version', (name) => {
    expect(packageVersion(name)).toBe(installed(name));
  });

  it('gpt-tokenizer: skips the nested esm/package.json that has a name but no version', () => {
    expect(packageVersion('gpt-tokenizer')).toBe(installed('gpt-tokenizer'));
  });

  it("memopt: this package's version; an uninstalled package: 'unknown'", () => {
    expect(packageVersion('memopt')).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    expect(packageVersion('no-such-package-here')).toBe('unknown');
  });
});
