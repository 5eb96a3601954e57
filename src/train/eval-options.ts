// The settings of `bridge eval` (docs/architecture.md, Evaluation): zod only — no tfjs — so the CLI derives its flags
// from this schema without loading the evaluator (src/train/evaluate.ts, whose EvalOptions these become).
import { z } from 'zod';
import { seedSchema } from '../validate';

export const EvalFlagsSchema = z
  .object({
    samples: z.number().int().min(1).max(1024).default(1).describe('samples per problem (mean@K); 1 = greedy'),
    /** null: 0 (greedy) with one sample, 1 with more; an explicit 0 with several samples is refused. */
    temperature: z.number().min(0).max(10).nullable().default(null).describe('sampling temperature'),
    limit: z.number().int().min(1).max(10_000_000).nullable().default(null).describe('evaluate the first N problems only (at most the rows of --data)'),
    seed: seedSchema().default(0).describe('sampling seed'),
  })
  .strict();
export type EvalFlags = z.infer<typeof EvalFlagsSchema>;

