// The GRPO loss of one micro-batch (docs/method.md, The loss): clipped importance-weighted policy gradient, entropy
// bonus and KL to the frozen reference, aggregated per sequence or per token. A module of its own with no side effects,
// so data-parallel helper threads can import the same function.
import * as tf from '@tensorflow/tfjs';
import type { SeqBatch } from '../model/batch';
import { scoreSequences } from '../model/score';
import type { Transformer } from '../model/transformer';

export type Aggregation = 'seq-mean-token-mean' | 'token-mean' | 'seq-mean-token-sum-norm';
export type KlEstimator = 'k1' | 'k3';

export interface GrpoCoefs {
  /** Rollout temperature: log-probs and entropies are of softmax(logits / T), as the rollouts were drawn. */
  temperature: number;
  /** KL coefficient (0 = no reference term). */
  beta: number;
  klEstimator: KlEstimator;
  /** Clip range of the ratio: [1 − epsLow, 1 + epsHigh]. */
  epsLow: number;
  epsHigh: number;
  /** Entropy bonus coefficient. */
  entCoef: number;
  aggregation: Aggregation;
  /** Normaliser of 'seq-mean-token-sum-norm' (the max completion length). */
  maxLen: number;
  /** Multiplies the micro-batch loss (default 1): kept weight ÷ full weight when zero-advantage rollouts were left out,
   * so the step's mean keeps the denominator of all rollouts (rolloutBatches with skipZero). */
  lossScale?: number;
}

/** Sums over the response tokens of one micro-batch, for metrics (filled where the loss runs). */
export interface GrpoStats {
  tokens: number;
  pg: number;
  kl: number;
  entropy: number;
  clipped: number;
}

/** Right-padded sequences (prompt + completion) with per-token and per-sequence inputs of the loss. */
export interface GrpoBatch extends SeqBatch {
  /** 1 on the completion tokens that are scored (token coordinates: entry t scores token t). [B·L] */
  respMask: Float32Array;
  /** Group-normalised advantage of each sequence. [B] */
  adv: Float32Array;
  /** Log-probs of the sampling policy; null = on-policy (ratio ≡ 1, its gradient is ∇logp). [B·L] */
  oldLogp: Float32Array | null;
  /** Log-probs of the reference policy; required when beta > 0. [B·L] */
  refLogp: Float32Array | null;
  coefs: GrpoCoefs;
  stats?: GrpoStats;
}

/** Number of sequences or response tokens: this micro-batch's weight in the step's mean (by aggregation). */
export function grpoWeight(b: GrpoBatch): number {
  if (b.coefs.aggregation !== 'token-mean') return b.batch;
  let n = 0;
  for (const m of b.respMask) n += m;
  return n;
}

/** Per-token GRPO loss terms (all [B, L]); exported for tests that check the algebra. */
export function grpoTokenTerms(model: Transformer, b: GrpoBatch) {
  const c = b.coefs;
  const { logp, entropy } = scoreSequences(model, b, { temperature: c.temperature, entropy: true });
  const shape: [number, number] = [b.batch, b.len];
  // on-policy: the old log-probs are the current values as constants, so ratio = 1 and ∇ratio = ∇logp
  const old = tf.tensor2d(b.oldLogp ?? (logp.dataSync() as Float32Array).slice(), shape);
  const ratio = tf.exp(tf.sub(logp, old));
  const adv = tf.tensor2d(b.adv, [b.batch, 1]);
  const clippedRatio = tf.clipByValue(ratio, 1 - c.epsLow, 1 + c.epsHigh);
  const unclippedTerm = tf.neg(tf.mul(adv, ratio));
  const clippedTerm = tf.neg(tf.mul(adv, clippedRatio));
  const pg = tf.maximum(unclippedTerm, clippedTerm);
  const clipped = tf.cast(tf.greater(clippedTerm, unclippedTerm), 'float32');
  let kl: tf.Tensor = tf.zeros(shape);
  if (c.beta !== 0) {
    if (!b.refLogp) throw new Error('grpo loss: beta > 0 needs the reference log-probs');
    const ref = tf.tensor2d(b.refLogp, shape);
    if (c.klEstimator === 'k1') kl = tf.sub(logp, ref);
    else {
      const d = tf.sub(ref, logp);
      kl = tf.clipByValue(tf.sub(tf.sub(tf.exp(d), d), 1), -10, 10);
    }
  }
  return { logp, entropy: entropy!, ratio, pg, kl, clipped };
}

/** The differentiable GRPO loss of a micro-batch (mean over its sequences or tokens, by aggregation). */
export function grpoLoss(model: Transformer, b: GrpoBatch): tf.Scalar {
  const c = b.coefs;
  const t = grpoTokenTerms(model, b);
  const mask = tf.tensor2d(b.respMask, [b.batch, b.len]);
  const perToken = tf.mul(tf.add(tf.sub(t.pg, tf.mul(c.entCoef, t.entropy)), tf.mul(c.beta, t.kl)), mask);
  let loss: tf.Scalar;
  if (c.aggregation === 'token-mean') {
    loss = tf.div(tf.sum(perToken), Math.max(1, grpoWeight(b)));
  } else {
    const sums = tf.sum(perToken, 1);
    const denom = c.aggregation === 'seq-mean-token-mean' ? tf.maximum(tf.sum(mask, 1), 1) : tf.scalar(Math.max(1, c.maxLen));
    loss = tf.mean(tf.div(sums, denom));
  }
  if (c.lossScale !== undefined && c.lossScale !== 1) loss = tf.mul(loss, c.lossScale);
  // metric sums over response tokens (read on whichever thread runs the loss)
  const sumOf = (x: tf.Tensor) => tf.sum(tf.mul(x, mask)).dataSync()[0];
  b.stats = { tokens: tf.sum(mask).dataSync()[0], pg: sumOf(t.pg), kl: sumOf(t.kl), entropy: sumOf(t.entropy), clipped: sumOf(t.clipped) };
  return loss;
}
