// Sequence log-prob gradients for the influence probes (docs/method.md, Influence probe as implemented). Every quantity
// the probes need is a weighted sum Σ_i w_i · g(q_i, o_i) of per-sequence gradients, and one backward pass over a
// weighted loss gives it: no kernel matrix and no per-example gradient is ever stored.
import * as tf from '@tensorflow/tfjs';
import { PAD } from '../text/tokenizer';
import type { SeqBatch } from '../model/batch';
import { scoreSequences } from '../model/score';
import { computeGrads } from '../model/step';
import type { Transformer } from '../model/transformer';

/**
 * How g(q, o) reduces over the tokens of o: the trainer's token mean (default) or the sum (docs/method.md, Kernel
 * normalisation).
 */
export type KernelNorm = 'mean' | 'sum';

/** A prompt and one completion, as token ids ([BOS, …prompt…] and the completion tokens). */
export interface Sequence {
  prompt: readonly number[];
  completion: readonly number[];
}

interface WeightedBatch extends SeqBatch {
  mask: Float32Array;
  /** Per-row weight already divided by the row's normaliser (token count or 1). */
  rowWeight: Float32Array;
}

/** Σ_rows rowWeight[r] · Σ_t mask·logp: its gradient is Σ_i w_i g_i. */
export function weightedLogpLoss(model: Transformer, b: WeightedBatch, temperature = 1): tf.Scalar {
  const { logp } = scoreSequences(model, b, { temperature });
  const perRow = tf.sum(tf.mul(logp, tf.tensor2d(b.mask, [b.batch, b.len])), 1);
  return tf.sum(tf.mul(perRow, tf.tensor1d(b.rowWeight)));
}

function batchesOf(seqs: readonly Sequence[], weights: readonly number[], norm: KernelNorm, maxTokens: number): WeightedBatch[] {
  const out: WeightedBatch[] = [];
  let cur: number[] = [];
  let len = 0;
  const flush = () => {
    if (!cur.length) return;
    const B = cur.length;
    const ids = new Int32Array(B * len).fill(PAD);
    const mask = new Float32Array(B * len);
    const rowWeight = new Float32Array(B);
    cur.forEach((k, r) => {
      const s = seqs[k];
      ids.set(s.prompt, r * len);
      ids.set(s.completion, r * len + s.prompt.length);
      for (let t = 0; t < s.completion.length; t++) mask[r * len + s.prompt.length + t] = 1;
      rowWeight[r] = weights[k] / (norm === 'mean' ? Math.max(1, s.completion.length) : 1);
    });
    out.push({ ids, batch: B, len, attn: null, mask, rowWeight });
    cur = [];
    len = 0;
  };
  seqs.forEach((s, k) => {
    if (weights[k] === 0) return;
    const l = s.prompt.length + s.completion.length;
    if (cur.length && (cur.length + 1) * Math.max(len, l) > maxTokens) flush();
    cur.push(k);
    len = Math.max(len, l);
  });
  flush();
  return out;
}

/** Σ_i w_i · ∇_θ ℓ(o_i | q_i), ℓ = token-mean (or sum) log-prob; zero-weight sequences cost nothing. */
export function weightedGradient(
  model: Transformer,
  seqs: readonly Sequence[],
  weights: readonly number[],
  opts: { norm?: KernelNorm; temperature?: number; maxTokens?: number } = {},
): Float32Array {
  if (seqs.length !== weights.length) throw new Error(`weightedGradient: ${seqs.length} sequences, ${weights.length} weights`);
  const out = new Float32Array(model.size);
  for (const b of batchesOf(seqs, weights, opts.norm ?? 'mean', opts.maxTokens ?? 4096)) {
    const { grads } = computeGrads(model, (m, bb: WeightedBatch) => weightedLogpLoss(m, bb, opts.temperature ?? 1), b);
    for (let i = 0; i < out.length; i++) out[i] += grads[i];
  }
  return out;
}

/** Per-sequence ℓ(o|q) (token-mean or sum log-prob), no gradient. */
export function sequenceLogps(
  model: Transformer,
  seqs: readonly Sequence[],
  opts: { norm?: KernelNorm; temperature?: number; maxTokens?: number } = {},
): number[] {
  const out: number[] = new Array(seqs.length).fill(0);
  const idx = seqs.map((_, i) => i);
  const ones = seqs.map(() => 1);
  let k = 0;
  for (const b of batchesOf(seqs, ones, opts.norm ?? 'mean', opts.maxTokens ?? 4096)) {
    const vals = tf.tidy(() => {
      const { logp } = scoreSequences(model, b, { temperature: opts.temperature ?? 1 });
      return tf.sum(tf.mul(logp, tf.tensor2d(b.mask, [b.batch, b.len])), 1).dataSync() as Float32Array;
    });
    for (let r = 0; r < b.batch; r++) out[idx[k++]] = vals[r] * b.rowWeight[r];
  }
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ‖v‖₂, accumulated in double precision like `dot`. */
export function norm(v: Float32Array): number {
  return Math.sqrt(dot(v, v));
}
