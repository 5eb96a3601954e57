// The plain-ops path on tfjs's pure-JS cpu backend (vitest runs each test file in its own process, so this file
// can pick a different backend): autodiff through stock ops (gather gradient included), the concatenating KV cache.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/model/backend';
import { leftPad } from '../src/model/batch';
import { modelConfig } from '../src/model/config';
import { fastOps } from '../src/model/ops';
import { decodeStep, disposeState, prefill, sample } from '../src/model/sampler';
import { lossOnBatch } from '../src/model/score';
import { createAdamW, trainStep } from '../src/model/step';
import { createTransformer, disposeTransformer, forward, getWeights, initialWeights } from '../src/model/transformer';

const cfg = modelConfig({ vocab: 11, ctx: 16, d: 8, layers: 2, heads: 2, activation: 'relu' });

beforeAll(async () => {
  const info = await initBackend('cpu');
  expect(info.name).toBe('cpu');
});

describe('cpu backend (plain ops)', () => {
  it('uses the plain ops, and the seeded init is the same numbers as on any backend', () => {
    expect(fastOps()).toBe(false);
    const m = createTransformer(cfg, { seed: 3 });
    expect(Array.from(getWeights(m))).toEqual(Array.from(initialWeights(cfg, 3)));
    disposeTransformer(m);
  });

  it('trains (gather gradient on cpu) and the KV cache matches the full forward on ragged prompts', () => {
    const m = createTransformer(cfg, { seed: 4 });
    const b = leftPad([
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9],
    ]);
    const batch = { ...b, lossMask: Float32Array.from(b.attn!, (x) => x) };
    const opt = createAdamW(m, { lr: 1e-2 });
    const l0 = trainStep(m, opt, lossOnBatch, [{ batch, weight: 1 }]).loss;
    let l = l0;
    for (let i = 0; i < 10; i++) l = trainStep(m, opt, lossOnBatch, [{ batch, weight: 1 }]).loss;
    expect(l).toBeLessThan(l0);

    const { logits, state } = prefill(m, b);
    const first = logits.dataSync();
    const step = decodeStep(m, state, Int32Array.from([10, 10]));
    const second = step.dataSync();
    disposeState(state);
    tf.dispose([logits, step]);
    const full = tf.tidy(() => forward(m, leftPad([[1, 2, 3, 4, 5, 6, 10], [7, 8, 9, 10]])).dataSync());
    const V = cfg.vocab;
    let maxd = 0;
    for (let v = 0; v < V; v++) {
      maxd = Math.max(maxd, Math.abs(first[v] - full[5 * V + v]), Math.abs(first[V + v] - full[(7 + 5) * V + v]));
      maxd = Math.max(maxd, Math.abs(second[v] - full[6 * V + v]), Math.abs(second[V + v] - full[(7 + 6) * V + v]));
    }
    expect(maxd).toBeLessThan(1e-4);
    expect(sample(m, [[1, 2], [3]], { maxNew: 5, seed: 2 })).toEqual(sample(m, [[1, 2], [3]], { maxNew: 5, seed: 2 }));
    disposeTransformer(m);
  });
});
