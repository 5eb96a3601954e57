import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/model/backend';
import { leftPad } from '../src/model/batch';
import { loadCheckpoint, restoreWeights, saveCheckpoint, weightsHash } from '../src/model/checkpoint';
import { modelConfig } from '../src/model/config';
import { AdamW, globalNorm } from '../src/model/optim';
import { lossOnBatch } from '../src/model/score';
import { createAdamW, trainStep } from '../src/model/step';
import { createTransformer, disposeTransformer, forward, getWeights } from '../src/model/transformer';

const cfg = modelConfig({ vocab: 13, ctx: 16, d: 8, layers: 2, heads: 2 });
let tmp: string;

beforeAll(async () => {
  await initBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-ckpt-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const rows = [
  [1, 2, 3, 4, 5, 6, 7, 8],
  [9, 10, 11, 12, 0],
];
const b = leftPad(rows);
const batch = { ...b, lossMask: Float32Array.from(b.attn!, (x) => x) };
const tokenizer = { kind: 'word', vocab: ['<pad>', 'a', 'b'] };

describe('checkpoints', () => {
  it('save → load reproduces identical logits, tokenizer, optimizer state and meta', () => {
    const m = createTransformer(cfg, { seed: 3 });
    const opt = createAdamW(m, { lr: 1e-2 });
    trainStep(m, opt, lossOnBatch, [{ batch, weight: 1 }]);
    const dir = path.join(tmp, 'a');
    const hash = saveCheckpoint(dir, { config: m.cfg, weights: getWeights(m), tokenizer, optimizer: opt.getState(), meta: { step: 1 } });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const ck = loadCheckpoint(dir);
    expect(ck.contentHash).toBe(hash);
    expect(ck.config).toEqual(cfg);
    expect(ck.tokenizer).toEqual(tokenizer);
    expect(ck.meta).toEqual({ step: 1 });
    expect(ck.optimizer!.step).toBe(1);
    expect(Array.from(ck.optimizer!.m)).toEqual(Array.from(opt.getState().m));
    const m2 = createTransformer(ck.config, { weights: ck.weights });
    const l1 = tf.tidy(() => Array.from(forward(m, b).dataSync()));
    const l2 = tf.tidy(() => Array.from(forward(m2, b).dataSync()));
    expect(l2).toEqual(l1);
    expect(weightsHash(getWeights(m2))).toBe(weightsHash(getWeights(m)));
    [m, m2].forEach(disposeTransformer);
  });

  it('resume is exact: save after 2 steps, load, 1 more step == 3 uninterrupted steps', () => {
    const a = createTransformer(cfg, { seed: 4 });
    const oa = createAdamW(a, { lr: 5e-3 });
    for (let i = 0; i < 3; i++) trainStep(a, oa, lossOnBatch, [{ batch, weight: 1 }]);

    const b2 = createTransformer(cfg, { seed: 4 });
    const ob = createAdamW(b2, { lr: 5e-3 });
    for (let i = 0; i < 2; i++) trainStep(b2, ob, lossOnBatch, [{ batch, weight: 1 }]);
    const dir = path.join(tmp, 'resume');
    saveCheckpoint(dir, { config: b2.cfg, weights: getWeights(b2), tokenizer, optimizer: ob.getState() });
    disposeTransformer(b2);
    const ck = loadCheckpoint(dir);
    const c = createTransformer(ck.config, { weights: ck.weights });
    const oc = createAdamW(c, { lr: 5e-3 });
    oc.setState(ck.optimizer!);
    trainStep(c, oc, lossOnBatch, [{ batch, weight: 1 }]);
    expect(weightsHash(getWeights(c))).toBe(weightsHash(getWeights(a)));
    [a, c].forEach(disposeTransformer);
  });

  it('overwrites an existing checkpoint directory atomically', () => {
    const m = createTransformer(cfg, { seed: 5 });
    const dir = path.join(tmp, 'over');
    saveCheckpoint(dir, { config: m.cfg, weights: getWeights(m), tokenizer });
    const w = getWeights(m).map((x) => x * 2);
    saveCheckpoint(dir, { config: m.cfg, weights: w, tokenizer: { v: 2 } });
    const ck = loadCheckpoint(dir);
    expect(ck.tokenizer).toEqual({ v: 2 });
    expect(weightsHash(ck.weights)).toBe(weightsHash(w));
    expect(ck.optimizer).toBeNull();
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('over.'))).toEqual([]);
    disposeTransformer(m);
  });

  it('a corrupted or incomplete checkpoint fails with a clear message', () => {
    const m = createTransformer(cfg, { seed: 6 });
    const dir = path.join(tmp, 'bad');
    saveCheckpoint(dir, { config: m.cfg, weights: getWeights(m), tokenizer });
    const wpath = path.join(dir, 'weights.bin');
    const buf = fs.readFileSync(wpath);
    buf[100] ^= 0xff;
    fs.writeFileSync(wpath, buf);
    expect(() => loadCheckpoint(dir, '--init')).toThrow(`--init ${dir}: weights.bin is corrupted (size or sha256 differs from manifest.json)`);
    fs.rmSync(path.join(dir, 'manifest.json'));
    expect(() => loadCheckpoint(dir)).toThrow(/no manifest.json \(not a checkpoint directory, or an interrupted save\)/);
    expect(() => loadCheckpoint(path.join(tmp, 'nope'))).toThrow(/directory does not exist/);
    disposeTransformer(m);
  });

  it('loading into a mismatched config fails naming the differing fields', () => {
    const m = createTransformer(cfg, { seed: 7 });
    const dir = path.join(tmp, 'mismatch');
    saveCheckpoint(dir, { config: m.cfg, weights: getWeights(m), tokenizer });
    const other = createTransformer({ ...cfg, d: 12, heads: 3 }, { seed: 1 });
    expect(() => restoreWeights(other, dir)).toThrow(/model config does not match \(expected vs checkpoint: d: 12 vs 8, heads: 3 vs 2\)/);
    expect(() => saveCheckpoint(path.join(tmp, 'x'), { config: cfg, weights: new Float32Array(5), tokenizer })).toThrow(/5 weights, config needs/);
    [m, other].forEach(disposeTransformer);
  });
});

describe('AdamW', () => {
  it('matches a hand-computed update with decoupled decay only on decay ranges', () => {
    const opt = new AdamW(3, [[0, 2]], { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5, clipNorm: null });
    const p = new Float32Array([1, -2, 3]);
    opt.update(p, new Float32Array([0.5, 0.5, -1]));
    // step 1: m̂ = g, v̂ = g², update = lr·g/|g| = ±0.1; decay 0.1·0.5 = 5% of p on the first two
    expect(p[0]).toBeCloseTo(1 * 0.95 - 0.1, 6);
    expect(p[1]).toBeCloseTo(-2 * 0.95 - 0.1, 6);
    expect(p[2]).toBeCloseTo(3 + 0.1, 6);
    const g2 = new Float32Array([0.25, 0, 0]);
    const before = p[0];
    opt.update(p, g2);
    const m = 0.9 * (0.1 * 0.5) + 0.1 * 0.25; // m₁ = (1-β₁)·g₁
    const v = 0.99 * (0.01 * 0.25) + 0.01 * 0.0625;
    const upd = (0.1 * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.9801)) + 1e-8);
    expect(p[0]).toBeCloseTo(before * 0.95 - upd, 6);
    expect(opt.step).toBe(2);
  });

  it('clips by the global norm and reports it', () => {
    const opt = new AdamW(2, [], { lr: 1, clipNorm: 1, weightDecay: 0 });
    const g = new Float32Array([3, 4]);
    const rep = opt.update(new Float32Array(2), g);
    expect(rep.gradNorm).toBeCloseTo(5, 6);
    expect(rep.clipped).toBe(true);
    expect(globalNorm(new Float32Array([3, 4]))).toBe(5);
    expect(() => opt.update(new Float32Array(2), new Float32Array([NaN, 0]))).toThrow(/gradient norm is NaN/);
    expect(() => new AdamW(2, [], { lr: -1 })).toThrow(/optimizer config: lr/);
  });
});
