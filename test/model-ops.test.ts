// The wasm fast ops (hand-written gradients, XNNPACK-only matmuls, patched Slice) must equal stock tfjs ops.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/model/backend';
import { leftPad } from '../src/model/batch';
import { modelConfig } from '../src/model/config';
import { activation, attention, attentionRows, attentionRowsReady, CAUSAL_BLOCK_ROWS, setFusedAttention, tokenLogp, dense, embedRows, layerNorm, setCausalBlockRows, setFastOps } from '../src/model/ops';
import { lossOnBatch, type LossBatch } from '../src/model/score';
import { computeGrads } from '../src/model/step';
import { applyRope, createTransformer, disposeTransformer, ropeTables } from '../src/model/transformer';
import { rawBmm, scatterRows } from '../src/model/wasm-kernels';
import { Rng } from '../src/rng';

let wasm = false;
beforeAll(async () => {
  wasm = (await initBackend()).name === 'wasm';
});
const defaultBlockRows = CAUSAL_BLOCK_ROWS;
afterEach(() => {
  setFastOps(null);
  setCausalBlockRows(defaultBlockRows);
  setFusedAttention(true);
});

function randn(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => scale * rng.normal()), shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Value and gradients (w.r.t. all inputs) of sum(f(xs) * probe) in fast and in plain mode. */
function compareGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], seed: number): { value: number; grads: number[]; scale: number } {
  const run = (fast: boolean) => {
    setFastOps(fast);
    const out = tf.tidy(() => f(...xs));
    const probe = randn(new Rng(seed), out.shape);
    out.dispose();
    const g = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), probe)));
    const value = tf.tidy(() => f(...xs));
    const grads = g(xs);
    probe.dispose();
    return { value, grads };
  };
  const a = run(true);
  const b = run(false);
  const res = {
    value: maxAbsDiff(a.value, b.value),
    grads: a.grads.map((g, i) => maxAbsDiff(g, b.grads[i])),
    scale: Math.max(...b.grads.map((g) => tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]))),
  };
  tf.dispose([a.value, b.value, ...a.grads, ...b.grads]);
  return res;
}

describe('wasm kernels', () => {
  it('patched Slice equals a JS reference on contiguous and strided slices', () => {
    const rng = new Rng(3);
    const x = randn(rng, [4, 5, 6, 3]);
    const xv = x.dataSync();
    const cases: [number[], number[]][] = [
      [[1, 0, 0, 0], [2, 5, 6, 3]],
      [[0, 1, 2, 0], [4, 3, 2, 3]],
      [[3, 4, 5, 2], [1, 1, 1, 1]],
      [[0, 0, 1, 1], [4, 5, 4, 2]],
      [[2, 2, 0, 0], [0, 3, 6, 3]],
    ];
    for (const [begin, size] of cases) {
      const got = tf.slice(x, begin, size).dataSync();
      const want: number[] = [];
      for (let a = 0; a < size[0]; a++)
        for (let b = 0; b < size[1]; b++)
          for (let c = 0; c < size[2]; c++)
            for (let d = 0; d < size[3]; d++) want.push(xv[(((begin[0] + a) * 5 + begin[1] + b) * 6 + begin[2] + c) * 3 + begin[3] + d]);
      expect(Array.from(got)).toEqual(want);
    }
    x.dispose();
  });

  it('per-slice XNNPACK bmm equals tf.matMul, with and without a broadcast operand', () => {
    if (!wasm) return;
    const rng = new Rng(4);
    const a = randn(rng, [6, 7, 5]) as tf.Tensor3D;
    const b = randn(rng, [6, 5, 9]) as tf.Tensor3D;
    const b1 = randn(rng, [1, 5, 9]) as tf.Tensor3D;
    expect(maxAbsDiff(rawBmm(a, b), tf.matMul(a, b))).toBeLessThan(1e-5);
    expect(maxAbsDiff(rawBmm(a, b1), tf.matMul(a, tf.tile(b1, [6, 1, 1]) as tf.Tensor3D))).toBeLessThan(1e-5);
    expect(() => rawBmm(a, randn(rng, [6, 4, 9]) as tf.Tensor3D)).toThrow(/inner dimensions differ/);
  });

  it('row scatter-add equals the one-hot product (the gather gradient)', () => {
    if (!wasm) return;
    const rng = new Rng(5);
    const ids = tf.tensor1d([3, 0, 3, 1, 6, 3], 'int32');
    const x = randn(rng, [6, 4]) as tf.Tensor2D;
    const want = tf.matMul(tf.cast(tf.oneHot(ids, 7), 'float32') as tf.Tensor2D, x, true, false);
    expect(maxAbsDiff(scatterRows(ids, x, 7), want)).toBeLessThan(1e-6);
    expect(() => scatterRows(tf.tensor1d([9], 'int32'), randn(rng, [1, 4]) as tf.Tensor2D, 7)).toThrow(/index 9 outside \[0, 7\)/);
  });
});

describe('custom-gradient ops match autodiff of stock ops', () => {
  const tol = 2e-5;

  it('dense (fused bias, untransposed backward products)', () => {
    if (!wasm) return;
    const rng = new Rng(10);
    const r = compareGrads((x, w, b) => dense(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), [randn(rng, [37, 12]), randn(rng, [12, 20]), randn(rng, [20])], 1);
    expect(r.value).toBeLessThan(tol);
    for (const g of r.grads) expect(g).toBeLessThan(tol * Math.max(1, r.scale));
  });

  it.each([
    ['SIMD kernel', 16],
    ['tf ops (width not a multiple of 4)', 6],
  ])('layerNorm: %s', (_, D) => {
    if (!wasm) return;
    const rng = new Rng(11);
    const r = compareGrads(
      (x, g, b) => layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D),
      [randn(rng, [29, D as number], 3), tf.add(1, randn(rng, [D as number], 0.2)), randn(rng, [D as number])],
      2,
    );
    expect(r.value).toBeLessThan(tol);
    for (const g of r.grads) expect(g).toBeLessThan(tol * Math.max(1, r.scale));
  });

  it.each([
    ['SIMD kernel', 24],
    ['tf ops', 7],
  ])('tanh-GELU (sigmoid form) equals tanh-GELU with x*x*x: %s', (_, D) => {
    if (!wasm) return;
    const rng = new Rng(12);
    const r = compareGrads((x) => activation(x as tf.Tensor2D, 'gelu'), [randn(rng, [40, D as number], 3)], 3);
    expect(r.value).toBeLessThan(tol);
    expect(r.grads[0]).toBeLessThan(tol);
  });

  it('rotary positions (SIMD kernel; the backward is the inverse rotation)', () => {
    if (!wasm) return;
    const rng = new Rng(17);
    const tables = ropeTables(Int32Array.from([0, 3, 1, 7, 2, 40, 5]), 16);
    const r = compareGrads((x) => applyRope(x as tf.Tensor2D, 3, tables), [randn(rng, [7, 48])], 6);
    expect(r.value).toBeLessThan(1e-6);
    expect(r.grads[0]).toBeLessThan(1e-6);
    tf.dispose([tables.cos, tables.sin]);
  });

  it.each([
    ['vocabulary width a multiple of 4', 16],
    ['ragged vocabulary width', 13],
  ])('token log-probs (log-softmax at the target, SIMD): %s', (_, V) => {
    if (!wasm) return;
    const rng = new Rng(18);
    const t = tf.tensor1d(Array.from({ length: 9 }, (_, i) => (i * 5) % (V as number)), 'int32');
    const r = compareGrads((x) => tokenLogp(x as tf.Tensor2D, t), [randn(rng, [9, V as number], 4)], 7);
    expect(r.value).toBeLessThan(tol);
    expect(r.grads[0]).toBeLessThan(tol);
    t.dispose();
  });

  it('embedding rows (gather with a scatter-add gradient)', () => {
    if (!wasm) return;
    const rng = new Rng(13);
    const ids = tf.tensor1d([1, 4, 4, 0, 7, 1, 1], 'int32');
    const r = compareGrads((t) => embedRows(t as tf.Tensor2D, ids), [randn(rng, [8, 6])], 4);
    expect(r.value).toBe(0);
    expect(r.grads[0]).toBeLessThan(1e-6);
  });

  it.each([
    ['tf softmax backward', 7, 0, 5],
    ['SIMD softmax backward', 8, 0, 5],
    ['causal row blocks of 4 (2 blocks)', 8, 4, 5],
    ['causal row blocks of 4 (3 blocks)', 12, 4, 5],
    ['fused SIMD kernel', 12, 0, 8],
    ['fused SIMD kernel, 16-key groups and a ragged tail', 23, 0, 20],
    ['fused SIMD kernel, 16-column value blocks', 7, 0, 16],
  ])('attention with a causal + left-padding mask: %s', (_, T, R, dh) => {
    if (!wasm) return;
    setCausalBlockRows(R as number);
    const rng = new Rng(14);
    const B = 3;
    const H = 2;
    const b = leftPad([Array.from({ length: T as number }, (_, i) => 1 + (i % 7)), [1, 2, 3], [4, 5, 6, 7, 1]]);
    const m = new Float32Array(B * T * T);
    for (let r = 0; r < B; r++)
      for (let i = 0; i < T; i++)
        for (let j = 0; j < T; j++) if (j > i || !b.attn![r * T + j]) m[(r * T + i) * T + j] = -1e9;
    const mask = tf.tensor4d(m, [B, 1, T, T]);
    // padding queries see no key at all; their (meaningless) outputs are masked out of the comparison
    const realQ = tf.tensor3d(Float32Array.from({ length: B * H * T }, (_, i) => b.attn![Math.floor(i / (H * T)) * T + (i % T)]), [B * H, T, 1]);
    const r = compareGrads(
      (q, kT, v) => tf.mul(attention(q as tf.Tensor3D, kT as tf.Tensor3D, v as tf.Tensor3D, mask, H), realQ),
      [randn(rng, [B * H, T as number, dh as number]), randn(rng, [B * H, dh as number, T as number]), randn(rng, [B * H, T as number, dh as number])],
      5,
    );
    expect(r.value).toBeLessThan(tol);
    for (const g of r.grads) expect(g).toBeLessThan(tol * Math.max(1, r.scale));
  });

  it('attention on the projections\' row layout (fused kernel, no head transposes) equals the stock ops', () => {
    if (!wasm) return;
    const rng = new Rng(15);
    const [B, H, T, dh] = [3, 2, 53, 20];
    const b = leftPad([Array.from({ length: T }, (_, i) => 1 + (i % 7)), [1, 2, 3], Array.from({ length: 17 }, (_, i) => i)]);
    const m = new Float32Array(B * T * T);
    for (let r = 0; r < B; r++)
      for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) if (j > i || !b.attn![r * T + j]) m[(r * T + i) * T + j] = -1e9;
    const mask = tf.tensor4d(m, [B, 1, T, T]);
    const realQ = tf.tensor2d(Float32Array.from({ length: B * T }, (_, i) => b.attn![i]), [B * T, 1]);
    const heads = (x: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(x, [B, T, H, dh]), [0, 2, 1, 3]), [B * H, T, dh]) as tf.Tensor3D;
    const rows = (fast: boolean) => (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => {
      if (fast) {
        expect(attentionRowsReady(mask, dh)).toBe(true);
        return tf.mul(attentionRows(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, mask, H, T), realQ);
      }
      const kT = tf.transpose(heads(k), [0, 2, 1]) as tf.Tensor3D;
      const o = attention(heads(q), kT, heads(v), mask, H);
      return tf.mul(tf.reshape(tf.transpose(tf.reshape(o, [B, H, T, dh]), [0, 2, 1, 3]), [B * T, H * dh]), realQ);
    };
    const xs = [randn(rng, [B * T, H * dh]), randn(rng, [B * T, H * dh]), randn(rng, [B * T, H * dh])];
    const probe = randn(new Rng(16), [B * T, H * dh]);
    const run = (fast: boolean) => {
      setFastOps(fast);
      const f = rows(fast);
      const value = tf.tidy(() => f(xs[0], xs[1], xs[2]));
      const grads = tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(f(q, k, v), probe)))(xs);
      return [value, ...grads];
    };
    const a = run(true);
    const p = run(false);
    const scale = Math.max(...p.map((t) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0])));
    a.forEach((t, i) => expect(maxAbsDiff(t, p[i])).toBeLessThan(2e-5 * Math.max(1, scale)));
    tf.dispose([...a, ...p, ...xs, probe, mask, realQ]);
  });

  it.each([
    ['fused attention kernel, left padding', 0, 'gelu', true, 'left'],
    ['fused attention kernel, right padding skipped after the last loss token, RoPE', 0, 'gelu', true, 'right'],
    ['XNNPACK attention, full', 0, 'gelu', false, 'left'],
    ['XNNPACK attention, causal row blocks of 4', 4, 'gelu', false, 'left'],
    ['ReLU MLP', 4, 'relu', true, 'left'],
  ])('a whole model: loss and every gradient agree between fast and plain ops (%s)', (_, R, act, fused, pad) => {
    if (!wasm) return;
    setCausalBlockRows(R as number);
    setFusedAttention(fused as boolean);
    const cfg = modelConfig({ vocab: 17, ctx: 12, d: 16, layers: 2, heads: 4, activation: act as 'gelu' | 'relu', pos: pad === 'right' ? 'rope' : 'learned' });
    const model = createTransformer(cfg, { seed: 9 });
    const rng = new Rng(2);
    const rows = [10, 12, 7].map((n) => Array.from({ length: n }, () => rng.int(0, 16)));
    let batch: LossBatch;
    if (pad === 'left') {
      const b = leftPad(rows);
      batch = { ...b, lossMask: Float32Array.from(b.attn!, (x) => x) };
    } else {
      // as the SFT trainer batches: right padding, no key mask, the loss on a response part of each row
      const ids = new Int32Array(3 * 12);
      const lossMask = new Float32Array(3 * 12);
      rows.forEach((r, i) => r.forEach((t, j) => ((ids[i * 12 + j] = t), (lossMask[i * 12 + j] = j >= 3 ? 1 : 0))));
      batch = { ids, batch: 3, len: 12, attn: null, lossMask };
    }
    setFastOps(true);
    const fast = computeGrads(model, lossOnBatch, batch);
    setFastOps(false);
    const plain = computeGrads(model, lossOnBatch, batch);
    expect(Math.abs(fast.loss - plain.loss)).toBeLessThan(1e-5);
    let maxd = 0;
    let maxg = 0;
    for (let i = 0; i < fast.grads.length; i++) {
      maxd = Math.max(maxd, Math.abs(fast.grads[i] - plain.grads[i]));
      maxg = Math.max(maxg, Math.abs(plain.grads[i]));
    }
    expect(maxg).toBeGreaterThan(1e-3); // the comparison is not vacuous
    expect(maxd).toBeLessThan(1e-5 * Math.max(1, maxg));
    disposeTransformer(model);
  });
});

describe('patched GatherV2 (axis 0, any rank)', () => {
  it('equals a JS reference and rejects out-of-range ids', () => {
    const x = tf.tensor(Float32Array.from({ length: 5 * 3 * 4 }, (_, i) => i), [5, 3, 4]);
    const got = tf.gather(x, tf.tensor1d([4, 0, 4, 2], 'int32')).arraySync() as number[][][];
    const all = x.arraySync() as number[][][];
    expect(got).toEqual([all[4], all[0], all[4], all[2]]);
    expect(() => tf.gather(x, tf.tensor1d([5], 'int32'))).toThrow(/not in \[0, 4\]/);
    // another axis still works (stock kernel)
    expect((tf.gather(x, tf.tensor1d([1], 'int32'), 1).arraySync() as number[][][])[2][0]).toEqual(all[2][1]);
  });
});
