// The GRPO config (docs/architecture.md, GRPO): its schema with defaults and bounds, the named presets and the
// group-normalised advantages. Plain data and zod only — no tfjs — so the reproduce presets, the probes and the
// bench scripts validate a config without loading the trainer (src/train/grpo.ts).
import { z } from 'zod';
import { parseConfig, seedSchema } from '../validate';

export const GrpoConfigSchema = z
  .object({
    steps: z.number().int().min(1).max(1_000_000).default(200).describe('RL steps'),
    promptsPerStep: z.number().int().min(1).max(4096).default(32).describe('prompts per step (the paper: 32; at most the rows of --data)'),
    /** TRL's num_generations. At least 2: one rollout has no group to compare with. */
    groupSize: z.number().int().min(2, 'group size must be ≥ 2').max(1024).default(32).describe('rollouts per prompt (the paper: 32)'),
    temperature: z.number().positive().max(10).default(1).describe('sampling temperature of the rollouts'),
    /** Also the normaliser of seq-mean-token-sum-norm. */
    maxNew: z.number().int().min(1).max(65_536).default(256).describe('max completion tokens'),
    lr: z.number().positive().max(1).default(1e-6).describe('learning rate (constant)'),
    beta1: z.number().min(0).lt(1).default(0.9).describe('AdamW β1'),
    beta2: z.number().min(0).lt(1).default(0.999).describe('AdamW β2'),
    weightDecay: z.number().min(0).max(1).default(0.01).describe('AdamW decoupled weight decay'),
    clipNorm: z.number().positive().nullable().default(1.0).describe('global gradient-norm clip (null = none)'),
    beta: z.number().min(0).max(100).default(0.001).describe('KL coefficient to the reference model (the paper: 0.001)'),
    /** k3 = low_var_kl, clamped to ±10. */
    klEstimator: z.enum(['k1', 'k3']).default('k3').describe('KL estimator'),
    epsilon: z.number().min(0).max(10).default(0.2).describe('PPO clip range'),
    epsilonHigh: z.number().min(0).max(10).nullable().default(null).describe("upper clip (DAPO's clip-higher; null = epsilon)"),
    entropyCoef: z.number().min(-1).max(1).default(0.001).describe('entropy bonus coefficient'),
    /** false = only subtract the mean (Dr. GRPO). */
    scaleRewards: z.boolean().default(true).describe("divide advantages by the group's unbiased std (+1e-6)"),
    aggregation: z.enum(['seq-mean-token-mean', 'token-mean', 'seq-mean-token-sum-norm']).default('seq-mean-token-mean').describe('how token losses are averaged'),
    /** 1 = on-policy, ratio ≡ 1. */
    mu: z.number().int().min(1).max(100).default(1).describe('optimizer updates per sampled batch'),
    skipZeroAdvantage: z
      .boolean()
      .default(true)
      .describe('when beta = 0 and entropyCoef = 0: no backward pass for rollouts with zero advantage (exact: they add nothing to the gradient; the mean keeps its denominator)'),
    dynamicSampling: z.boolean().default(false).describe('drop zero-variance groups and refill with fresh prompts up to promptsPerStep'),
    maxRefills: z.number().int().min(0).max(100).default(4).describe('sampling rounds per step when refilling (dynamic sampling)'),
    formatBonus: z.number().min(0).max(1).default(0).describe('reward for a well-formed but wrong answer'),
    evalEvery: z.number().int().min(0).max(1_000_000).default(5).describe('greedy validation on --val every K steps, and before the first and after the last (0 = never)'),
    valN: z.number().int().min(1).nullable().default(null).describe('validate on the first N problems of --val (null = all)'),
    checkpointEvery: z.number().int().min(1).max(10_000_000).default(100).describe('checkpoint every N steps'),
    microTokens: z.number().int().min(16).max(1 << 20).default(4096).describe('padded tokens per micro-batch'),
    workers: z.number().int().min(1).max(16).default(1).describe('data-parallel replicas, one per core'),
    seed: seedSchema().default(0).describe('seed of the prompt order and of sampling'),
  })
  .strict();

export type GrpoConfig = z.infer<typeof GrpoConfigSchema>;

/** Validate a GRPO config at the edge; one line naming the field and the allowed range. */
export function grpoConfig(input: unknown): GrpoConfig {
  return parseConfig(GrpoConfigSchema, 'grpo config', input);
}

/** Group-normalised advantages (docs/method.md, Group advantages): (r − mean) / (unbiased std + 1e-6), or r − mean. */
export function groupAdvantages(rewards: readonly number[], scale: boolean): number[] {
  const n = rewards.length;
  const mean = rewards.reduce((a, b) => a + b, 0) / n;
  if (!scale) return rewards.map((r) => r - mean);
  const std = n > 1 ? Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1)) : 1;
  return rewards.map((r) => (r - mean) / (std + 1e-6));
}

/**
 * GRPO presets: `tiny` (seconds, tests/CI), `default` (the small-model setting), `regime` (the RL of the regime's
 * GRPO check, docs/regime.md), `paper` (docs/method.md, The paper's settings next to ours).
 */
export const GRPO_PRESETS: Record<'tiny' | 'default' | 'regime' | 'paper', Partial<GrpoConfig>> = {
  tiny: { steps: 6, promptsPerStep: 4, groupSize: 4, maxNew: 64, lr: 1e-3, evalEvery: 3, valN: 8, checkpointEvery: 2 },
  default: { steps: 60, promptsPerStep: 16, groupSize: 8, maxNew: 320, lr: 1e-4, evalEvery: 10, valN: 100, checkpointEvery: 10, workers: 2 },
  // from the regime's SFT models (docs/regime.md, GRPO check): 150 × 16 × 8 = 19,200 rollouts, lr 5e-4 (1e-4 moved no
  // accuracy in 60 steps), no KL and no entropy bonus, so zero-advantage rollouts skip their backward pass
  regime: { steps: 150, promptsPerStep: 16, groupSize: 8, maxNew: 192, lr: 5e-4, beta: 0, entropyCoef: 0, evalEvery: 25, valN: 100, checkpointEvery: 25, workers: 2 },
  // the paper's sizes; maxNew and lr are the ones `bridge reproduce --preset paper` documents (a model trained from
  // scratch, not the paper's 1e-6 on a pretrained one; docs/method.md, The paper's settings next to ours)
  paper: { steps: 200, promptsPerStep: 32, groupSize: 32, maxNew: 1536, lr: 1e-5, beta: 0.001, entropyCoef: 0.001, evalEvery: 5, checkpointEvery: 100 },
};
