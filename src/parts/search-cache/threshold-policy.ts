/**
 * When the semantic tier may answer a query with the result of a cached query whose embedding is `similarity`
 * (cosine) away: a fixed global threshold, or an adaptive policy with per-entry thresholds learned online.
 *
 * The adaptive policy follows vCache (Schroeder et al. 2025, "vCache: Verified Semantic Prompt Caching",
 * arXiv:2502.03771; the method of its VerifiedDecisionPolicy): each cached entry keeps the verified observations of
 * the queries it was nearest to, (similarity, whether its answer was the right one); the probability that its answer
 * is right at similarity s is modelled as a sigmoid L(s) = 1 / (1 + exp(-gamma (s - t))) fitted to them by logistic
 * regression; with t' the upper (1 - eps) confidence bound of t (normal, variance by the delta method), the
 * exploration probability is tau = min over eps of 1 - delta / (1 - (1 - eps) L(s; t', gamma)); the policy explores
 * (searches afresh, compares, records the observation) with probability tau, else serves the cached answer. Until an
 * entry has `minObservations` observations it always explores.
 *
 * Where this simplifies vCache: the fit is a two-parameter Newton (IRLS) fit with a small ridge penalty on a
 * standardized similarity (vCache: scikit-learn without penalty, and a fixed table of variances when the labels are
 * perfectly separated; here the ridge keeps the fit and its variance finite in that case, which makes the variance
 * an approximation there); the eps grid has 50 points like vCache's; verification is synchronous (the caller waits
 * for the fresh search and gets its answer), where vCache labels in the background and returns the fresh response.
 * "Correct" is decided by comparing result ids (see the semantic cache), not by an LLM judge.
 *
 * vCache bounds the error rate over all requests that reach the decision, not over hits: with delta = 0.01 at most
 * about 1% of those decisions serve a wrong answer, so the share of wrong answers among hits can be higher when hits
 * are rare. The semantic-cache driver measures both.
 */
import { normalQuantile } from '../../util/proportion.ts';

/** What the semantic tier does with a candidate: serve it, search afresh and learn from the comparison, or search afresh. */
export type SemanticDecision = 'hit' | 'verify' | 'miss';

/** Verified observations of one cached entry: similarities of the queries it was nearest to, and whether its answer was theirs. */
export class EntryObservations {
  readonly similarities: number[] = [];
  readonly correct: boolean[] = [];
  /** The fit of these observations, kept until the next add (decisions outnumber observations). */
  fit: ThresholdFit | undefined | null = null;
  /** @param limit the most observations kept (the oldest go first), so a fit costs O(limit). Default 500. */
  constructor(readonly limit = 500) {}
  get count(): number {
    return this.similarities.length;
  }
  add(similarity: number, correct: boolean): void {
    this.similarities.push(similarity);
    this.correct.push(correct);
    if (this.similarities.length > this.limit) {
      this.similarities.shift();
      this.correct.shift();
    }
    this.fit = null;
  }
}

export interface ThresholdPolicy {
  readonly kind: 'fixed' | 'adaptive';
  /** One line for reports. */
  readonly setting: string;
  /** The decision for a candidate at `similarity`, from its observations; `random` is uniform in [0, 1) and seeded. */
  decide(similarity: number, observations: EntryObservations, random: () => number): SemanticDecision;
}

/** Serve every candidate at or above `threshold`. */
export class FixedThreshold implements ThresholdPolicy {
  readonly kind = 'fixed' as const;
  constructor(readonly threshold: number) {
    if (!(threshold >= -1 && threshold <= 1)) throw new RangeError(`FixedThreshold: threshold must be in [-1, 1], found ${threshold}`);
  }
  get setting(): string {
    return `fixed ${this.threshold}`;
  }
  decide(similarity: number, _observations?: EntryObservations, _random?: () => number): SemanticDecision {
    return similarity >= this.threshold ? 'hit' : 'miss';
  }
}

export interface AdaptiveThresholdOptions {
  /** The error bound delta, in (0, 1): e.g. 0.01. */
  errorBound: number;
  /** Observations an entry needs before it may serve (vCache: 6). */
  minObservations?: number;
}

const EPS_GRID = Array.from({ length: 50 }, (_, i) => 1e-6 + (i * (1 - 2e-6)) / 49);
const Z_OF_EPS = EPS_GRID.map((eps) => normalQuantile(Math.min(1 - 1e-12, 1 - eps)));
/** Similarities are standardized as (s - CENTRE) / SCALE for the fit, so the ridge penalty has a sensible size. */
const CENTRE = 0.8;
const SCALE = 0.1;
const RIDGE = 1e-2;

/** vCache's per-entry policy (see the module comment). */
export class AdaptiveThreshold implements ThresholdPolicy {
  readonly kind = 'adaptive' as const;
  readonly errorBound: number;
  readonly minObservations: number;
  constructor(options: AdaptiveThresholdOptions) {
    if (!(options.errorBound > 0 && options.errorBound < 1)) throw new RangeError(`AdaptiveThreshold: errorBound must be in (0, 1), found ${options.errorBound}`);
    this.errorBound = options.errorBound;
    this.minObservations = options.minObservations ?? 6;
    if (!Number.isInteger(this.minObservations) || this.minObservations < 1) throw new RangeError(`AdaptiveThreshold: minObservations must be a positive integer, found ${this.minObservations}`);
  }
  get setting(): string {
    return `adaptive delta ${this.errorBound}`;
  }

  decide(similarity: number, observations: EntryObservations, random: () => number): SemanticDecision {
    if (observations.count < this.minObservations) return 'verify';
    const tau = this.explorationProbability(similarity, observations);
    return random() < tau ? 'verify' : 'hit';
  }

  /** tau for a candidate at `similarity` (1 when the fit fails). */
  explorationProbability(similarity: number, observations: EntryObservations): number {
    if (observations.fit === null) observations.fit = fitThreshold(observations);
    const fit = observations.fit;
    if (!fit) return 1;
    const sd = Math.sqrt(fit.varT);
    let tau = 1;
    for (let i = 0; i < EPS_GRID.length; i++) {
      const tPrime = Math.min(1, Math.max(0, fit.t + Z_OF_EPS[i] * sd));
      const likelihood = 1 / (1 + Math.exp(-fit.gamma * (similarity - tPrime)));
      const alpha = (1 - EPS_GRID[i]) * likelihood;
      tau = Math.min(tau, 1 - this.errorBound / (1 - alpha));
    }
    return Math.max(0, tau);
  }
}

export interface ThresholdFit {
  /** The similarity at which the answer is right half the time. */
  t: number;
  /** The sigmoid's steepness (per unit of similarity). */
  gamma: number;
  /** Variance of t (delta method). */
  varT: number;
}

/**
 * Logistic regression of correct ~ b0 + b1 z, z = (s - CENTRE) / SCALE, by Newton's method with a ridge penalty;
 * then t = CENTRE + SCALE (-b0 / b1), gamma = b1 / SCALE, and var(t) by the delta method from the penalized
 * Hessian's inverse. Undefined when every observation has the same label and no slope is learned (b1 <= 0).
 */
export function fitThreshold(observations: EntryObservations): ThresholdFit | undefined {
  const n = observations.count;
  if (n === 0) return undefined;
  const z = observations.similarities.map((s) => (s - CENTRE) / SCALE);
  const y = observations.correct.map((c) => (c ? 1 : 0));
  let b0 = 0;
  let b1 = 0;
  let h00 = 0;
  let h01 = 0;
  let h11 = 0;
  for (let iteration = 0; iteration < 50; iteration++) {
    let g0 = -RIDGE * b0;
    let g1 = -RIDGE * b1;
    h00 = RIDGE;
    h01 = 0;
    h11 = RIDGE;
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(b0 + b1 * z[i])));
      const w = p * (1 - p);
      g0 += y[i] - p;
      g1 += (y[i] - p) * z[i];
      h00 += w;
      h01 += w * z[i];
      h11 += w * z[i] * z[i];
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 0)) return undefined;
    const d0 = (h11 * g0 - h01 * g1) / det;
    const d1 = (h00 * g1 - h01 * g0) / det;
    b0 += d0;
    b1 += d1;
    if (Math.abs(d0) + Math.abs(d1) < 1e-9) break;
  }
  if (!(b1 > 1e-6)) return undefined;
  const det = h00 * h11 - h01 * h01;
  // Inverse of the penalized Hessian (the covariance of b0, b1), then the gradient of tz = -b0 / b1.
  const c00 = h11 / det;
  const c01 = -h01 / det;
  const c11 = h00 / det;
  const gr0 = -1 / b1;
  const gr1 = b0 / (b1 * b1);
  const varTz = Math.max(0, gr0 * gr0 * c00 + 2 * gr0 * gr1 * c01 + gr1 * gr1 * c11);
  const t = Math.min(1, Math.max(0, CENTRE + SCALE * (-b0 / b1)));
  return { t, gamma: b1 / SCALE, varT: varTz * SCALE * SCALE };
}
