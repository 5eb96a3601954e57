// The SFT configuration: validated at the edge, light to import (no tfjs), shared by the CLI and the trainer.
import { z } from 'zod';
import { parseConfig, seedSchema } from '../validate';
import { LrScheduleSchema } from './schedule';
import { DIVERGENCE_DEFAULTS, DivergenceGuardSchema } from './divergence';
import { ArithDrillSchema } from './drill';

export const SftConfigSchema = z
  .object({
    epochs: z.number().int().min(1).max(10_000).default(5).describe('passes over the data'),
    batchSize: z.number().int().min(1).max(65_536).default(32).describe('sequences per optimizer step (the global batch)'),
    microTokens: z
      .number()
      .int()
      .min(16)
      .max(1 << 20)
      .default(4096)
      .describe('padded tokens per micro-batch; larger batches are split and their gradients accumulated'),
    lossOn: z.enum(['all', 'response']).default('all'),
    /** 'sft' trains on the CoT responses; 'terse' on question + terse solution (the base model's pretraining), 'terse-named' with the parents named in each line (src/igsm/terse.ts). */
    format: z.enum(['sft', 'terse', 'terse-named']).default('sft'),
    /** Terse formats only: one arithmetic drill example per `every` problems (src/train/drill.ts); absent = none. */
    drill: ArithDrillSchema.optional(),
    schedule: LrScheduleSchema.default({ kind: 'constant', lr: 1e-3, warmupSteps: 0, minRatio: 0.1 }),
    beta1: z.number().min(0).lt(1).default(0.9).describe('AdamW β1'),
    beta2: z.number().min(0).lt(1).default(0.95).describe('AdamW β2'),
    weightDecay: z.number().min(0).max(1).default(0.01).describe('AdamW decoupled weight decay'),
    clipNorm: z.number().positive().nullable().default(1.0).describe('global gradient-norm clip (null = none)'),
    seed: seedSchema().default(0).describe('seed of the data order and of scratch weights'),
    checkpointEvery: z.number().int().min(1).max(10_000_000).default(50).describe('checkpoint every N optimizer steps'),
    /** Part of the run's identity: float sums differ with the number of replicas. */
    workers: z.number().int().min(1).max(16).default(1).describe('data-parallel replicas, one per core (tfjs-wasm is single-threaded)'),
    /** The divergence guard (src/train/divergence.ts); it never changes a run that finishes, so stage hashes leave it out. */
    divergence: DivergenceGuardSchema.default(DIVERGENCE_DEFAULTS).describe('the divergence guard (src/train/divergence.ts)'),
    maxSteps: z.number().int().min(1).max(10_000_000).nullable().default(null).describe('stop after N optimizer steps (tests, budgets; none = all epochs)'),
    /** Model shape when training from scratch (vocab is taken from the tokenizer). */
    model: z
      .object({
        ctx: z.number().int().min(8).max(8192).default(512).describe('context length in tokens (scratch only)'),
        d: z.number().int().min(8).max(4096).default(128).describe('model width (scratch only)'),
        layers: z.number().int().min(1).max(64).default(4).describe('transformer blocks (scratch only)'),
        heads: z.number().int().min(1).max(64).default(4).describe('attention heads, dividing the width (scratch only)'),
        mlpRatio: z.number().int().min(1).max(16).default(4).describe('MLP width as a multiple of d'),
        activation: z.enum(['gelu', 'relu']).default('gelu').describe('MLP activation'),
        /** Rotary positions learn position-independent copying in a few hundred steps; learned ones did not (docs/learnability.md). */
        pos: z.enum(['learned', 'rope']).default('rope').describe('position encoding (scratch only)'),
      })
      .default({ ctx: 512, d: 128, layers: 4, heads: 4, mlpRatio: 4, activation: 'gelu', pos: 'rope' })
      .describe('model shape when training from scratch (the vocabulary comes from the tokenizer)'),
  })
  .strict();

export type SftConfig = z.infer<typeof SftConfigSchema>;

/** Validate an SFT config at the edge; one line naming the field and the allowed range. */
export function sftConfig(input: unknown): SftConfig {
  return parseConfig(SftConfigSchema, 'sft config', input);
}


/** An SFT config as --resume compares it: defaults filled (runs of older versions lack newer fields), the guard left out (turning it off may be why one resumes). */
export function comparableSftConfig(c: unknown): unknown {
  const { divergence: _guard, ...rest } = sftConfig(c);
  return rest;
}

// the learnability study's default (docs/learnability.md): ≤ 10 min on both cores for 2000 op-3 problems
const DEFAULT_SFT = {
  epochs: 14,
  batchSize: 8,
  lossOn: 'response',
  schedule: { kind: 'cosine', lr: 5e-3, warmupSteps: 20, minRatio: 0.1 },
  model: { ctx: 512, d: 64, layers: 4, heads: 4, mlpRatio: 4, activation: 'gelu', pos: 'rope' },
  checkpointEvery: 100,
  workers: 2,
} satisfies Partial<SftConfig>;

/** Named SFT presets: `tiny` runs in seconds (tests, CI); `default` is the documented small-model setting; `regime` the
 * SFT from a regime base model (docs/regime.md). */
export const SFT_PRESETS: Record<'tiny' | 'default' | 'regime', Partial<SftConfig>> = {
  tiny: {
    epochs: 8,
    batchSize: 8,
    lossOn: 'response',
    schedule: { kind: 'cosine', lr: 1e-2, warmupSteps: 20, minRatio: 0.1 },
    model: { ctx: 256, d: 64, layers: 2, heads: 2, mlpRatio: 4, activation: 'gelu', pos: 'rope' },
    checkpointEvery: 25,
  },
  default: DEFAULT_SFT,
  // the regime study's SFT from a base model (docs/regime.md, section 3): the default with 12 epochs at lr 3e-3, as the
  // study's arms ran it (fixed before the regime base models existed); the model shape comes from the --init checkpoint
  regime: { ...DEFAULT_SFT, epochs: 12, schedule: { ...DEFAULT_SFT.schedule, lr: 3e-3 } },
};
