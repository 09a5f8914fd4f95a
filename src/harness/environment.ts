import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, freemem, hostname, platform, release, totalmem, type as osType, version as osVersion } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MOCK_MODEL_VERSION } from '../endpoint/models/mock-model.ts';
import { redactArgv } from '../util/redact.ts';
import type { EnvironmentInfo } from './types.ts';

/** Packages whose versions every report records, because they shape what is measured. */
const RECORDED_PACKAGES = ['memopt', 'openai', 'msw', 'gpt-tokenizer', 'ml-pca', 'ml-matrix', 'lru-cache', 'piscina', 'tinybench', 'pure-rand'];

export function packageVersion(name: string): string {
  if (name === 'memopt') return readVersion(new URL('../../package.json', import.meta.url)) ?? 'unknown';
  // Node's own lookup: node_modules/<name>/package.json in this module's folder and each folder above it. (Not
  // require.resolve: packages whose exports map has no require entry, such as pure-rand, cannot be resolved that
  // way, and some ship nested package.json files without a version beside their builds.)
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const version = readVersion(join(dir, 'node_modules', name, 'package.json'));
    if (version !== undefined) return version;
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

function readVersion(file: string | URL): string | undefined {
  try {
    const version: unknown = JSON.parse(readFileSync(file, 'utf8')).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
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
  /** The command line (without node and the script); recorded with its secrets removed (util/redact.ts). */
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
    argv: options.argv ? redactArgv(options.argv) : [],
    pid: process.pid,
    hostname: hostname(),
    repetitions: options.repetitions ?? null,
    mockModelVersion: MOCK_MODEL_VERSION,
  };
}
