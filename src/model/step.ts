// One optimisation step on the model: gradients of any scalar loss as a flat vector, weighted accumulation over
// micro-batches (or data-parallel shards), and the AdamW update written back into the variables.
import * as tf from '@tensorflow/tfjs';
import { isWasm } from './backend.js';
import { estimateTrainHeapBytes, getHeapBudget, planTrainMicroBatches } from './config.js';
import { AdamW, type AdamWConfig, type StepReport } from './optim.js';
import { getWeights, setWeights, type Transformer } from './transformer.js';

/** A differentiable scalar loss of the model on a batch (build it from scoreSequences / lossOnBatch). */
export type LossFn<B> = (model: Transformer, batch: B) => tf.Scalar;

/** Part of a global batch; `weight` is its share of the global loss (tokens for a token mean, rows for a row mean). */
export interface Shard<B> {
  batch: B;
  weight: number;
}

export interface Grads {
  /** Loss value, weighted mean over the shards. */
  loss: number;
  /** Gradient of the weighted-mean loss, flat in paramSpecs order. */
  grads: Float32Array;
  /** Total weight of the shards. */
  weight: number;
}

/**
 * Refuse a batch whose training step would overflow the wasm heap (an overflow aborts the process with no
 * catchable error). Batches that carry their shape (batch, len) are checked against estimateTrainHeapBytes.
 */
export function checkTrainHeap(model: Transformer, batch: unknown): void {
  if (!isWasm()) return;
  const b = batch as { batch?: unknown; len?: unknown };
  if (typeof b?.batch !== 'number' || typeof b?.len !== 'number') return;
  const need = estimateTrainHeapBytes(model.cfg, b.batch, b.len);
  const heapBudget = getHeapBudget();
  if (need <= heapBudget) return;
  const plan = planTrainMicroBatches(model.cfg, b.batch, b.len, heapBudget);
  throw new Error(
    `training batch ${b.batch}×${b.len} needs ~${Math.round(need / 2 ** 20)} MiB of wasm heap (budget ${Math.round(heapBudget / 2 ** 20)} MiB, ` +
      `cap 4096 MiB): split it into micro-batches of ≤ ${plan.micro} rows (splitLossBatch) and pass them as shards`,
  );
}

/** Loss and flat gradient of lossFn on one batch. */
export function computeGrads<B>(model: Transformer, lossFn: LossFn<B>, batch: B): { loss: number; grads: Float32Array } {
  checkTrainHeap(model, batch);
  const grads = new Float32Array(model.size);
  const res = tf.variableGrads(() => lossFn(model, batch), model.vars as tf.Variable[]);
  try {
    model.specs.forEach((s, i) => {
      const g = res.grads[model.vars[i].name];
      if (g) grads.set(g.dataSync() as Float32Array, s.offset); // an unused parameter keeps a zero gradient
    });
    return { loss: res.value.dataSync()[0], grads };
  } finally {
    res.value.dispose();
    for (const g of Object.values(res.grads)) g.dispose();
  }
}

/** Σ w_k·x_k / Σ w_k into `out` (float32 accumulate, shard order fixed so replicas agree bit for bit). */
export function weightedMean(parts: readonly { grads: Float32Array; weight: number }[], out: Float32Array): number {
  const total = parts.reduce((a, p) => a + p.weight, 0);
  if (!(total > 0)) throw new Error('shard weights must sum to a positive number');
  out.fill(0);
  for (const p of parts) {
    const w = p.weight / total;
    const g = p.grads;
    for (let i = 0; i < out.length; i++) out[i] += w * g[i];
  }
  return total;
}

/** Gradient of the weighted-mean loss over shards, computed one shard at a time (gradient accumulation). */
export function accumulateGrads<B>(model: Transformer, lossFn: LossFn<B>, shards: readonly Shard<B>[]): Grads {
  if (shards.length === 0) throw new Error('accumulateGrads: no shards');
  if (shards.length === 1) return { ...computeGrads(model, lossFn, shards[0].batch), weight: shards[0].weight };
  const parts = shards.map((s) => ({ ...computeGrads(model, lossFn, s.batch), weight: s.weight }));
  const grads = new Float32Array(model.size);
  const weight = weightedMean(parts, grads);
  const loss = parts.reduce((a, p) => a + p.loss * p.weight, 0) / weight;
  return { loss, grads, weight };
}

/** Weight-decay ranges of the model's flat vector (matrices and embeddings). */
export function decayRanges(model: Transformer): [number, number][] {
  return model.specs.filter((s) => s.decay).map((s) => [s.offset, s.size]);
}

export function createAdamW(model: Transformer, cfg: Partial<AdamWConfig> = {}): AdamW {
  return new AdamW(model.size, decayRanges(model), cfg);
}

/** Apply precomputed gradients with AdamW and write the new weights into the model. */
export function applyGrads(model: Transformer, opt: AdamW, grads: Float32Array, lr?: number): StepReport {
  const w = getWeights(model);
  const rep = opt.update(w, grads, lr);
  setWeights(model, w);
  return rep;
}

export interface TrainStepReport extends StepReport {
  loss: number;
}

/** Gradients over the shards (accumulated) and one AdamW update. */
export function trainStep<B>(model: Transformer, opt: AdamW, lossFn: LossFn<B>, shards: readonly Shard<B>[], lr?: number): TrainStepReport {
  const g = accumulateGrads(model, lossFn, shards);
  return { loss: g.loss, ...applyGrads(model, opt, g.grads, lr) };
}
