import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RunError } from '../errors.ts';
import { processIsGone } from './process-alive.ts';

/** Who holds a lock: written into it right after it is taken. */
interface LockOwner {
  pid: number;
  hostname: string;
}

export interface DirLockOptions {
  /** Give up waiting after this long (default 60 000 ms): a clear error naming the lock and its holder. */
  timeoutMs?: number;
  /** Longest pause between two attempts (default 50 ms; the first pauses are shorter, each with random jitter). */
  maxRetryMs?: number;
}

/**
 * Runs `work` while holding the lock `lockDir`, a folder created with mkdir (atomic: of any number of processes, or
 * of callers in one process, exactly one creates it). Waiters retry with jittered pauses. A lock whose holder is a
 * process gone on this host (killed with -9 mid-save) is broken, by one waiter at a time (it holds `<lock>.break` and
 * reads the holder again first, so it never removes a lock a live process has taken meanwhile). A lock held by a live
 * process, by another host, or not yet naming its holder is waited for; after `timeoutMs` the error names it. The
 * lock is removed when `work` ends, whether it resolved or threw.
 */
export async function withDirLock<T>(lockDir: string, work: () => Promise<T>, options: DirLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRetryMs = options.maxRetryMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(lockDir);
    if (owner && owner.hostname === hostname() && processIsGone(owner.pid)) {
      await breakLock(lockDir, owner.pid);
    } else if (Date.now() > deadline) {
      const held = owner ? `process ${owner.pid} on ${owner.hostname}` : 'a process that has not named itself';
      throw new RunError(`${lockDir} has been held by ${held} for over ${timeoutMs} ms; if no memopt is saving there, remove that folder`);
    }
    const pause = Math.min(maxRetryMs, 1 + attempt * 2) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  try {
    await writeFile(join(lockDir, 'owner.json'), JSON.stringify({ pid: process.pid, hostname: hostname() } satisfies LockOwner));
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function readOwner(lockDir: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(join(lockDir, 'owner.json'), 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.hostname === 'string' ? { pid: owner.pid, hostname: owner.hostname } : null;
  } catch {
    return null;
  }
}

/** Removes a lock whose holder is gone, if it still is: only while holding `<lock>.break` (else another waiter is at it). */
async function breakLock(lockDir: string, deadPid: number): Promise<void> {
  const breaker = `${lockDir}.break`;
  try {
    await mkdir(breaker);
  } catch {
    return;
  }
  try {
    // Only breakers remove a dead holder's lock, so read again under the breaker lock: still the dead one?
    if ((await readOwner(lockDir))?.pid === deadPid) await rm(lockDir, { recursive: true, force: true });
  } finally {
    await rm(breaker, { recursive: true, force: true });
  }
}
