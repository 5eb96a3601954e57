// When and on what `bridge pretrain` measures the base model's own skill while it trains (src/train/skill.ts): the
// schema its --skill-* flags derive from. zod only — no tfjs — so the CLI reads it without loading the evaluator.
import { z } from 'zod';

export const SkillOptionsSchema = z
  .object({
    every: z.number().int().min(0).max(1_000_000).default(0).describe('measure the greedy terse skill at every N-th checkpoint and at the end (0 = only at the end)'),
    ops: z.array(z.number().int().min(1).max(40)).min(1).default([2, 3, 4, 6]).describe('forced op counts of the skill test sets'),
    n: z.number().int().min(1).max(100_000).default(100).describe('problems per skill test set'),
  })
  .strict();
export type SkillOptions = z.infer<typeof SkillOptionsSchema>;
