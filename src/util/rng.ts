import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { createHash } from 'node:crypto';

/**
 * A seeded random source. Every random choice in memopt (datasets, traces, jitter, faults, interleavings)
 * draws from one of these, so a run is reproducible from its seed.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A new independent generator derived from this one and a label (for per-component streams). */
  fork(label: string): Rng;
}

/** Derives a 32-bit seed from any string (for per-text or per-component streams). */
export function seedFromString(text: string): number {
  return createHash('sha256').update(text).digest().readInt32LE(0);
}

export function createRng(seed: number): Rng {
  // xoroshiro128plus seeded with a small integer starts with outputs near 1.0; hash the seed to spread its bits
  // and skip a few outputs so nearby seeds give unrelated streams.
  const gen = xoroshiro128plus(seedFromString(`memopt-rng:${seed}`));
  for (let i = 0; i < 4; i++) uniformFloat64(gen);
  let spare: number | undefined;
  const rng: Rng = {
    next: () => uniformFloat64(gen),
    int: (min, max) => min + Math.floor(uniformFloat64(gen) * (max - min + 1)),
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = uniformFloat64(gen);
      const v = uniformFloat64(gen);
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    pick(items) {
      if (items.length === 0) throw new RangeError('pick from an empty array');
      return items[Math.floor(uniformFloat64(gen) * items.length)];
    },
    fork: (label) => createRng(seedFromString(`${seed}:${label}`)),
  };
  return rng;
}
