// The settings of `bridge probe` (docs/method.md, Probes): defaults, bounds and one line each. zod only — no tfjs — so
// the CLI derives the probe's flags from this schema without loading the probes (src/probes/run.ts).
import { z } from 'zod';
import { seedSchema } from '../validate';

export const ProbeOptionsSchema = z
  .object({
    n: z.number().int().min(1).max(100_000).default(64).describe('probe queries: the first N rows of --data'),
    targetN: z.number().int().min(1).max(100_000).default(32).describe('influence: target queries'),
    samples: z.number().int().min(1).max(4096).default(32).describe('rollouts per query (influence needs ≥ 2)'),
    temperature: z.number().min(1e-3).max(10).default(1).describe('rollout temperature'),
    seed: seedSchema().default(0).describe('sampling seed (the targets use seed + 1)'),
    norm: z.enum(['mean', 'sum']).default('mean').describe('influence: g(q,o) over tokens, token mean (the trainer) or sum'),
    eta: z.number().gt(0).max(10).default(1e-4).describe("influence: the trainer's learning rate, for I_q at that η"),
    project: z
      .array(z.number().int().min(1).max(1 << 24))
      .min(1)
      .nullable()
      .default(null)
      .describe('influence: also report count-sketch projected co-influence with K buckets (one or more sizes) and its error vs exact'),
    groundTruth: z.number().int().min(0).max(100_000).default(0).describe('influence: also take real gradient steps on N informative probe queries'),
    gtEta: z.number().gt(0).max(100).default(1e-2).describe('influence: step size of the ground-truth check'),
    workers: z.number().int().min(1).max(16).default(2).describe('sampling replicas'),
  })
  .strict();
export type ProbeOptions = z.infer<typeof ProbeOptionsSchema>;

/** Fields only the influence probe reads: given to another probe they would be ignored, so they are refused. */
export const INFLUENCE_ONLY: readonly (keyof ProbeOptions)[] = ['targetN', 'norm', 'eta', 'project', 'groundTruth', 'gtEta'];
