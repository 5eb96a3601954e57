// Scoring given sequences: per-token log-probs and entropies, differentiable. The primitive that the SFT loss,
// GRPO and the influence probes share. All outputs are in token coordinates [B, T]: entry t scores token t given
// tokens < t (so column 0, which has no context, is 0).
import * as tf from '@tensorflow/tfjs';
import type { SeqBatch } from './batch.js';
import { planTrainMicroBatches, type ModelConfig } from './config.js';
import { tokenLogp } from './ops.js';
import { forward, type ForwardOptions, type Transformer } from './transformer.js';

export interface ScoreOptions extends ForwardOptions {
  /** Softmax temperature for log-probs and entropies (1 = the model's distribution). */
  temperature?: number;
  /** Also compute per-token entropies (skipped by default: it costs a [B, T, V] product). */
  entropy?: boolean;
}

export interface Scores {
  /** log p(token t | tokens < t), [B, T]; 0 where token t has no context (column 0, first real token, pads). */
  logp: tf.Tensor2D;
  /** Entropy of the predictive distribution for token t, [B, T]; 0 where logp is. Present when asked for. */
  entropy?: tf.Tensor2D;
}

/** Targets shifted left: target[b, t] = ids[b, t+1]; the last column predicts nothing (its score is dropped). */
function shiftedTargets(b: SeqBatch): Int32Array {
  const out = new Int32Array(b.ids.length);
  for (let r = 0; r < b.batch; r++) {
    const o = r * b.len;
    out.set(b.ids.subarray(o + 1, o + b.len), o);
  }
  return out;
}

/**
 * 1 where token t has context (t ≥ 1 and token t−1 is real), else 0: the first real token of a left-padded row is
 * "predicted" from a padding position, which is meaningless (like column 0 of an unpadded row).
 */
export function contextMask(b: SeqBatch): Float32Array {
  const m = new Float32Array(b.batch * b.len);
  for (let r = 0; r < b.batch; r++) {
    for (let t = 1; t < b.len; t++) {
      const i = r * b.len + t;
      m[i] = !b.attn || (b.attn[i - 1] && b.attn[i]) ? 1 : 0;
    }
  }
  return m;
}

/** Move prediction coordinates (column t predicts t+1) to token coordinates (column t scores token t). */
function toTokenCoords(x: tf.Tensor2D): tf.Tensor2D {
  const [B, T] = x.shape;
  if (T === 1) return tf.zerosLike(x);
  return tf.concat([tf.zeros([B, 1]), tf.slice(x, [0, 0], [B, T - 1])], 1) as tf.Tensor2D;
}

/**
 * Per-token log-probs (and optionally entropies) of the given sequences, batched, left padding honoured through
 * `b.attn`. Differentiable: use it inside tf.variableGrads / optimizer.minimize. Pad positions get finite but
 * meaningless values; mask them.
 */
export function scoreSequences(model: Transformer, b: SeqBatch, opts: ScoreOptions = {}): Scores {
  const temp = opts.temperature ?? 1;
  if (!(temp > 0)) throw new Error(`temperature must be > 0 for scoring (got ${temp})`);
  const V = model.cfg.vocab;
  let logits = tf.reshape(forward(model, b, opts), [b.batch * b.len, V]) as tf.Tensor2D;
  if (temp !== 1) logits = tf.div(logits, temp);
  const targets = tf.tensor1d(shiftedTargets(b), 'int32');
  const lp = tf.reshape(tokenLogp(logits, targets), [b.batch, b.len]) as tf.Tensor2D;
  const has = b.attn ? tf.tensor2d(contextMask(b), [b.batch, b.len]) : null;
  const keep = (x: tf.Tensor2D) => (has ? (tf.mul(x, has) as tf.Tensor2D) : x);
  const out: Scores = { logp: keep(toTokenCoords(lp)) };
  if (opts.entropy) {
    const lsm = tf.logSoftmax(logits);
    const ent = tf.neg(tf.sum(tf.mul(tf.exp(lsm), lsm), -1));
    out.entropy = keep(toTokenCoords(tf.reshape(ent, [b.batch, b.len]) as tf.Tensor2D));
  }
  return out;
}

/** A batch with a loss mask in token coordinates (1 = predict this token; tokens without context are ignored). */
export interface LossBatch extends SeqBatch {
  lossMask: Float32Array;
  /** Train mode: apply the config's dropout with masks drawn from this seed (absent = no dropout). */
  dropoutSeed?: number;
}

/** Mean token negative log-likelihood over the loss mask: the plain SFT / language-model loss. */
export function lossOnBatch(model: Transformer, b: LossBatch, opts: ForwardOptions = {}): tf.Scalar {
  if (b.lossMask.length !== b.batch * b.len) {
    throw new Error(`lossMask has ${b.lossMask.length} entries, expected batch*len = ${b.batch * b.len}`);
  }
  const has = contextMask(b);
  const mask = b.lossMask.map((m, i) => m * has[i]); // a token without context has nothing to be predicted from
  let n = 0;
  for (const m of mask) n += m;
  if (!(n > 0)) throw new Error('lossMask selects no token (after dropping tokens without context)');
  // positions from one past each row's last loss token on are never read: the fused attention may skip them
  const rowEnd = new Int32Array(b.batch);
  for (let r = 0; r < b.batch; r++) for (let t = 0; t < b.len; t++) if (mask[r * b.len + t]) rowEnd[r] = t + 1;
  const fwd: ForwardOptions = { rowEnd, ...(b.dropoutSeed !== undefined ? { train: true, dropoutSeed: b.dropoutSeed } : {}), ...opts };
  const { logp } = scoreSequences(model, b, fwd);
  return tf.div(tf.neg(tf.sum(tf.mul(logp, tf.tensor2d(mask, [b.batch, b.len])))), n) as tf.Scalar;
}

/** Number of tokens a LossBatch's loss averages over (the weight of its gradient in data-parallel averaging). */
export function lossTokens(b: LossBatch): number {
  const has = contextMask(b);
  let n = 0;
  for (let i = 0; i < b.lossMask.length; i++) n += b.lossMask[i] * has[i];
  return n;
}

/** Split a LossBatch by rows into `parts` contiguous shards weighted by their loss tokens (for DataParallel). */
export function splitLossBatch(b: LossBatch, parts: number): { batch: LossBatch; weight: number }[] {
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`parts must be a positive integer (got ${parts})`);
  const size = Math.ceil(b.batch / parts);
  const out: { batch: LossBatch; weight: number }[] = [];
  for (let r0 = 0; r0 < b.batch; r0 += size) {
    const rows = Math.min(size, b.batch - r0);
    const lo = r0 * b.len;
    const hi = (r0 + rows) * b.len;
    const batch: LossBatch = {
      ids: b.ids.slice(lo, hi),
      batch: rows,
      len: b.len,
      attn: b.attn ? b.attn.slice(lo, hi) : null,
      lossMask: b.lossMask.slice(lo, hi),
      ...(b.dropoutSeed !== undefined ? { dropoutSeed: b.dropoutSeed + r0 } : {}),
    };
    const weight = lossTokens(batch);
    if (weight > 0) out.push({ batch, weight });
  }
  return out;
}

/**
 * Shards of a LossBatch sized to the wasm heap budget (planTrainMicroBatches), weighted by loss tokens: pass them
 * to trainStep / DataParallel.trainStep for gradient accumulation. At least `minShards` (e.g. the worker count).
 */
export function heapShards(cfg: ModelConfig, b: LossBatch, minShards = 1, budget?: number): { batch: LossBatch; weight: number }[] {
  const plan = planTrainMicroBatches(cfg, b.batch, b.len, budget);
  return splitLossBatch(b, Math.min(b.batch, Math.max(minShards, plan.steps)));
}
