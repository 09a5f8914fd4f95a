/**
 * The mocked API's options as a zod schema, for the places that read them from user input: a scenario's `mock`
 * field and `memopt serve`'s config. (startEmulatedApi checks its argument itself, in config.ts.) Unknown keys are
 * errors: a typo must not be silently ignored.
 */
import { z } from 'zod';
import { isModelSpec, MODEL_SPEC_EXPECTED } from '../models/spec.ts';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const nonNegative = finite.refine((n) => n >= 0, 'expected a number >= 0');
const positive = finite.refine((n) => n > 0, 'expected a number > 0');
const fraction = finite.refine((n) => n >= 0 && n <= 1, 'expected a fraction between 0 and 1');

/** Every option but baseURL (the HTTP server answers on its own address). */
export const mockOptionsShape = {
  seed: z.number().int().optional(),
  timeScale: nonNegative.optional(),
  /** The rate limiter's clock: 'virtual' (default, reproducible) or 'wall' (real time); see rate-limit-clock.ts. */
  clock: z.enum(['virtual', 'wall']).optional(),
  latency: z.object({ baseMs: nonNegative.optional(), perTokenMs: nonNegative.optional(), jitter: fraction.optional() }).strict().optional(),
  rateLimit: z
    .union([
      z.literal(false),
      z
        .object({
          requestsPerMinute: positive.optional(),
          tokensPerMinute: positive.optional(),
          initialBurst: fraction.optional(),
          rejectedCountAgainstLimit: z.boolean().optional(),
          retryHeaders: z.array(z.enum(['retry-after', 'retry-after-ms'])).optional(),
          limitHeaders: z.boolean().optional(),
        })
        .strict(),
    ])
    .optional(),
  faults: z
    .object({ serverErrorRate: fraction.optional(), slowRate: fraction.optional(), slowFactor: finite.refine((n) => n >= 1, 'expected a number >= 1').optional() })
    .strict()
    .optional(),
  pricesUsdPerMillionTokens: z.record(z.string(), nonNegative).optional(),
};

/**
 * A real model answering instead of the mock's generative model (`use-lite` or `onnx:<folder>`): a memopt server's
 * option (`memopt serve --model`, a scenario's server), not the in-process msw mock's.
 */
export const realModelOption = z
  .string()
  .refine(isModelSpec, { error: (issue) => `unknown model ${JSON.stringify(issue.input)}: expected ${MODEL_SPEC_EXPECTED}` })
  .optional();

/** The options a scenario may set (with baseURL, and `model` for its server). */
export const mockOptionsSchema = z.object({ ...mockOptionsShape, baseURL: z.string().url().optional(), model: realModelOption }).strict();
