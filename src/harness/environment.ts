import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, platform, release, totalmem, arch } from 'node:os';
import type { EnvironmentInfo } from './types.ts';

/** Packages whose versions every report records, because they shape what is measured. */
const RECORDED_PACKAGES = ['memopt', 'openai', 'msw', 'gpt-tokenizer', 'ml-pca', 'ml-matrix', 'lru-cache', 'piscina', 'tinybench'];

export function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    if (name === 'memopt') {
      return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
    }
    const main = require.resolve(name);
    // Walk up from the entry point to the package's own package.json.
    let dir = main;
    for (let i = 0; i < 6; i++) {
      dir = dir.slice(0, dir.lastIndexOf('/'));
      try {
        const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
        if (pkg.name === name) return pkg.version;
      } catch {
        /* keep walking */
      }
    }
  } catch {
    /* not installed */
  }
  return 'unknown';
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

export function describeEnvironment(options: { seed: number | undefined; quick: boolean }): EnvironmentInfo {
  const cpuList = cpus();
  return {
    runId: randomUUID(),
    startedAt: new Date().toISOString(),
    seed: options.seed ?? 'per-scenario',
    quick: options.quick,
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpuCount: cpuList.length,
    totalMemoryBytes: totalmem(),
    packages: Object.fromEntries(RECORDED_PACKAGES.map((name) => [name, packageVersion(name)])),
    gitCommit: gitCommit(),
  };
}
