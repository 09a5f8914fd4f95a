import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, availableParallelism, cpus, freemem, platform, release, totalmem, type as osType, version as osVersion } from 'node:os';
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

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

function gitCommit(): string | null {
  return git(['rev-parse', 'HEAD']) || null;
}

/** Uncommitted changes to tracked files (untracked files are ignored: reports and scratch files do not count). */
function gitDirty(): boolean | null {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return status === null ? null : status.length > 0;
}

export interface EnvironmentOptions {
  seed: number | undefined;
  quick: boolean;
  /** --repetitions, when it replaced every scenario's own count. */
  repetitions?: number;
  /** The command line (without node and the script). */
  argv?: readonly string[];
}

/**
 * The run manifest's machine half: run id, versions, machine, git state and options. Each scenario's half (file
 * hash, resolved workload, params and mock, notes such as tinybench options) is in its result's `manifest`.
 */
export function describeEnvironment(options: EnvironmentOptions): EnvironmentInfo {
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
    gitDirty: gitDirty(),
    os: `${osType()} ${release()} (${osVersion()})`,
    availableParallelism: availableParallelism(),
    freeMemoryBytes: freemem(),
    argv: options.argv ? [...options.argv] : [],
    repetitions: options.repetitions ?? null,
  };
}
