/**
 * Whether a process on this host has ended: signal 0 checks it exists without touching it. ESRCH means gone; EPERM
 * means it exists under another user. A pid the system has reused for a new process reads as alive (the safe side:
 * a lock is waited for, a run shown as running).
 */
export function processIsGone(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
