// Model configuration: validated at the edge, parameter count, and the wasm-heap budget guard (a 4 GiB overflow
// aborts the process with no catchable error, so oversize work is split or refused before it starts).
import { z } from 'zod';

export const ModelConfigSchema = z
  .object({
    vocab: z.number().int().min(2).max(65536),
    ctx: z.number().int().min(2).max(8192),
    d: z.number().int().min(2).max(4096),
    layers: z.number().int().min(1).max(64),
    heads: z.number().int().min(1).max(64),
    mlpRatio: z.number().int().min(1).max(16),
    dropout: z.number().min(0).max(0.9),
    activation: z.enum(['gelu', 'relu']),
    /** Position encoding: learned absolute embeddings (GPT-2) or rotary q/k (RoPE; no position parameters). */
    pos: z.enum(['learned', 'rope']),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.d % c.heads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['d'], message: `must be divisible by heads (d=${c.d}, heads=${c.heads})` });
    }
  });

export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export const MODEL_DEFAULTS = { mlpRatio: 4, dropout: 0, activation: 'gelu', pos: 'learned' } as const;

/** The reference model shape, shared with the PyTorch peer (docs/architecture.md, Model shape): vocab 128, ctx 256, d 128, 4 layers, 4 heads, tied head. */
export const SPEC_MODEL: ModelConfig = {
  vocab: 128,
  ctx: 256,
  d: 128,
  layers: 4,
  heads: 4,
  mlpRatio: 4,
  dropout: 0,
  activation: 'gelu',
  pos: 'learned',
};

const RANGES: Record<string, string> = {
  vocab: 'an integer in [2, 65536]',
  ctx: 'an integer in [2, 8192]',
  d: 'an integer in [2, 4096]',
  layers: 'an integer in [1, 64]',
  heads: 'an integer in [1, 64]',
  mlpRatio: 'an integer in [1, 16]',
  dropout: 'a number in [0, 0.9]',
  activation: "'gelu' or 'relu'",
  pos: "'learned' or 'rope'",
};

/** Validate a (partial) config, filling defaults; throws one line naming the field and its allowed range. */
export function modelConfig(input: Partial<ModelConfig> & Record<string, unknown>): ModelConfig {
  const r = ModelConfigSchema.safeParse({ ...MODEL_DEFAULTS, ...input });
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.') || '(config)';
  if (issue.code === 'custom') throw new Error(`model config: ${field} ${issue.message}`);
  if (issue.code === 'unrecognized_keys') {
    throw new Error(`model config: unknown field(s) ${issue.keys.join(', ')} (allowed: ${Object.keys(RANGES).join(', ')})`);
  }
  const got = (input as Record<string, unknown>)[field];
  throw new Error(`model config: ${field} must be ${RANGES[field] ?? 'valid'} (got ${JSON.stringify(got)})`);
}

/** Fields on which two configs differ (for checkpoint mismatch messages). */
export function configDiff(a: ModelConfig, b: ModelConfig): string[] {
  const keys = Object.keys(RANGES) as (keyof ModelConfig)[];
  return keys.filter((k) => a[k] !== b[k]).map((k) => `${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`);
}

/** Parameters of the tied-embedding model (the output head reuses wte). */
export function paramCount(c: Pick<ModelConfig, 'vocab' | 'ctx' | 'd' | 'layers' | 'mlpRatio'> & { pos?: ModelConfig['pos'] }): number {
  const m = c.mlpRatio * c.d;
  const perLayer = 4 * c.d + 4 * (c.d * c.d + c.d) + (c.d * m + m) + (m * c.d + c.d);
  return c.vocab * c.d + (c.pos === 'rope' ? 0 : c.ctx * c.d) + c.layers * perLayer + 2 * c.d;
}

// ---- wasm heap budget -------------------------------------------------------------------------------------------

export const WASM_HEAP_CAP = 4294901760; // the 4 GiB maximum of wasm32 memory as tfjs builds it (docs/toolchain.md, The wasm backend)
/** Default budget per process: peak heap is held < 3 GiB (docs/toolchain.md, Memory: the heap guard), leaving headroom under the hard cap. */
export const DEFAULT_HEAP_BUDGET = 3 * 1024 ** 3;

/**
 * Upper estimate of the peak wasm heap for one training forward+backward on batch×len tokens: live activations
 * kept for the backward, transient products, attention probabilities (B·H·T² per layer), weights and gradients.
 * Calibrated with bench/model-heap.ts (fresh process per config; the factor 2.4 covers allocator growth and
 * fragmentation): spec 16×256 measured 1000 MiB (estimate 1257), 32×128: 843 (1026), d256/L6 8×256: 1491 (1946),
 * d64/L2 16×256: 248 (386).
 */
export function estimateTrainHeapBytes(c: ModelConfig, batch: number, len: number): number {
  const n = batch * len;
  const m = c.mlpRatio * c.d;
  const perLayer = 14 * n * c.d + 5 * n * m + 3 * batch * c.heads * len * len;
  const head = 6 * n * c.vocab + 4 * n * c.d;
  const floats = c.layers * perLayer + head + 4 * paramCount(c);
  return 64 * 1024 ** 2 + 4 * floats * 2.4;
}

/**
 * Upper estimate of the peak wasm heap for sampling `batch` rows up to `total` tokens (prompt + new).
 * Measured (bench/model-heap.ts --sample): spec 64 rows × (16 + 128): 100 MiB (estimate 169); d256/L6 64 × (16 + 240):
 * 429 MiB (estimate 578).
 */
export function estimateSampleHeapBytes(c: ModelConfig, batch: number, prompt: number, total: number): number {
  const cache = 2 * c.layers * batch * total * c.d * 2; // k and v, plus one concat copy in flight
  const prefill = c.layers * (8 * batch * prompt * c.d + 2 * batch * c.heads * prompt * prompt) + 4 * batch * prompt * c.vocab;
  const floats = cache + prefill + 4 * paramCount(c);
  return 64 * 1024 ** 2 + 4 * floats;
}

/**
 * Forward-only (scoring) peak. Measured (bench/model-heap.ts --forward): spec 16×256: 248 MiB (estimate 377),
 * 64×256: 924 (1423), d256/L6 16×256: 618 (1095).
 */
export function estimateForwardHeapBytes(c: ModelConfig, batch: number, len: number): number {
  return estimateTrainHeapBytes(c, batch, len) * 0.3;
}

let heapBudget = DEFAULT_HEAP_BUDGET;

/** Per-process wasm heap budget for one micro-batch or sampling chunk (bytes, ≤ the 4 GiB cap). */
export function setHeapBudget(bytes: number): void {
  if (!(bytes > 0 && bytes <= WASM_HEAP_CAP)) throw new Error(`heap budget must be in (0, ${WASM_HEAP_CAP}] bytes (got ${bytes})`);
  heapBudget = bytes;
}

export function getHeapBudget(): number {
  return heapBudget;
}

export interface MicroBatchPlan {
  /** Sequences per micro-batch (the last one may be smaller). */
  micro: number;
  /** Number of micro-batches. */
  steps: number;
  estimateBytes: number;
}

/**
 * Split a training batch into micro-batches whose estimated heap fits the budget; refuse (one clear line) when
 * even a single sequence would not fit.
 */
export function planTrainMicroBatches(c: ModelConfig, batch: number, len: number, budget = getHeapBudget()): MicroBatchPlan {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer (got ${batch})`);
  if (!Number.isInteger(len) || len < 1 || len > c.ctx) throw new Error(`sequence length must be in [1, ${c.ctx}] (got ${len})`);
  if (budget > WASM_HEAP_CAP) throw new Error(`heap budget ${budget} exceeds the 4 GiB wasm cap (${WASM_HEAP_CAP})`);
  const one = estimateTrainHeapBytes(c, 1, len);
  if (one > budget) {
    throw new Error(
      `model too large for the wasm heap: one sequence of ${len} tokens needs ~${mib(one)} MiB, budget ${mib(budget)} MiB ` +
        `(cap 4096 MiB); reduce d, layers or ctx`,
    );
  }
  let micro = batch;
  while (micro > 1 && estimateTrainHeapBytes(c, micro, len) > budget) micro = Math.ceil(micro / 2);
  return { micro, steps: Math.ceil(batch / micro), estimateBytes: estimateTrainHeapBytes(c, micro, len) };
}

/** Rows per sampling chunk that fit the budget; refuses when one row does not fit. */
export function planSampleChunks(c: ModelConfig, batch: number, prompt: number, total: number, budget = getHeapBudget()): MicroBatchPlan {
  const one = estimateSampleHeapBytes(c, 1, prompt, total);
  if (one > budget) {
    throw new Error(`sampling needs ~${mib(one)} MiB for one row of ${total} tokens, budget ${mib(budget)} MiB (cap 4096 MiB)`);
  }
  let micro = batch;
  while (micro > 1 && estimateSampleHeapBytes(c, micro, prompt, total) > budget) micro = Math.ceil(micro / 2);
  return { micro, steps: Math.ceil(batch / micro), estimateBytes: estimateSampleHeapBytes(c, micro, prompt, total) };
}

function mib(bytes: number): number {
  return Math.round(bytes / 1024 ** 2);
}
