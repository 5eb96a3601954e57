// The wasm backend's matrix products through OpenBLAS (src/model/blas-kernels.ts) equal a float64 reference and the
// XNNPACK path they replace. CI installs OpenBLAS and builds the addon, so there the OpenBLAS path must be active.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { initBackend } from '../src/model/backend';
import { blasActive, setBlasEnabled } from '../src/model/blas-kernels';
import { leftPad } from '../src/model/batch';
import { modelConfig } from '../src/model/config';
import { attentionRows, realRows } from '../src/model/ops';
import { lossOnBatch, type LossBatch } from '../src/model/score';
import { computeGrads } from '../src/model/step';
import { createTransformer, disposeTransformer } from '../src/model/transformer';
import { AdamW, setNativeOptimizer } from '../src/model/optim';
import { decodeAttention } from '../src/model/wasm-kernels';
import { Rng } from '../src/rng';

const info = await initBackend();
const on = info.name === 'wasm' && !!info.blas;
afterEach(() => setBlasEnabled(true));

it('CI builds the addon and installs OpenBLAS, so there the products run on it', () => {
  if (process.env.CI !== 'true') return;
  expect(info.blas ?? info.blasWhy).toMatch(/OpenBLAS/);
});

const randn = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** op(A)·op(B) (+ bias) in float64 for one batch slice: A stored [M,K] (or [K,M] with ta), B [K,N] (or [N,K]). */
function reference(a: Float32Array, b: Float32Array, M: number, N: number, K: number, ta: boolean, tb: boolean, bias?: Float32Array): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = bias ? bias[j] : 0;
      for (let k = 0; k < K; k++) s += (ta ? a[k * M + i] : a[i * K + k]) * (tb ? b[j * K + k] : b[k * N + j]);
      out[i * N + j] = s;
    }
  }
  return out;
}

describe.runIf(on)('OpenBLAS matrix products on the wasm heap', () => {
  it('BatchMatMul and _FusedMatMul equal a float64 reference: every transpose, rank 2 and 3, broadcast batches, bias', () => {
    const rng = new Rng(11);
    expect(blasActive()).not.toBeNull();
    const before = tf.memory().numTensors;
    for (const [M, N, K] of [
      [1, 1, 1],
      [7, 5, 3],
      [64, 761, 64],
      [33, 17, 129],
    ]) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          for (const [na, nb] of [
            [0, 0],
            [3, 3],
            [1, 3],
            [3, 1],
          ]) {
            const n = Math.max(na, nb, 1);
            const aData = randn(rng, Math.max(na, 1) * M * K);
            const bData = randn(rng, Math.max(nb, 1) * K * N);
            const bias = randn(rng, N);
            const aShape = ta ? [K, M] : [M, K];
            const bShape = tb ? [N, K] : [K, N];
            const a = tf.tensor(aData, na ? [na, ...aShape] : aShape);
            const b = tf.tensor(bData, nb ? [nb, ...bShape] : bShape);
            const got = tf.tidy(() => [tf.matMul(a, b, ta, tb).dataSync(), tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: tf.tensor1d(bias) }).dataSync()]);
            for (let i = 0; i < n; i++) {
              const as = aData.subarray((na > 1 ? i : 0) * M * K, (na > 1 ? i + 1 : 1) * M * K);
              const bs = bData.subarray((nb > 1 ? i : 0) * K * N, (nb > 1 ? i + 1 : 1) * K * N);
              for (const [g, ref] of [
                [got[0], reference(as, bs, M, N, K, ta, tb)],
                [got[1], reference(as, bs, M, N, K, ta, tb, bias)],
              ] as const) {
                let err = 0;
                for (let j = 0; j < M * N; j++) err = Math.max(err, Math.abs(g[i * M * N + j] - ref[j]));
                expect(err, `M=${M} N=${N} K=${K} ta=${ta} tb=${tb} batches ${na}/${nb}`).toBeLessThan(2e-5 * Math.sqrt(K) * 4);
              }
            }
            tf.dispose([a, b]);
          }
        }
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a training step through OpenBLAS equals the XNNPACK step (loss and every gradient)', () => {
    const cfg = modelConfig({ vocab: 61, ctx: 64, d: 32, layers: 2, heads: 4, pos: 'rope' });
    const rng = new Rng(5);
    const B = 3;
    const T = 40;
    const ids = Int32Array.from({ length: B * T }, () => rng.int(1, cfg.vocab - 1));
    const batch: LossBatch = { ids, batch: B, len: T, attn: null, lossMask: new Float32Array(B * T).fill(1) };
    const model = createTransformer(cfg, { seed: 2 });
    const run = (blas: boolean) => {
      setBlasEnabled(blas);
      return computeGrads(model, lossOnBatch, batch);
    };
    const x = run(false);
    const y = run(true);
    expect(Math.abs(x.loss - y.loss)).toBeLessThan(1e-5 * Math.abs(x.loss));
    let scale = 0;
    let err = 0;
    for (let i = 0; i < x.grads.length; i++) {
      scale = Math.max(scale, Math.abs(x.grads[i]));
      err = Math.max(err, Math.abs(x.grads[i] - y.grads[i]));
    }
    expect(scale).toBeGreaterThan(0);
    expect(err).toBeLessThan(1e-4 * scale);
    disposeTransformer(model);
  });

  it('the sgemm-tiled attention equals the SIMD kernel over several 64-row blocks, with left padding and row ranges', () => {
    const rng = new Rng(21);
    const [B, H, T, dh] = [3, 4, 150, 16];
    const lens = [150, 37, 101];
    const b = leftPad(lens.map((n) => Array.from({ length: n }, (_, i) => 1 + (i % 9))));
    const m = new Float32Array(B * T * T);
    for (let r = 0; r < B; r++)
      for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) if (j > i || !b.attn![r * T + j]) m[(r * T + i) * T + j] = -1e9;
    const mask = tf.tensor4d(m, [B, 1, T, T]);
    // rows: left padding skipped, and the last 20 positions of row 2 treated as right padding nobody reads
    const rows = tf.tensor2d(realRows(B, T, b.attn, Int32Array.from([T, T, T - 20])), [B, 2], 'int32');
    const xs = [0, 1, 2].map(() => tf.tensor2d(randn(rng, B * T * H * dh), [B * T, H * dh]));
    const probe = tf.tensor2d(randn(new Rng(22), B * T * H * dh), [B * T, H * dh]);
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => attentionRows(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, mask, H, T, rows);
    const run = (blas: boolean) => {
      setBlasEnabled(blas);
      const value = tf.tidy(() => f(xs[0], xs[1], xs[2]));
      return [value, ...tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(f(q, k, v), probe)))(xs)];
    };
    const before = tf.memory().numTensors;
    const simd = run(false);
    const blas = run(true);
    const scale = Math.max(...simd.map((t) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0])));
    expect(scale).toBeGreaterThan(0.1);
    simd.forEach((t, i) => expect(tf.tidy(() => tf.max(tf.abs(tf.sub(t, blas[i]))).dataSync()[0]), ['o', 'dq', 'dk', 'dv'][i]).toBeLessThan(2e-5 * Math.max(1, scale)));
    tf.dispose([...simd, ...blas]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...xs, probe, mask, rows]);
  });

  it('the native decode-step attention equals the SIMD kernel: output and the caches it writes, ragged starts', () => {
    const rng = new Rng(31);
    const [B, H, dh, cap] = [5, 4, 16, 70];
    const D = H * dh;
    const pos = 52;
    const starts = Int32Array.from([0, 3, 17, 52, 9]);
    const maskData = new Float32Array(B * cap);
    for (let b = 0; b < B; b++) for (let j = 0; j < cap; j++) if (j < starts[b] || j > pos) maskData[b * cap + j] = -1e9;
    const kInit = randn(rng, B * H * dh * cap);
    const vInit = randn(rng, B * H * cap * dh);
    const qkv = tf.tensor2d(randn(rng, B * 3 * D), [B, 3 * D]);
    const mask = tf.tensor2d(maskData, [B, cap]);
    const st = tf.tensor1d(starts, 'int32');
    const run = (blas: boolean) => {
      setBlasEnabled(blas);
      const kT = tf.tensor4d(kInit, [B, H, dh, cap]);
      const vc = tf.tensor4d(vInit, [B, H, cap, dh]);
      const out = decodeAttention(qkv, kT, vc, mask, pos, st);
      const res = [out.dataSync().slice(), kT.dataSync().slice(), vc.dataSync().slice()];
      tf.dispose([out, kT, vc]);
      return res;
    };
    const simd = run(false);
    const blas = run(true);
    let err = 0;
    for (let i = 0; i < simd[0].length; i++) err = Math.max(err, Math.abs(simd[0][i] - blas[0][i]));
    expect(err).toBeLessThan(1e-5);
    expect(Math.max(...simd[0].map(Math.abs))).toBeGreaterThan(0.05);
    expect(blas[1]).toEqual(simd[1]); // this step's keys and values written at pos, nothing else touched
    expect(blas[2]).toEqual(simd[2]);
    tf.dispose([qkv, mask, st]);
  });

  it('the native AdamW loop leaves params, m and v bitwise as the JS loop does (decay mask, clipping, 5 steps)', () => {
    const n = 20_003;
    const ranges: [number, number][] = [
      [0, 400],
      [7_000, 9_000],
    ];
    const run = (native: boolean) => {
      setNativeOptimizer(native);
      const opt = new AdamW(n, ranges, { lr: 3e-3, weightDecay: 0.1, clipNorm: 0.5 });
      const r = new Rng(42);
      const params = randn(r, n);
      const steps = [];
      for (let t = 0; t < 5; t++) steps.push(opt.update(params, Float32Array.from(randn(r, n), (g) => g * (t + 1)), 1e-3 * (t + 1)));
      const st = opt.getState();
      return { params, m: st.m, v: st.v, steps };
    };
    try {
      const js = run(false);
      const nat = run(true);
      expect(js.steps.some((s) => s.clipped)).toBe(true);
      expect(Buffer.from(nat.params.buffer).equals(Buffer.from(js.params.buffer))).toBe(true);
      expect(Buffer.from(nat.m.buffer).equals(Buffer.from(js.m.buffer))).toBe(true);
      expect(Buffer.from(nat.v.buffer).equals(Buffer.from(js.v.buffer))).toBe(true);
      expect(nat.steps).toEqual(js.steps);
    } finally {
      setNativeOptimizer(true);
    }
  });

  it('refuses an operand outside the heap with a RangeError', () => {
    const blas = blasActive()!;
    const heap = new Uint8Array(64);
    expect(() => blas.gemm(heap, 0, 0, 32, 2, 2, 2, 0, 0, 0)).not.toThrow();
    expect(() => blas.gemm(heap, 0, 0, 60, 2, 2, 2, 0, 0, 0)).toThrow(RangeError);
    expect(() => blas.gemm(heap, 2, 0, 32, 2, 2, 2, 0, 0, 0)).toThrow(/outside the heap or is not float-aligned/);
  });
});
