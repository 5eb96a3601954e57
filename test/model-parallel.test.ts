import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/model/backend';
import { leftPad } from '../src/model/batch';
import { modelConfig } from '../src/model/config';
import { DataParallel } from '../src/model/parallel';
import { sample } from '../src/model/sampler';
import { lossOnBatch, splitLossBatch, type LossBatch } from '../src/model/score';
import { computeGrads, createAdamW, trainStep } from '../src/model/step';
import { createTransformer, disposeTransformer, getWeights, type Transformer } from '../src/model/transformer';
import { Rng } from '../src/rng';

const cfg = modelConfig({ vocab: 21, ctx: 20, d: 16, layers: 2, heads: 2 });
let model: Transformer;
let dp: DataParallel;

function batchOf(seed: number, lengths: number[]): LossBatch {
  const rng = new Rng(seed);
  const b = leftPad(lengths.map((n) => Array.from({ length: n }, () => rng.int(0, cfg.vocab - 1))));
  return { ...b, lossMask: Float32Array.from(b.attn ?? new Uint8Array(b.ids.length).fill(1), (x) => x) };
}

beforeAll(async () => {
  await initBackend();
  model = createTransformer(cfg, { seed: 21 });
  dp = await DataParallel.create(model, { workers: 2 });
});
afterAll(async () => {
  await dp?.close();
  disposeTransformer(model);
});

describe('data parallel (two replicas: main thread + one worker thread)', () => {
  it('gives the same update as a single-process step on the same global batch', async () => {
    const global = batchOf(1, [18, 9, 14, 5, 20, 11]);
    const shards = splitLossBatch(global, 2);
    expect(shards).toHaveLength(2);
    const single = computeGrads(model, lossOnBatch, global);
    const par = await dp.computeGrads(lossOnBatch, shards);
    expect(Math.abs(par.loss - single.loss)).toBeLessThan(1e-5);
    let maxd = 0;
    let maxg = 0;
    for (let i = 0; i < single.grads.length; i++) {
      maxd = Math.max(maxd, Math.abs(par.grads[i] - single.grads[i]));
      maxg = Math.max(maxg, Math.abs(single.grads[i]));
    }
    expect(maxg).toBeGreaterThan(1e-3);
    expect(maxd).toBeLessThan(1e-5 * Math.max(1, maxg));

    // the full step: same AdamW update, and the helper follows the new weights on the next call
    const ref = createTransformer(cfg, { weights: getWeights(model) });
    const o1 = createAdamW(ref, { lr: 1e-2 });
    const o2 = createAdamW(model, { lr: 1e-2 });
    for (let s = 0; s < 2; s++) {
      trainStep(ref, o1, lossOnBatch, [{ batch: global, weight: 1 }]);
      await dp.trainStep(o2, lossOnBatch, shards);
    }
    const a = getWeights(ref);
    const b = getWeights(model);
    let wd = 0;
    for (let i = 0; i < a.length; i++) wd = Math.max(wd, Math.abs(a[i] - b[i]));
    expect(wd).toBeLessThan(1e-5);
    disposeTransformer(ref);
  });

  it('samples the same tokens as a single process with the same seed', async () => {
    const rng = new Rng(2);
    const prompts = [3, 6, 1, 4, 2].map((n) => Array.from({ length: n }, () => rng.int(0, cfg.vocab - 1)));
    const single = sample(model, prompts, { maxNew: 8, seed: 7, stop: [5] });
    const par = await dp.sample(prompts, { maxNew: 8, seed: 7, stop: [5] });
    expect(par.tokens).toEqual(single.tokens);
    expect(par.finish).toEqual(single.finish);
    for (let i = 0; i < prompts.length; i++) {
      par.logprobs[i].forEach((l, s) => expect(Math.abs(l - single.logprobs[i][s])).toBeLessThan(1e-5));
    }
  });

  it('reports worker-side errors as rejections, not hangs', async () => {
    const bad = batchOf(3, [4, 4]);
    bad.ids[5] = 999;
    await expect(dp.computeGrads(lossOnBatch, splitLossBatch(bad, 2))).rejects.toThrow(/token id 999/);
    // and it keeps working afterwards
    const ok = await dp.computeGrads(lossOnBatch, splitLossBatch(batchOf(4, [5, 6]), 2));
    expect(Number.isFinite(ok.loss)).toBe(true);
  });
});
