import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MemoryProbe, MemorySample } from '../harness/types.ts';

let cachedGc: (() => void) | undefined;

/**
 * A full garbage collection on demand, without asking the user to start node with --expose-gc: the flag is set at
 * run time and a fresh context picks up the `gc` global it creates.
 */
export function forceGc(): void {
  if (!cachedGc) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) cachedGc = existing;
    else {
      setFlagsFromString('--expose-gc');
      cachedGc = runInNewContext('gc') as () => void;
    }
  }
  cachedGc();
}

export function createMemoryProbe(): MemoryProbe {
  const taken: MemorySample[] = [];
  return {
    sample(label) {
      forceGc();
      const usage = process.memoryUsage();
      const sample = { label, heapUsedBytes: usage.heapUsed, arrayBuffersBytes: usage.arrayBuffers };
      taken.push(sample);
      return sample;
    },
    samples: () => taken,
  };
}

/** Heap plus array buffers: what a vector store costs wherever it keeps its floats. */
export function retainedBytes(sample: MemorySample): number {
  return sample.heapUsedBytes + sample.arrayBuffersBytes;
}
