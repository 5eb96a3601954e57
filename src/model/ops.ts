// The transformer's building blocks in two implementations with identical maths: plain tfjs ops (autodiff; used on
// every backend but wasm) and fast ops with hand-written gradients whose matmuls all take the XNNPACK path (wasm).
import * as tf from '@tensorflow/tfjs';
import { isWasm } from './backend.js';
import { blasActive } from './blas-kernels.js';
import { simdKernels } from './simd/simd.js';
import { attnGradRaw, attnRaw, type AttnAttrs, ropeRaw, tokenLogpGradRaw, tokenLogpRaw, causalAccum, causalApply, causalScores, colSumRaw, geluArgRaw, geluGradRaw, lnGradRaw, lnRaw, rawBmm, scatterRows, simdReady, softmaxGradRaw } from './wasm-kernels.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- tf.customGrad's typing needs casts (docs/toolchain.md, TypeScript, tsx and vitest) */

let fastOverride: boolean | null = null;

/** Force the fast (true) or the plain (false) ops; null = fast exactly on wasm. Tests compare the two. */
export function setFastOps(enabled: boolean | null): void {
  if (enabled === true && !isWasm()) throw new Error('fast ops need the wasm backend (initBackend chose another)');
  fastOverride = enabled;
}

export function fastOps(): boolean {
  return fastOverride ?? isWasm();
}

// tanh-GELU written through the identity 0.5·(1 + tanh(z)) = sigmoid(2z): wasm's Sigmoid is vectorised, Tanh is not.
const GELU_A = 2 * Math.sqrt(2 / Math.PI);
const GELU_B = 0.044715;

export type Activation = 'gelu' | 'relu';

/** Plain tanh-GELU (x*x*x, no tf.pow), the reference for the fast version. */
export function geluPlain(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(GELU_A / 2, tf.add(x, tf.mul(GELU_B, tf.mul(tf.mul(x, x), x))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

const geluFast = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const s = tf.sigmoid(tf.mul(GELU_A, tf.add(x, tf.mul(GELU_B, tf.mul(tf.mul(x, x), x)))));
  save([x, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => {
      // d/dx [x·σ(u)] = σ + x·σ(1-σ)·u',  u' = a(1 + 3b x²)
      const x2 = tf.mul(sx, sx);
      const du = tf.mul(GELU_A, tf.add(1, tf.mul(3 * GELU_B, x2)));
      const ds = tf.mul(tf.mul(ss, tf.sub(1, ss)), tf.mul(sx, du));
      return [tf.mul(dy, tf.add(ss, ds))];
    },
  };
}) as any) as (x: tf.Tensor) => tf.Tensor;

/** GELU with SIMD kernels around XNNPACK's Sigmoid: y = x·σ(u); the backward is one fused pass over x and σ. */
const geluSimd = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const s = tf.sigmoid(geluArgRaw(x));
  save([x, s]);
  return { value: tf.mul(x, s), gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => [geluGradRaw(sx, ss, dy)] };
}) as any) as (x: tf.Tensor) => tf.Tensor;

export function activation(x: tf.Tensor2D, act: Activation): tf.Tensor2D {
  if (act === 'relu') return tf.relu(x);
  if (!fastOps()) return geluPlain(x) as tf.Tensor2D;
  return (simdReady(x.shape[1]) ? geluSimd(x) : geluFast(x)) as tf.Tensor2D;
}

/**
 * ∂(x@w)/∂w = xᵀ·dy. The right operand is repacked by XNNPACK on every call, which costs more than a transpose:
 * keep the narrower of x and dy on the right (measured: fc 39 vs 47 ms, proj 41 vs 49 ms per call).
 */
function weightGrad(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  if (blasActive()) return tf.matMul(x, dy, true, false); // OpenBLAS reads the transpose in place
  if (x.shape[1] >= dy.shape[1]) return tf.matMul(tf.transpose(x), dy);
  return tf.transpose(tf.matMul(tf.transpose(dy), x)) as tf.Tensor2D;
}

/** ∂(x@w)/∂x = dy·wᵀ: an explicit transpose for XNNPACK, a transposed operand for OpenBLAS. */
function inputGrad(dy: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return blasActive() ? tf.matMul(dy, w, false, true) : tf.matMul(dy, tf.transpose(w) as tf.Tensor2D);
}

/** y = x @ w with forward and both backward products untransposed rank-2 matmuls (the XNNPACK path). */
const mm2 = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      inputGrad(dy as tf.Tensor2D, sb as tf.Tensor2D),
      weightGrad(sa as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as any) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** Column sums of a [N, D] matrix in a JS kernel (wasm's Sum over axis 0 transposes first). */
function colSum(x: tf.Tensor2D): tf.Tensor1D {
  return colSumRaw(x);
}

/** x @ w + b with the bias fused into the matmul; hand-written gradient on untransposed rank-2 products. */
const denseFast = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }),
    gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [
      inputGrad(dy as tf.Tensor2D, sw as tf.Tensor2D),
      weightGrad(sx as tf.Tensor2D, dy as tf.Tensor2D),
      colSum(dy as tf.Tensor2D),
    ],
  };
}) as any) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** x [N, Din] @ w [Din, Dout] (+ b). */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  if (fastOps()) return b ? denseFast(x, w, b) : mm2(x, w);
  const y: tf.Tensor2D = tf.matMul(x, w);
  return b ? (tf.add(y, b) as tf.Tensor2D) : y;
}

/** x [N, D] @ w [D, V] without bias (tied output head: w = wteᵀ). */
export function matmul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return fastOps() ? mm2(a, b) : tf.matMul(a, b);
}

export const LN_EPS = 1e-5;

export function layerNormPlain(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), g), b) as tf.Tensor2D;
  });
}

const layerNormFast = tf.customGrad(((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  const xc = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.mul(xc, xc), -1, true), LN_EPS));
  const xhat = tf.mul(xc, rstd);
  save([xhat, rstd, g]);
  return {
    value: tf.add(tf.mul(xhat, g), b),
    gradFunc: (dy: tf.Tensor, [sxhat, srstd, sg]: tf.Tensor[]) => {
      const dxhat = tf.mul(dy, sg);
      const m1 = tf.mean(dxhat, -1, true);
      const m2 = tf.mean(tf.mul(dxhat, sxhat), -1, true);
      const dx = tf.mul(srstd, tf.sub(tf.sub(dxhat, m1), tf.mul(sxhat, m2)));
      return [dx, colSum(tf.mul(dy, sxhat) as tf.Tensor2D), colSum(dy as tf.Tensor2D)];
    },
  };
}) as any) as (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D;

/** LayerNorm in the SIMD kernels: one pass forward, one pass backward (dx, dg and db together). */
const layerNormSimd = tf.customGrad(((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  const [y, xhat, rstd] = lnRaw(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, LN_EPS);
  save([xhat, rstd, g]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, [sxhat, srstd, sg]: tf.Tensor[]) => lnGradRaw(dy as tf.Tensor2D, sxhat as tf.Tensor2D, srstd as tf.Tensor1D, sg as tf.Tensor1D),
  };
}) as any) as (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D;

/** LayerNorm over the last axis of [N, D]. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  if (!fastOps()) return layerNormPlain(x, g, b);
  return simdReady(x.shape[1]) ? layerNormSimd(x, g, b) : layerNormFast(x, g, b);
}

/**
 * log p(t_n) under softmax(logits_n) for logits [N, V] and int32 targets [N]: the stock form is log-softmax times a
 * one-hot, summed; the fast form (wasm) reads only the target and the row's log-sum-exp in one SIMD pass, and its
 * gradient is dy·(onehot − softmax) in one more.
 */
export function tokenLogp(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  if (!fastOps() || simdKernels() === null) {
    const V = logits.shape[1];
    // (wasm's OneHot ignores the dtype argument and writes int32: cast explicitly)
    return tf.sum(tf.mul(tf.logSoftmax(logits), tf.cast(tf.oneHot(targets, V), 'float32')), -1) as tf.Tensor1D;
  }
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const [logp, lse] = tokenLogpRaw(x as tf.Tensor2D, targets);
    save([x, lse, targets]); // the targets too: a captured tensor would be disposed before the backward runs
    return { value: logp, gradFunc: (dy: tf.Tensor, [sx, sl, st]: tf.Tensor[]) => [tokenLogpGradRaw(sx, sl, st, dy)] };
  }) as any) as (x: tf.Tensor2D) => tf.Tensor1D;
  return f(logits);
}

/** Whether ropeRows applies: wasm fast ops and half a head a multiple of 4 floats. */
export function ropeRowsReady(dh: number): boolean {
  return fastOps() && dh % 8 === 0 && simdReady(dh / 2);
}

/**
 * Rotary positions on x [N, H·dh] in one SIMD pass (kernels.wat rope); the backward is the inverse rotation.
 * cos, sin [N, 1, dh/2] as transformer.ts ropeTables makes them. Only where ropeRowsReady says so.
 */
export function ropeRows(x: tf.Tensor2D, heads: number, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor2D {
  const dh = x.shape[1] / heads;
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([cos, sin]); // captured tensors would be disposed before the backward runs
    return {
      value: ropeRaw(xi as tf.Tensor2D, cos, sin, heads, dh, 1),
      gradFunc: (dy: tf.Tensor, [c, s]: tf.Tensor[]) => [ropeRaw(dy as tf.Tensor2D, c, s, heads, dh, -1)],
    };
  }) as any) as (a: tf.Tensor2D) => tf.Tensor2D;
  return f(x);
}

/** Rows of table [R, D] at ids [N] → [N, D]; on wasm the gradient is a row scatter-add (no UnsortedSegmentSum). */
export function embedRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (!fastOps()) {
    // wasm has no gather gradient (UnsortedSegmentSum): the plain form there is a one-hot product
    if (isWasm()) return tf.matMul(tf.cast(tf.oneHot(ids, table.shape[0]), 'float32') as tf.Tensor2D, table);
    return tf.gather(table, ids);
  }
  const rows = table.shape[0];
  const f = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ids]); // a captured tensor would be disposed before the backward runs
    return {
      value: tf.gather(t as tf.Tensor2D, ids),
      gradFunc: (dy: tf.Tensor, [sids]: tf.Tensor[]) => [scatterRows(sids as tf.Tensor1D, dy as tf.Tensor2D, rows)],
    };
  }) as any) as (t: tf.Tensor2D) => tf.Tensor2D;
  return f(table);
}

/**
 * Scaled-dot-product attention on per-head tensors q, v [BH, T, dh] and kT [BH, dh, T] (k already transposed),
 * with an additive mask [B, 1, T, T] (0 = attend, large negative = blocked) that is broadcast over heads.
 * The fast version runs every product as XNNPACK rank-2 matmuls and keeps the probabilities for the backward.
 */
export function attention(q: tf.Tensor3D, kT: tf.Tensor3D, v: tf.Tensor3D, mask: tf.Tensor4D, heads: number): tf.Tensor3D {
  const [bh, t, dh] = q.shape;
  const b = bh / heads;
  const scale = 1 / Math.sqrt(dh);
  if (fastOps() && fusedAttention && simdReady(dh) && isCausal(mask)) return attentionFused(q, kT, v, mask, heads);
  if (fastOps()) {
    const R = causalBlockRows(t);
    if (R) return attentionCausalBlocks(q, kT, v, mask, heads, R);
  }
  if (!fastOps()) {
    return tf.tidy(() => {
      const s = tf.reshape(tf.matMul(tf.mul(q, scale), kT), [b, heads, t, t]);
      const p = tf.reshape(tf.softmax(tf.add(s, mask)), [bh, t, t]) as tf.Tensor3D;
      return tf.matMul(p, v);
    });
  }
  const f = tf.customGrad(((qi: tf.Tensor, kTi: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    const qs = tf.mul(qi, scale) as tf.Tensor3D;
    const s = tf.reshape(rawBmm(qs, kTi as tf.Tensor3D), [b, heads, t, t]);
    const p = tf.reshape(tf.softmax(tf.add(s, mask)), [bh, t, t]) as tf.Tensor3D;
    const o = rawBmm(p, vi as tf.Tensor3D);
    save([qs, kTi, vi, p, o]);
    return {
      value: o,
      gradFunc: (dy: tf.Tensor, [sq, skT, sv, sp, so]: tf.Tensor[]) => {
        const dO = dy as tf.Tensor3D;
        const P = sp as tf.Tensor3D;
        // dP = dO Vᵀ;  rowsum(dP ⊙ P) = rowsum(dO ⊙ O);  dS = P ⊙ (dP − that);  dQ = s·dS K;  dV = Pᵀ dO;  dK = dSᵀ (s·Q).
        // The [T, T] matrices are always the left operand: as the right one XNNPACK repacks them per slice (slow).
        const dP = rawBmm(dO, tf.transpose(sv, [0, 2, 1]) as tf.Tensor3D);
        const r = tf.sum(tf.mul(dO, so), -1, true);
        const dS = (simdReady(t) ? softmaxGradRaw(P, dP, r) : tf.mul(P, tf.sub(dP, r))) as tf.Tensor3D;
        const dQ = tf.mul(rawBmm(dS, tf.transpose(skT, [0, 2, 1]) as tf.Tensor3D), scale);
        const dV = rawBmm(tf.transpose(P, [0, 2, 1]) as tf.Tensor3D, dO);
        const dKT = tf.transpose(rawBmm(tf.transpose(dS, [0, 2, 1]) as tf.Tensor3D, sq as tf.Tensor3D), [0, 2, 1]);
        return [dQ, dKT, dV];
      },
    };
  }) as any) as (a: tf.Tensor3D, b: tf.Tensor3D, c: tf.Tensor3D) => tf.Tensor3D;
  return f(q, kT, v);
}

let fusedAttention = true;

/** Use the fused SIMD attention kernels when they apply (default); false falls back to the XNNPACK paths (tests). */
export function setFusedAttention(on: boolean): void {
  fusedAttention = on;
}

/** Whether every key after its query is blocked (the fused kernel never reads those), checked once per mask. */
const causalCache = new WeakMap<tf.Tensor, boolean>();
function isCausal(mask: tf.Tensor4D): boolean {
  const hit = causalCache.get(mask);
  if (hit !== undefined) return hit;
  const [bm, , t, t2] = mask.shape;
  const m = mask.dataSync() as Float32Array;
  let ok = t === t2;
  for (let b = 0; ok && b < bm; b++)
    for (let i = 0; ok && i < t; i++) {
      const row = (b * t + i) * t;
      for (let j = i + 1; j < t; j++)
        if (!(m[row + j] <= -1e4)) {
          ok = false;
          break;
        }
    }
  causalCache.set(mask, ok);
  return ok;
}

/** Fused attention on q, k, v of one layout (wasm-kernels AttnLayout), gradients by the fused backward. */
function fusedAttn(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor4D, attrs: AttnAttrs, rows: tf.Tensor | null = null): tf.Tensor {
  const f = tf.customGrad(((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    const [o, st] = attnRaw(qi, ki, vi, mask, attrs, rows);
    // the mask and rows too: captured tensors would be disposed before the backward runs
    save([qi, ki, vi, o, st, mask, ...(rows ? [rows] : [])]);
    return {
      value: o,
      gradFunc: (dy: tf.Tensor, [sq, sk, sv, so, sst, sm, sr]: tf.Tensor[]) => attnGradRaw(sq, sk, sv, so, sst, dy, sm as tf.Tensor4D, attrs, sr ?? null),
    };
  }) as any) as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor;
  return f(q, k, v);
}

/**
 * Causal attention in one SIMD pass per query row (src/model/simd/kernels.wat attn_fwd / attn_bwd): scores,
 * softmax and the value mix without [T, T] tensors, and no work on the blocked keys after each query. The
 * backward recomputes the probabilities from the saved row max and 1/sum. Same maths as the XNNPACK paths.
 */
function attentionFused(q: tf.Tensor3D, kT: tf.Tensor3D, v: tf.Tensor3D, mask: tf.Tensor4D, heads: number): tf.Tensor3D {
  const [, t, dh] = q.shape;
  const k = tf.transpose(kT, [0, 2, 1]);
  return fusedAttn(q, k, v, mask, { heads, layout: 'heads', T: t, scale: 1 / Math.sqrt(dh) }) as tf.Tensor3D;
}

/** Whether attentionRows applies: wasm fast ops, head width a multiple of 4, a causal mask. */
export function attentionRowsReady(mask: tf.Tensor4D, dh: number): boolean {
  return fastOps() && fusedAttention && simdReady(dh) && isCausal(mask);
}

/**
 * Causal attention straight on the projections' layout: q, k, v [B·T, H·dh] (head-major columns) → [B·T, H·dh]
 * with heads concatenated, ready for the output projection; no head split or merge transposes in either pass.
 * rows (optional, int32 [B, 2], see realRows): per batch row the range [s, e) of tokens whose outputs are read;
 * the rest is padding that the kernels skip (their outputs are 0). Only where attentionRowsReady says so.
 */
export function attentionRows(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, mask: tf.Tensor4D, heads: number, T: number, rows: tf.Tensor2D | null = null): tf.Tensor2D {
  const dh = q.shape[1] / heads;
  return fusedAttn(q, k, v, mask, { heads, layout: 'rows', T, scale: 1 / Math.sqrt(dh) }, rows) as tf.Tensor2D;
}

/**
 * Per batch row, the range [s, e) of positions attentionRows must compute: s = the first real token when the key
 * mask `attn` is a left padding (a prefix of zeros; any other pattern gives s = 0 and the mask does the work), e =
 * rowEnd[r] when given (positions from there on are right padding nobody reads), else T. Int32 [B, 2].
 */
export function realRows(batch: number, T: number, attn?: Uint8Array | null, rowEnd?: Int32Array): Int32Array {
  const out = new Int32Array(2 * batch);
  for (let r = 0; r < batch; r++) {
    let s = 0;
    if (attn) {
      while (s < T && !attn[r * T + s]) s++;
      for (let t = s; t < T; t++)
        if (!attn[r * T + t]) {
          s = 0; // not a left padding
          break;
        }
      if (s === T) s = 0; // an all-padding row: leave it to the mask
    }
    const e = rowEnd ? Math.min(T, Math.max(0, rowEnd[r])) : T;
    out[2 * r] = Math.min(s, e);
    out[2 * r + 1] = e;
  }
  return out;
}

/** Query rows per block of the causal attention (0 = use the full T×T path). */
export let CAUSAL_BLOCK_ROWS = 128;

/** Change the causal block size (0 disables blocking); for tests and measurements. */
export function setCausalBlockRows(r: number): void {
  if (!Number.isInteger(r) || r < 0 || r % 4 !== 0) throw new Error(`causal block rows must be a non-negative multiple of 4 (got ${r})`);
  CAUSAL_BLOCK_ROWS = r;
}

function causalBlockRows(t: number): number {
  const R = CAUSAL_BLOCK_ROWS;
  return R > 0 && t % R === 0 && t / R >= 2 && simdReady(R) ? R : 0;
}

/** Per query block i, the mask rows iR..iR+R over keys 0..(i+1)R; computed once per mask (shared by all layers). */
const blockMaskCache = new WeakMap<tf.Tensor, { R: number; masks: tf.Tensor4D[] }>();
function blockMasks(mask: tf.Tensor4D, R: number): tf.Tensor4D[] {
  const hit = blockMaskCache.get(mask);
  if (hit && hit.R === R && hit.masks.every((m) => !m.isDisposed)) return hit.masks;
  const [bm, , t] = mask.shape;
  const masks = Array.from({ length: t / R }, (_, i) => tf.slice(mask, [0, 0, i * R, 0], [bm, 1, R, (i + 1) * R]) as tf.Tensor4D);
  blockMaskCache.set(mask, { R, masks });
  return masks;
}

/**
 * Causal attention in query blocks of R rows: block i only meets keys 0..(i+1)R, so the masked upper triangle of
 * tiles is never computed (3 of 4 tiles at T = 2R, 10 of 16 at T = 4R; measured ~8–10% faster at T = 256, since
 * XNNPACK's per-call packing eats much of the saving). Same maths as the full path (those tiles get probability 0).
 */
function attentionCausalBlocks(q: tf.Tensor3D, kT: tf.Tensor3D, v: tf.Tensor3D, mask: tf.Tensor4D, heads: number, R: number): tf.Tensor3D {
  const [bh, , dh] = q.shape;
  const b = bh / heads;
  const scale = 1 / Math.sqrt(dh);
  const masks = blockMasks(mask, R);
  const f = tf.customGrad(((qi: tf.Tensor, kTi: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    const qs = tf.mul(qi, scale) as tf.Tensor3D;
    const S = causalScores(qs, kTi as tf.Tensor3D, R);
    const P = S.map((s, i) => tf.reshape(tf.softmax(tf.add(tf.reshape(s, [b, heads, R, (i + 1) * R]), masks[i])), [bh, R, (i + 1) * R]) as tf.Tensor3D);
    const o = causalApply(P, vi as tf.Tensor3D);
    save([qs, kTi, vi, o, ...P]);
    return {
      value: o,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, skT, sv, so] = saved as tf.Tensor3D[];
        const sP = saved.slice(4) as tf.Tensor3D[];
        const dO = dy as tf.Tensor3D;
        const dP = causalScores(dO, tf.transpose(sv, [0, 2, 1]) as tf.Tensor3D, R);
        const r = tf.sum(tf.mul(dO, so), -1, true);
        const dS = sP.map((p, i) => softmaxGradRaw(p, dP[i], tf.slice(r, [0, i * R, 0], [bh, R, 1])) as tf.Tensor3D);
        const dQ = tf.mul(causalApply(dS, tf.transpose(skT, [0, 2, 1]) as tf.Tensor3D), scale);
        const dV = causalAccum(sP.map((p) => tf.transpose(p, [0, 2, 1]) as tf.Tensor3D), dO);
        const dK = causalAccum(dS.map((d) => tf.transpose(d, [0, 2, 1]) as tf.Tensor3D), sq);
        return [dQ, tf.transpose(dK, [0, 2, 1]), dV];
      },
    };
  }) as any) as (a: tf.Tensor3D, b: tf.Tensor3D, c: tf.Tensor3D) => tf.Tensor3D;
  return f(q, kT, v);
}
