// The two workloads the model benches measure (bench/model.ts, bench/profile.ts) and the PyTorch peer mirrors
// (bench/torch_peer.py):
//   spec — the spec model (vocab 128, ctx 256, d 128 × 4 layers, 4 heads, learned positions), train 16 × 256,
//          sample 64 prompts of 16 tokens → 128 new;
//   sft  — the SFT default the experiments train (src/train/sft-config.ts SFT_PRESETS.default, read from there: d 64 ×
//          4 layers, 4 heads, RoPE, ctx 512; the tokenizer's 761 ids), one optimizer batch of its 8 examples of 150–400
//          tokens packed as runSft packs them (splitMicroBatches, its 4096-token micro-batches and loss on the
//          response, one group per replica), and
//          64 ragged prompts of 80–200 tokens → 128 new (the GRPO / evaluation sampling shape).
import { modelConfig, SPEC_MODEL, type ModelConfig } from '../src/model/config.js';
import type { LossBatch } from '../src/model/score.js';
import { lossTokens, splitLossBatch } from '../src/model/score.js';
import { Rng } from '../src/rng.js';
import { splitMicroBatches } from '../src/train/batches.js';
import { SFT_PRESETS, sftConfig } from '../src/train/sft-config.js';

export interface Workload {
  name: 'spec' | 'sft';
  cfg: ModelConfig;
  /** Training shards for `replicas` replicas (weights = loss tokens), as the trainer would build them. */
  shards(replicas: number): { batch: LossBatch; weight: number }[];
  /** Real (unpadded) tokens per optimizer step: what train tok/s counts, here and in the peer. */
  trainTokens: number;
  /** Sampling prompts (ragged for sft) and new tokens per row. */
  prompts: number[][];
  maxNew: number;
  /** What the peer script needs to build the same shapes. */
  peer: Record<string, unknown>;
}

function specWorkload(): Workload {
  const cfg = modelConfig(SPEC_MODEL);
  const B = 16;
  const T = 256;
  const rng = new Rng(1234);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(0, cfg.vocab - 1));
  const batch: LossBatch = { ids, batch: B, len: T, attn: null, lossMask: new Float32Array(B * T).fill(1) };
  const prompts = Array.from({ length: 64 }, () => Array.from({ length: 16 }, () => rng.int(0, cfg.vocab - 1)));
  return {
    name: 'spec',
    cfg,
    shards: (n) => (n === 1 ? [{ batch, weight: lossTokens(batch) }] : splitLossBatch(batch, n)),
    trainTokens: B * T,
    prompts,
    maxNew: 128,
    peer: { vocab: cfg.vocab, ctx: cfg.ctx, d: cfg.d, layers: cfg.layers, heads: cfg.heads, pos: 'learned', train_lengths: Array(B).fill(T), prompt_lengths: prompts.map((p) => p.length), new: 128 },
  };
}

function sftWorkload(): Workload {
  const sft = sftConfig(SFT_PRESETS.default);
  const cfg = modelConfig({ vocab: 761, ...sft.model });
  const rng = new Rng(4321);
  const examples = Array.from({ length: sft.batchSize }, () => {
    const n = rng.int(150, 400);
    return { ids: Array.from({ length: n }, () => rng.int(1, cfg.vocab - 1)), promptLen: Math.round(n * 0.4) };
  });
  const lengths = examples.map((e) => e.ids.length);
  const prompts = Array.from({ length: 64 }, () => Array.from({ length: rng.int(80, 200) }, () => rng.int(1, cfg.vocab - 1)));
  const shards = (n: number) => splitMicroBatches(examples, sft.microTokens, sft.lossOn, cfg.ctx, n).map((b) => ({ batch: b, weight: lossTokens(b) }));
  return {
    name: 'sft',
    cfg,
    shards,
    trainTokens: lengths.reduce((a, b) => a + b, 0),
    prompts,
    maxNew: 128,
    peer: { vocab: cfg.vocab, ctx: cfg.ctx, d: cfg.d, layers: cfg.layers, heads: cfg.heads, pos: cfg.pos, train_lengths: lengths, prompt_lengths: prompts.map((p) => p.length), new: 128 },
  };
}

export const WORKLOADS = { spec: specWorkload, sft: sftWorkload } as const;
export type WorkloadName = keyof typeof WORKLOADS;

export function workloads(only?: string): Workload[] {
  const names = (only ?? 'spec,sft').split(',') as WorkloadName[];
  for (const n of names) if (!(n in WORKLOADS)) throw new Error(`--shape must be spec, sft or both comma-separated (got ${n})`);
  return names.map((n) => WORKLOADS[n]());
}
