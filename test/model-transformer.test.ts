import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, initBackend } from '../src/model/backend';
import { setFastOps } from '../src/model/ops';
import { leftPad, type SeqBatch } from '../src/model/batch';
import { modelConfig } from '../src/model/config';
import { decodeStep, disposeState, prefill, sample } from '../src/model/sampler';
import { lossOnBatch } from '../src/model/score';
import { computeGrads, createAdamW, trainStep } from '../src/model/step';
import { createTransformer, disposeTransformer, forward, getWeights, initialWeights } from '../src/model/transformer';
import { Rng } from '../src/rng';

const cfg = modelConfig({ vocab: 23, ctx: 24, d: 16, layers: 2, heads: 2 });

beforeAll(async () => {
  await initBackend();
});

function randomRows(seed: number, lengths: number[], vocab = cfg.vocab): number[][] {
  const rng = new Rng(seed);
  return lengths.map((n) => Array.from({ length: n }, () => rng.int(0, vocab - 1)));
}

function logitsOf(model: ReturnType<typeof createTransformer>, b: SeqBatch): Float32Array {
  return tf.tidy(() => forward(model, b).dataSync() as Float32Array);
}

describe('initialisation', () => {
  it('same seed gives identical weights; another seed gives different ones', () => {
    const a = createTransformer(cfg, { seed: 42 });
    const b = createTransformer(cfg, { seed: 42 });
    const c = createTransformer(cfg, { seed: 43 });
    const wa = getWeights(a);
    expect(Buffer.from(wa.buffer).equals(Buffer.from(getWeights(b).buffer))).toBe(true);
    expect(Buffer.from(wa.buffer).equals(Buffer.from(getWeights(c).buffer))).toBe(false);
    expect(Buffer.from(wa.buffer).equals(Buffer.from(initialWeights(cfg, 42).buffer))).toBe(true);
    // N(0, 0.02²) matrices, unit LayerNorm gains
    const wte = a.byName.wte.dataSync() as Float32Array;
    const std = Math.sqrt(wte.reduce((s, x) => s + x * x, 0) / wte.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    expect(Array.from(a.byName['h0.ln1.g'].dataSync()).every((x) => x === 1)).toBe(true);
    [a, b, c].forEach(disposeTransformer);
  });
});

describe('forward', () => {
  it('left padding with the key mask leaves each row’s logits unchanged', () => {
    const model = createTransformer(cfg, { seed: 1 });
    const rows = randomRows(5, [9, 4, 7]);
    const batched = leftPad(rows);
    const lb = logitsOf(model, batched);
    const V = cfg.vocab;
    let maxd = 0;
    rows.forEach((r, i) => {
      const alone = logitsOf(model, leftPad([r]));
      const pad = batched.len - r.length;
      for (let t = 0; t < r.length; t++)
        for (let v = 0; v < V; v++) maxd = Math.max(maxd, Math.abs(alone[t * V + v] - lb[(i * batched.len + pad + t) * V + v]));
    });
    expect(maxd).toBeLessThan(1e-4);
    disposeTransformer(model);
  });

  it('is causal: changing a later token leaves earlier logits unchanged', () => {
    const model = createTransformer(cfg, { seed: 2 });
    const [r] = randomRows(6, [10]);
    const r2 = r.slice();
    r2[7] = (r2[7] + 1) % cfg.vocab;
    const a = logitsOf(model, leftPad([r]));
    const b = logitsOf(model, leftPad([r2]));
    const V = cfg.vocab;
    for (let i = 0; i < 7 * V; i++) expect(a[i]).toBe(b[i]);
    expect(a.slice(7 * V, 8 * V)).not.toEqual(b.slice(7 * V, 8 * V));
    disposeTransformer(model);
  });

  it('rejects out-of-vocabulary ids and over-long sequences with one clear line', () => {
    const model = createTransformer(cfg, { seed: 3 });
    expect(() => forward(model, leftPad([[1, 2, 99]]))).toThrow('token id 99 at index 2 outside the vocabulary [0, 23)');
    expect(() => forward(model, leftPad([Array(30).fill(1)]))).toThrow('sequence length must be in [1, 24] (got 30)');
    disposeTransformer(model);
  });
});

describe('RoPE positions', () => {
  const rc = modelConfig({ vocab: 23, ctx: 24, d: 16, layers: 2, heads: 2, pos: 'rope' });
  it('has no position parameters and keeps left padding, causality and shift behaviour', () => {
    const m = createTransformer(rc, { seed: 3 });
    expect(m.specs.some((s) => s.name === 'wpe')).toBe(false);
    expect(m.size).toBe(createTransformer(cfg, { seed: 3 }).size - cfg.ctx * cfg.d);
    // attention scores depend only on offsets: the same tokens shifted right by left padding give the same logits
    const row = randomRows(9, [7])[0];
    const a = logitsOf(m, leftPad([row]));
    const b = logitsOf(m, leftPad([row, [...row, 1, 2, 3]]));
    let maxd = 0;
    for (let i = 0; i < a.length; i++) maxd = Math.max(maxd, Math.abs(a[i] - b[3 * rc.vocab + i]));
    expect(maxd).toBeLessThan(1e-4);
    disposeTransformer(m);
  });
  it('fast and plain ops give the same RoPE gradients (rel. error < 1e-4)', () => {
    if (backendInfo()?.name !== 'wasm') return;
    const rows = randomRows(11, [9, 5, 12]);
    const b = { ...leftPad(rows), lossMask: new Float32Array(3 * 12).fill(1) };
    const grads = [true, false].map((fast) => {
      setFastOps(fast);
      const m = createTransformer(rc, { seed: 5 });
      const g = computeGrads(m, lossOnBatch, b).grads;
      disposeTransformer(m);
      return g;
    });
    setFastOps(null);
    let num = 0;
    let den = 0;
    for (let i = 0; i < grads[0].length; i++) {
      num += (grads[0][i] - grads[1][i]) ** 2;
      den += grads[1][i] ** 2;
    }
    expect(den).toBeGreaterThan(0);
    expect(Math.sqrt(num / den)).toBeLessThan(1e-4);
  });
  it('differs from the unrotated model: swapping two earlier tokens changes the last logits', () => {
    const m = createTransformer(rc, { seed: 3 });
    const l1 = logitsOf(m, leftPad([[4, 5, 6, 7]]));
    const l2 = logitsOf(m, leftPad([[5, 4, 6, 7]]));
    const V = rc.vocab;
    let maxd = 0;
    for (let v = 0; v < V; v++) maxd = Math.max(maxd, Math.abs(l1[3 * V + v] - l2[3 * V + v]));
    expect(maxd).toBeGreaterThan(1e-5); // without positions, attention would be order-blind at the last token
    disposeTransformer(m);
  });
});

describe('dropout', () => {
  it('is seeded in train mode, off in eval mode, and trains', () => {
    const dcfg = modelConfig({ ...cfg, dropout: 0.2 });
    const m = createTransformer(dcfg, { seed: 8 });
    const m0 = createTransformer({ ...dcfg, dropout: 0 }, { weights: getWeights(m) });
    const b = leftPad(randomRows(12, [9, 9]));
    const run = (mm: typeof m, o: Parameters<typeof forward>[2]) => tf.tidy(() => Array.from(forward(mm, b, o).dataSync()));
    expect(run(m, { train: true, dropoutSeed: 1 })).toEqual(run(m, { train: true, dropoutSeed: 1 }));
    expect(run(m, { train: true, dropoutSeed: 2 })).not.toEqual(run(m, { train: true, dropoutSeed: 1 }));
    expect(run(m, {})).toEqual(run(m0, {}));
    expect(run(m0, { train: true, dropoutSeed: 1 })).toEqual(run(m0, {}));
    const batch = { ...b, lossMask: new Float32Array(b.ids.length).fill(1), dropoutSeed: 5 };
    const opt = createAdamW(m, { lr: 1e-2, weightDecay: 0 });
    const first = trainStep(m, opt, lossOnBatch, [{ batch, weight: 1 }]).loss;
    let last = first;
    for (let i = 0; i < 30; i++) last = trainStep(m, opt, lossOnBatch, [{ batch: { ...batch, dropoutSeed: 5 + i }, weight: 1 }]).loss;
    expect(last).toBeLessThan(first * 0.7);
    [m, m0].forEach(disposeTransformer);
  });
});

describe('KV cache', () => {
  it.each([
    ['fast ops (SIMD decode kernel, growing capacity)', true, cfg],
    ['fast ops, head size 3 (JS decode kernel)', true, modelConfig({ vocab: 23, ctx: 24, d: 12, layers: 2, heads: 4 })],
    ['plain ops (concatenated caches)', false, cfg],
    ['fast ops, RoPE positions', true, modelConfig({ vocab: 23, ctx: 24, d: 16, layers: 2, heads: 2, pos: 'rope' })],
    ['plain ops, RoPE positions', false, modelConfig({ vocab: 23, ctx: 24, d: 16, layers: 2, heads: 2, pos: 'rope' })],
    ['fast ops, long prompts (every key-group width of the SIMD kernels)', true, modelConfig({ vocab: 23, ctx: 64, d: 32, layers: 2, heads: 2, pos: 'rope' }), [53, 17, 40, 2]],
  ])('incremental logits equal full-forward logits (max |Δ| ≤ 1e-4), ragged left-padded prompts: %s', (_, fast, c, lengths = [5, 2, 8, 3]) => {
    if (fast && backendInfo()?.name !== 'wasm') return;
    setFastOps(fast as boolean);
    const model = createTransformer(c as typeof cfg, { seed: 4 });
    const prompts = randomRows(7, lengths as number[]);
    const cont = randomRows(8, [6, 6, 6, 6]); // teacher-forced continuation tokens
    const V = cfg.vocab;
    const { logits, state } = prefill(model, leftPad(prompts));
    const steps: Float32Array[] = [logits.dataSync() as Float32Array];
    logits.dispose();
    for (let s = 0; s < 5; s++) {
      const l = decodeStep(model, state, Int32Array.from(cont, (c) => c[s]));
      steps.push(l.dataSync() as Float32Array);
      l.dispose();
    }
    disposeState(state);
    const full = leftPad(prompts.map((p, i) => [...p, ...cont[i].slice(0, 5)]));
    const lf = logitsOf(model, full);
    let maxd = 0;
    prompts.forEach((p, i) => {
      const pad = full.len - (p.length + 5);
      for (let s = 0; s <= 5; s++) {
        const t = pad + p.length - 1 + s; // position whose logits predict the next token
        for (let v = 0; v < V; v++) maxd = Math.max(maxd, Math.abs(steps[s][i * V + v] - lf[(i * full.len + t) * V + v]));
      }
    });
    expect(maxd).toBeLessThanOrEqual(1e-4);
    disposeTransformer(model);
    setFastOps(null);
  });
});

describe('training', () => {
  it('a tiny model overfits a fixed batch (loss < 0.05)', () => {
    const model = createTransformer(cfg, { seed: 5 });
    const rows = randomRows(9, [12, 12, 12, 12]);
    const b = leftPad(rows);
    const batch = { ...b, lossMask: new Float32Array(b.ids.length).fill(1) };
    const opt = createAdamW(model, { lr: 1e-2, weightDecay: 0 });
    let loss = Infinity;
    const first = trainStep(model, opt, lossOnBatch, [{ batch, weight: 1 }]).loss;
    for (let i = 0; i < 150 && loss >= 0.05; i++) loss = trainStep(model, opt, lossOnBatch, [{ batch, weight: 1 }]).loss;
    expect(first).toBeGreaterThan(2.5); // ≈ ln 23 at init
    expect(loss).toBeLessThan(0.05);
    disposeTransformer(model);
  });

  it('creating and disposing a model leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const m = createTransformer(cfg, { seed: 1 });
    expect(tf.memory().numTensors).toBe(before + m.specs.length);
    disposeTransformer(m);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('tf.memory().numTensors stays flat across 20 training steps and 20 sampling calls', () => {
    const model = createTransformer(cfg, { seed: 6 });
    const b = leftPad(randomRows(10, [10, 6, 8]));
    const batch = { ...b, lossMask: Float32Array.from(b.attn!, (x) => x) };
    const opt = createAdamW(model);
    trainStep(model, opt, lossOnBatch, [{ batch, weight: 1 }]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) trainStep(model, opt, lossOnBatch, [{ batch, weight: 1 }]);
    expect(tf.memory().numTensors).toBe(before);
    const prompts = randomRows(11, [3, 5, 2, 4]);
    sample(model, prompts, { maxNew: 6, seed: 0 });
    const before2 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) sample(model, prompts, { maxNew: 6, seed: i, stop: [3] });
    expect(tf.memory().numTensors).toBe(before2);
    disposeTransformer(model);
  });
});
