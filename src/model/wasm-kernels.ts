// Kernels that make tfjs-wasm fast for a small transformer (docs/toolchain.md, The wasm backend; Kernels we replaced): a Slice that reads heap views
// instead of copying the whole input, a batched matmul that runs every (batch) slice on the XNNPACK path, and a
// row scatter-add that replaces the unregistered UnsortedSegmentSum (the gradient of gather).
import * as tf from '@tensorflow/tfjs';
import { blasActive, heapGemm, heapOffset as offsetOf } from './blas-kernels.js';
import { heapScratch, simdKernels } from './simd/simd.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the wasm backend's internals are untyped */

export const BMM_KERNEL = 'BridgeBmm';
export const SCATTER_ROWS_KERNEL = 'BridgeScatterRows';
export const DECODE_ATTN_KERNEL = 'BridgeDecodeAttn';
export const COL_SUM_KERNEL = 'BridgeColSum';
export const LN_KERNEL = 'BridgeLayerNorm';
export const LN_GRAD_KERNEL = 'BridgeLayerNormGrad';
export const GELU_KERNEL = 'BridgeGelu';
export const GELU_GRAD_KERNEL = 'BridgeGeluGrad';
export const SOFTMAX_GRAD_KERNEL = 'BridgeSoftmaxGrad';
export const CAUSAL_SCORES_KERNEL = 'BridgeCausalScores';
export const CAUSAL_APPLY_KERNEL = 'BridgeCausalApply';
export const CAUSAL_ACCUM_KERNEL = 'BridgeCausalAccum';
export const ATTN_KERNEL = 'BridgeAttnFwd';
export const ATTN_GRAD_KERNEL = 'BridgeAttnBwd';
export const ROPE_KERNEL = 'BridgeRope';
export const TOKEN_LOGP_KERNEL = 'BridgeTokenLogp';
export const TOKEN_LOGP_GRAD_KERNEL = 'BridgeTokenLogpGrad';

let installed = false;
/** Tensor ids for temporary heap views; far above the backend's own counter so the two never meet. */
let nextViewId = 0x40000000;
let shapeScratch = 0;

/** Register the wasm-only kernels once (called by initBackend after setBackend('wasm')). */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  patchSlice();
  patchIdentity();
  patchGather();
  patchTranspose();
  tf.registerKernel({ kernelName: BMM_KERNEL, backendName: 'wasm', kernelFunc: bmmKernel as any });
  tf.registerKernel({ kernelName: SCATTER_ROWS_KERNEL, backendName: 'wasm', kernelFunc: scatterRowsKernel as any });
  tf.registerKernel({ kernelName: DECODE_ATTN_KERNEL, backendName: 'wasm', kernelFunc: decodeAttnKernel as any });
  tf.registerKernel({ kernelName: COL_SUM_KERNEL, backendName: 'wasm', kernelFunc: colSumKernel as any });
  tf.registerKernel({ kernelName: LN_KERNEL, backendName: 'wasm', kernelFunc: lnKernel as any });
  tf.registerKernel({ kernelName: LN_GRAD_KERNEL, backendName: 'wasm', kernelFunc: lnGradKernel as any });
  tf.registerKernel({ kernelName: GELU_KERNEL, backendName: 'wasm', kernelFunc: geluKernel as any });
  tf.registerKernel({ kernelName: GELU_GRAD_KERNEL, backendName: 'wasm', kernelFunc: geluGradKernel as any });
  tf.registerKernel({ kernelName: SOFTMAX_GRAD_KERNEL, backendName: 'wasm', kernelFunc: softmaxGradKernel as any });
  tf.registerKernel({ kernelName: CAUSAL_SCORES_KERNEL, backendName: 'wasm', kernelFunc: causalScoresKernel as any });
  tf.registerKernel({ kernelName: CAUSAL_APPLY_KERNEL, backendName: 'wasm', kernelFunc: causalApplyKernel as any });
  tf.registerKernel({ kernelName: CAUSAL_ACCUM_KERNEL, backendName: 'wasm', kernelFunc: causalAccumKernel as any });
  tf.registerKernel({ kernelName: ATTN_KERNEL, backendName: 'wasm', kernelFunc: attnKernel as any });
  tf.registerKernel({ kernelName: ATTN_GRAD_KERNEL, backendName: 'wasm', kernelFunc: attnGradKernel as any });
  tf.registerKernel({ kernelName: ROPE_KERNEL, backendName: 'wasm', kernelFunc: ropeKernel as any });
  tf.registerKernel({ kernelName: TOKEN_LOGP_KERNEL, backendName: 'wasm', kernelFunc: tokenLogpKernel as any });
  tf.registerKernel({ kernelName: TOKEN_LOGP_GRAD_KERNEL, backendName: 'wasm', kernelFunc: tokenLogpGradKernel as any });
}

/** Identity shares the input's buffer (as on the cpu backend) instead of copying it: every customGrad save() clones. */
function patchIdentity(): void {
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (({ inputs, backend }: any) => {
      const x = inputs.x;
      if (x.dtype === 'string') throw new Error('Identity: string tensors are not supported on wasm');
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }) as any,
  });
}

/**
 * Gathers along axis 0 (embedding rows, KV-cache row compaction) as contiguous row copies in JS; the stock wasm
 * Gather takes ~30 ms for 4096 rows of 128. Other gathers go to the stock kernel.
 */
function patchGather(): void {
  const stock = tf.getKernel('GatherV2', 'wasm');
  if (!stock) throw new Error('wasm backend has no GatherV2 kernel');
  tf.unregisterKernel('GatherV2', 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: ((args: any) => {
      const { inputs, attrs, backend } = args;
      const { x, indices } = inputs;
      const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
      if (x.shape.length < 1 || axis !== 0 || (attrs.batchDims ?? 0) !== 0 || x.dtype !== 'float32' || indices.shape.length !== 1) {
        return (stock.kernelFunc as any)(args);
      }
      const rows = x.shape[0];
      const d = tf.util.sizeFromShape(x.shape.slice(1));
      const n = indices.shape[0];
      const out = backend.makeOutput([n, ...x.shape.slice(1)], 'float32');
      const idv = backend.typedArrayFromHeap(indices) as Int32Array;
      const xv = backend.typedArrayFromHeap(x) as Float32Array;
      const ov = backend.typedArrayFromHeap(out) as Float32Array;
      for (let i = 0; i < n; i++) {
        const r = idv[i];
        if (!(r >= 0 && r < rows)) throw new Error(`GatherV2: the index value ${r} is not in [0, ${rows - 1}]`);
        ov.set(xv.subarray(r * d, r * d + d), i * d);
      }
      return out;
    }) as any,
  });
}

const eq = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Transposes of float32 tensors through the SIMD kernels for the permutations the model uses (2-D, batched 2-D,
 * the head split/merge [0,2,1,3] and the key transpose [0,2,3,1]); anything else goes to the stock kernel.
 */
function patchTranspose(): void {
  const stock = tf.getKernel('Transpose', 'wasm');
  if (!stock) throw new Error('wasm backend has no Transpose kernel');
  tf.unregisterKernel('Transpose', 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: ((args: any) => {
      const { inputs, attrs, backend } = args;
      const x = inputs.x as tf.TensorInfo;
      const perm = attrs.perm as number[];
      const k = x.dtype === 'float32' ? simdKernels() : null;
      const sh = x.shape;
      let run: ((src: number, dst: number) => void) | null = null;
      if (k) {
        if (eq(perm, [1, 0])) run = (s, d) => k.transpose_2d(s, d, 1, 1, sh[0], sh[1], sh[1], 0, 0, 0, 0);
        else if (eq(perm, [0, 2, 1])) {
          const m = sh[1] * sh[2];
          run = (s, d) => k.transpose_2d(s, d, sh[0], 1, sh[1], sh[2], sh[2], m, 0, m, 0);
        } else if (eq(perm, [0, 1, 3, 2])) {
          const m = sh[2] * sh[3];
          run = (s, d) => k.transpose_2d(s, d, sh[0] * sh[1], 1, sh[2], sh[3], sh[3], m, 0, m, 0);
        } else if (eq(perm, [0, 2, 1, 3])) run = (s, d) => k.permute_0213(s, d, sh[0], sh[1], sh[2], sh[3]);
        else if (eq(perm, [0, 2, 3, 1])) {
          // [A, T, H, dh] → [A, H, dh, T]: for each (a, h) the T×dh slab (row stride H·dh) transposed
          const [, T, H, dh] = sh;
          run = (s, d) => k.transpose_2d(s, d, sh[0], H, T, dh, H * dh, T * H * dh, dh, H * dh * T, dh * T);
        }
      }
      if (!run) return (stock.kernelFunc as any)(args);
      const out = backend.makeOutput(perm.map((p) => sh[p]), 'float32');
      if (tf.util.sizeFromShape(sh) > 0) run(offsetOf(backend, x), offsetOf(backend, out));
      return out;
    }) as any,
  });
}

function patchSlice(): void {
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    kernelFunc: (({ inputs, attrs, backend }: any) => {
      const x = inputs.x;
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
      const out = backend.makeOutput(size, x.dtype);
      const n = tf.util.sizeFromShape(size);
      if (n === 0) return out;
      if (x.dtype === 'string') throw new Error('Slice: string tensors are not supported on wasm');
      // views are taken after makeOutput: an allocation may grow (and so detach) the heap
      const xVals = backend.typedArrayFromHeap(x);
      const outVals = backend.typedArrayFromHeap(out);
      const xStrides = tf.util.computeStrides(x.shape);
      if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
        const off = tf.slice_util.computeFlatOffset(begin, xStrides);
        outVals.set(xVals.subarray(off, off + n));
        return out;
      }
      const rank = x.shape.length;
      const inner = size[rank - 1];
      const outer = size.slice(0, rank - 1);
      const idx = new Array<number>(rank - 1).fill(0);
      for (let o = 0; o < n / inner; o++) {
        let off = begin[rank - 1];
        for (let d = 0; d < rank - 1; d++) off += (begin[d] + idx[d]) * xStrides[d];
        outVals.set(xVals.subarray(off, off + inner), o * inner);
        for (let d = rank - 2; d >= 0; d--) {
          if (++idx[d] < outer[d]) break;
          idx[d] = 0;
        }
      }
      return out;
    }) as any,
  });
}

/**
 * a [N|1, M, K] × b [N|1, K, P] → [N, M, P], untransposed. Each slice is a rank-2 product that the wasm
 * BatchMatMul sends to XNNPACK (its batched path is a scalar loop): the slices are registered as heap views
 * under fresh ids, so nothing is copied and the tfjs engine sees one op.
 */
function bmmKernel({ inputs, backend }: any): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const [na, M, K] = a.shape;
  const [nb, K2, P] = b.shape;
  if (K !== K2) throw new Error(`${BMM_KERNEL}: inner dimensions differ (${a.shape} × ${b.shape})`);
  const n = Math.max(na, nb);
  if ((na !== n && na !== 1) || (nb !== n && nb !== 1)) {
    throw new Error(`${BMM_KERNEL}: batch dimensions ${na} and ${nb} do not broadcast`);
  }
  const out = backend.makeOutput([n, M, P], 'float32');
  const ao = offsetOf(backend, a);
  const bo = offsetOf(backend, b);
  const oo = offsetOf(backend, out);
  for (let i = 0; i < n; i++) {
    xnnMatmul(backend, ao + 4 * (na === 1 ? 0 : i) * M * K, M, K, bo + 4 * (nb === 1 ? 0 : i) * K * P, P, oo + 4 * i * M * P);
  }
  return out;
}

/**
 * out[M, N] = a[M, K] · b[K, N] for row-major blocks at heap byte offsets, through the wasm BatchMatMul's XNNPACK
 * path: the blocks are registered as tensors under fresh ids (views, nothing is copied) and disposed after. Where
 * the native addon loaded OpenBLAS (blas-kernels.ts), the product runs there instead.
 */
function xnnMatmul(backend: any, a: number, M: number, K: number, b: number, N: number, out: number): void {
  if (blasActive()) return heapGemm(backend, a, b, out, M, N, K, false, false);
  const w = backend.wasm;
  if (shapeScratch === 0) shapeScratch = w._malloc(32) >>> 0;
  const shapes = new Int32Array(w.HEAPU8.buffer, shapeScratch, 6);
  shapes[0] = 1;
  shapes[1] = M;
  shapes[2] = K;
  shapes[3] = 1;
  shapes[4] = K;
  shapes[5] = N;
  const ia = nextViewId++;
  const ib = nextViewId++;
  const io = nextViewId++;
  w.tfjs.registerTensor(ia, M * K, a);
  w.tfjs.registerTensor(ib, K * N, b);
  w.tfjs.registerTensor(io, M * N, out);
  w._BatchMatMul(ia, shapeScratch, 3, ib, shapeScratch + 12, 3, 0, 0, io);
  // disposing the b view also drops the XNNPACK operator cached on its id
  w.tfjs.disposeData(ia);
  w.tfjs.disposeData(ib);
  w.tfjs.disposeData(io);
  if (nextViewId > 0x7ff00000) nextViewId = 0x40000000;
}

// ---- causal attention in row blocks: query block i (rows iR..iR+R) only meets keys 0..n_i = (i+1)R ----------------

/**
 * Scores per query block: S_i[bh] = a[bh, block i] (R×K) · bT[bh][:, :n_i] (K×n_i) → outputs S_i [BH, R, n_i].
 * The key-prefix columns are copied to a contiguous scratch (XNNPACK needs a dense right operand).
 */
function causalScoresKernel({ inputs, attrs, backend }: any): tf.TensorInfo[] {
  const { a, bT } = inputs as Record<string, tf.TensorInfo>;
  const R = attrs.R as number;
  const [BH, T, K] = a.shape;
  const nb = T / R;
  const outs = Array.from({ length: nb }, (_, i) => backend.makeOutput([BH, R, (i + 1) * R], 'float32'));
  const sc = heapScratch(4 * K * T);
  const ao = offsetOf(backend, a);
  const oo = outs.map((o) => offsetOf(backend, o));
  for (let bh = 0; bh < BH; bh++) {
    for (let i = 0; i < nb; i++) {
      const n = (i + 1) * R;
      // views re-taken each time: XNNPACK's allocations may grow (and so detach) the heap
      const bv = backend.typedArrayFromHeap(bT) as Float32Array;
      const scr = new Float32Array(bv.buffer, sc, K * n);
      const src = bh * K * T;
      for (let k = 0; k < K; k++) scr.set(bv.subarray(src + k * T, src + k * T + n), k * n);
      xnnMatmul(backend, ao + 4 * (bh * T + i * R) * K, R, K, sc, n, oo[i] + 4 * bh * R * n);
    }
  }
  return outs;
}

/** Z[bh, block i] = X_i[bh] (R×n_i) · Y[bh, :n_i] (n_i×N): the probabilities-times-values shape (O, dQ). */
function causalApplyKernel({ inputs, attrs, backend }: any): tf.TensorInfo {
  const nb = attrs.nb as number;
  const Y = inputs.y as tf.TensorInfo;
  const [BH, T, N] = Y.shape;
  const R = T / nb;
  const out = backend.makeOutput([BH, T, N], 'float32');
  const yo = offsetOf(backend, Y);
  const oo = offsetOf(backend, out);
  for (let i = 0; i < nb; i++) {
    const xo = offsetOf(backend, inputs[`x${i}`]);
    const n = (i + 1) * R;
    for (let bh = 0; bh < BH; bh++) xnnMatmul(backend, xo + 4 * bh * R * n, R, n, yo + 4 * bh * T * N, N, oo + 4 * (bh * T + i * R) * N);
  }
  return out;
}

/** Z[bh, :n_i] += XT_i[bh] (n_i×R) · Y[bh, block i] (R×N), summed over blocks: the transposed products (dV, dK). */
function causalAccumKernel({ inputs, attrs, backend }: any): tf.TensorInfo {
  const nb = attrs.nb as number;
  const Y = inputs.y as tf.TensorInfo;
  const [BH, T, N] = Y.shape;
  const R = T / nb;
  const k = simd(CAUSAL_ACCUM_KERNEL);
  const out = backend.makeOutput([BH, T, N], 'float32');
  const yo = offsetOf(backend, Y);
  const oo = offsetOf(backend, out);
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  const sc = heapScratch(4 * T * N);
  for (let i = 0; i < nb; i++) {
    const xo = offsetOf(backend, inputs[`x${i}`]);
    const n = (i + 1) * R;
    for (let bh = 0; bh < BH; bh++) {
      xnnMatmul(backend, xo + 4 * bh * n * R, n, R, yo + 4 * (bh * T + i * R) * N, N, sc);
      k.add_into(oo + 4 * bh * T * N, sc, n * N);
    }
  }
  return out;
}

export function causalScores(a: tf.Tensor3D, bT: tf.Tensor3D, R: number): tf.Tensor3D[] {
  return tf.engine().runKernel(CAUSAL_SCORES_KERNEL, { a, bT }, { R }) as unknown as tf.Tensor3D[];
}

export function causalApply(xs: tf.Tensor3D[], y: tf.Tensor3D): tf.Tensor3D {
  const inputs: Record<string, tf.Tensor> = { y };
  xs.forEach((x, i) => (inputs[`x${i}`] = x));
  return tf.engine().runKernel(CAUSAL_APPLY_KERNEL, inputs, { nb: xs.length }) as tf.Tensor3D;
}

export function causalAccum(xts: tf.Tensor3D[], y: tf.Tensor3D): tf.Tensor3D {
  const inputs: Record<string, tf.Tensor> = { y };
  xts.forEach((x, i) => (inputs[`x${i}`] = x));
  return tf.engine().runKernel(CAUSAL_ACCUM_KERNEL, inputs, { nb: xts.length }) as tf.Tensor3D;
}

// ---- fused causal attention (simd/kernels.wat attn_fwd / attn_bwd; with OpenBLAS loaded, native/blas.cc's versions in
// sgemm tiles): no [T, T] tensors, masked tiles skipped ------------------------------------------------------------

/** Where the heads live in q, k, v (and o, dq, dk, dv): 'rows' = [B·T, H·dh] as the projections make them, 'heads' = [B·H, T, dh]. */
export type AttnLayout = 'rows' | 'heads';

function attnGeometry(shape: number[], attrs: { heads: number; layout: AttnLayout; T: number }) {
  const H = attrs.heads;
  if (attrs.layout === 'rows') {
    const [N, D] = shape;
    const T = attrs.T;
    const dh = D / H;
    return { B: N / T, H, T, dh, sB: T * D, sH: dh, sT: D };
  }
  const [BH, T, dh] = shape;
  return { B: BH / H, H, T, dh, sB: H * T * dh, sH: T * dh, sT: dh };
}

const rowFloats = (T: number) => (T + 7) & ~3;

function attnKernel({ inputs, attrs, backend }: any): tf.TensorInfo[] {
  const { q, k, v, mask, rng } = inputs as Record<string, tf.TensorInfo | undefined> as Record<string, tf.TensorInfo>;
  const g = attnGeometry(q.shape, attrs);
  const o = backend.makeOutput(q.shape, 'float32');
  const st = backend.makeOutput([g.B, g.H, g.T, 2], 'float32');
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  const blas = blasActive();
  if (blas) {
    blas.attnFwd(backend.wasm.HEAPU8, at(q), at(k), at(v), at(mask), rng ? at(rng) : 0, at(o), at(st), g.B, g.H, g.T, g.dh, g.sB, g.sH, g.sT, mask.shape[0] > 1 ? 1 : 0, attrs.scale);
    return [o, st];
  }
  const sc = heapScratch(4 * (rowFloats(g.T) + g.dh * g.T));
  simd(ATTN_KERNEL).attn_fwd(at(q), at(k), at(v), at(mask), rng ? at(rng) : 0, at(o), at(st), sc, g.B, g.H, g.T, g.dh, g.sB, g.sH, g.sT, mask.shape[0] > 1 ? 1 : 0, attrs.scale);
  return [o, st];
}

function attnGradKernel({ inputs, attrs, backend }: any): tf.TensorInfo[] {
  const { q, k, v, o, st, dy, mask, rng } = inputs as Record<string, tf.TensorInfo>;
  const g = attnGeometry(q.shape, attrs);
  const dq = backend.makeOutput(q.shape, 'float32');
  const dk = backend.makeOutput(q.shape, 'float32');
  const dv = backend.makeOutput(q.shape, 'float32');
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  const blas = blasActive();
  if (blas) {
    blas.attnBwd(backend.wasm.HEAPU8, at(q), at(k), at(v), at(o), at(st), at(dy), at(mask), rng ? at(rng) : 0, at(dq), at(dk), at(dv), g.B, g.H, g.T, g.dh, g.sB, g.sH, g.sT, mask.shape[0] > 1 ? 1 : 0, attrs.scale);
    return [dq, dk, dv];
  }
  const sc = heapScratch(4 * (2 * rowFloats(g.T) + 3 * g.dh * g.T));
  simd(ATTN_GRAD_KERNEL).attn_bwd(at(q), at(k), at(v), at(o), at(st), at(dy), at(mask), rng ? at(rng) : 0, at(dq), at(dk), at(dv), sc, g.B, g.H, g.T, g.dh, g.sB, g.sH, g.sT, mask.shape[0] > 1 ? 1 : 0, attrs.scale);
  return [dq, dk, dv];
}

export interface AttnAttrs {
  heads: number;
  layout: AttnLayout;
  /** Sequence length (the 'rows' layout cannot tell it from the shapes). */
  T: number;
  scale: number;
}

/**
 * Fused causal attention forward (wasm SIMD) on q, k, v of one layout: [o, softmax stats]. rows (optional, int32
 * [B, 2]): per batch row the range [s, e) of real tokens; queries outside get o = 0 and keys before s are skipped.
 */
export function attnRaw(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor4D, attrs: AttnAttrs, rows?: tf.Tensor | null): [tf.Tensor, tf.Tensor] {
  const inputs: Record<string, tf.Tensor> = { q, k, v, mask, ...(rows ? { rng: rows } : {}) };
  return tf.engine().runKernel(ATTN_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor];
}

/** Fused causal attention backward (wasm SIMD): [dq, dk, dv] in the layout of q (dq = 0 outside the rows). */
export function attnGradRaw(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, o: tf.Tensor, st: tf.Tensor, dy: tf.Tensor, mask: tf.Tensor4D, attrs: AttnAttrs, rows?: tf.Tensor | null): tf.Tensor[] {
  const inputs: Record<string, tf.Tensor> = { q, k, v, o, st, dy, mask, ...(rows ? { rng: rows } : {}) };
  return tf.engine().runKernel(ATTN_GRAD_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}

/**
 * Rotary positions on x [N, ld]: the first `heads` heads of dh columns of every row are rotated by the tables
 * cos, sin [N, ·, dh/2] (sgn −1: the inverse rotation); the remaining columns are copied.
 */
function ropeKernel({ inputs, attrs, backend }: any): tf.TensorInfo {
  const { x, cos, sin } = inputs as Record<string, tf.TensorInfo>;
  const [N, ld] = x.shape;
  const { heads, dh, sgn } = attrs as { heads: number; dh: number; sgn: number };
  const out = backend.makeOutput(x.shape, 'float32');
  if (heads * dh < ld) (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(x) as Float32Array);
  simd(ROPE_KERNEL).rope(offsetOf(backend, x), offsetOf(backend, cos), offsetOf(backend, sin), offsetOf(backend, out), N, heads, dh, ld, sgn);
  return out;
}

/** Rotary positions on the first `heads` heads of dh columns of x [N, ·] (wasm SIMD; dh % 8 == 0). */
export function ropeRaw(x: tf.Tensor2D, cos: tf.Tensor, sin: tf.Tensor, heads: number, dh: number, sgn: 1 | -1): tf.Tensor2D {
  return tf.engine().runKernel(ROPE_KERNEL, { x, cos, sin }, { heads, dh, sgn }) as tf.Tensor2D;
}

/** logits x [N, V], targets t int32 [N] → [log p(t_n), lse_n] (both [N]): log-softmax at the target only. */
function tokenLogpKernel({ inputs, backend }: any): tf.TensorInfo[] {
  const { x, t } = inputs as Record<string, tf.TensorInfo>;
  const [N, V] = x.shape;
  const logp = backend.makeOutput([N], 'float32');
  const lse = backend.makeOutput([N], 'float32');
  const st = heapScratch(8 * N);
  simd(TOKEN_LOGP_KERNEL).row_lse(offsetOf(backend, x), st, N, V);
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const tv = backend.typedArrayFromHeap(t) as Int32Array;
  const sv = new Float32Array(xv.buffer, st, 2 * N);
  const lv = backend.typedArrayFromHeap(lse) as Float32Array;
  const pv = backend.typedArrayFromHeap(logp) as Float32Array;
  for (let n = 0; n < N; n++) {
    const k = tv[n];
    if (!(k >= 0 && k < V)) throw new Error(`${TOKEN_LOGP_KERNEL}: target ${k} outside [0, ${V})`);
    const l = Math.fround(sv[2 * n] + Math.fround(Math.log(sv[2 * n + 1])));
    lv[n] = l;
    pv[n] = xv[n * V + k] - l;
  }
  return [logp, lse];
}

/** d/dx of Σ_n dy_n·log p(t_n) = dy_n·(onehot(t_n) − softmax(x_n)). */
function tokenLogpGradKernel({ inputs, backend }: any): tf.TensorInfo {
  const { x, lse, t, dy } = inputs as Record<string, tf.TensorInfo>;
  const [N, V] = x.shape;
  const dx = backend.makeOutput([N, V], 'float32');
  simd(TOKEN_LOGP_GRAD_KERNEL).lse_bwd(offsetOf(backend, x), offsetOf(backend, lse), offsetOf(backend, dy), offsetOf(backend, dx), N, V);
  const tv = backend.typedArrayFromHeap(t) as Int32Array;
  const gv = backend.typedArrayFromHeap(dy) as Float32Array;
  const dv = backend.typedArrayFromHeap(dx) as Float32Array;
  for (let n = 0; n < N; n++) dv[n * V + tv[n]] += gv[n];
  return dx;
}

/** Log-softmax of logits [N, V] at int32 targets [N] (wasm SIMD): [logp, lse], both [N]. */
export function tokenLogpRaw(x: tf.Tensor2D, t: tf.Tensor1D): [tf.Tensor1D, tf.Tensor1D] {
  return tf.engine().runKernel(TOKEN_LOGP_KERNEL, { x, t }, {}) as unknown as [tf.Tensor1D, tf.Tensor1D];
}

export function tokenLogpGradRaw(x: tf.Tensor, lse: tf.Tensor, t: tf.Tensor, dy: tf.Tensor): tf.Tensor2D {
  return tf.engine().runKernel(TOKEN_LOGP_GRAD_KERNEL, { x, lse, t, dy }, {}) as tf.Tensor2D;
}

/** out[rows, D] = Σ_i onehot(ids[i]) ⊗ x[i]: the gather gradient without UnsortedSegmentSum. */
function scatterRowsKernel({ inputs, attrs, backend }: any): tf.TensorInfo {
  const { ids, x } = inputs as { ids: tf.TensorInfo; x: tf.TensorInfo };
  const rows = attrs.rows as number;
  const [n, d] = x.shape;
  const out = backend.makeOutput([rows, d], 'float32');
  const idv = backend.typedArrayFromHeap(ids) as Int32Array;
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  ov.fill(0);
  for (let i = 0; i < n; i++) {
    const r = idv[i];
    if (r < 0 || r >= rows) throw new Error(`${SCATTER_ROWS_KERNEL}: index ${r} outside [0, ${rows})`);
    const o = r * d;
    const s = i * d;
    for (let j = 0; j < d; j++) ov[o + j] += xv[s + j];
  }
  return out;
}

/** The SIMD kernels, or an error naming the op (callers check simdReady first). */
function simd(op: string) {
  const k = simdKernels();
  if (!k) throw new Error(`${op}: SIMD kernels need the wasm backend`);
  return k;
}

/** True when the SIMD kernels can take rows of `d` floats (the vector loops need multiples of 4). */
export function simdReady(d: number): boolean {
  return d % 4 === 0 && simdKernels() !== null;
}

function lnKernel({ inputs, attrs, backend }: any): tf.TensorInfo[] {
  const { x, g, b } = inputs as Record<string, tf.TensorInfo>;
  const [n, d] = x.shape;
  const y = backend.makeOutput([n, d], 'float32');
  const xhat = backend.makeOutput([n, d], 'float32');
  const rstd = backend.makeOutput([n], 'float32');
  simd(LN_KERNEL).ln_fwd(offsetOf(backend, x), offsetOf(backend, g), offsetOf(backend, b), offsetOf(backend, y), offsetOf(backend, xhat), offsetOf(backend, rstd), n, d, attrs.eps);
  return [y, xhat, rstd];
}

function lnGradKernel({ inputs, backend }: any): tf.TensorInfo[] {
  const { dy, xhat, rstd, g } = inputs as Record<string, tf.TensorInfo>;
  const [n, d] = dy.shape;
  const dx = backend.makeOutput([n, d], 'float32');
  const dg = backend.makeOutput([d], 'float32');
  const db = backend.makeOutput([d], 'float32');
  simd(LN_GRAD_KERNEL).ln_bwd(offsetOf(backend, dy), offsetOf(backend, xhat), offsetOf(backend, rstd), offsetOf(backend, g), offsetOf(backend, dx), offsetOf(backend, dg), offsetOf(backend, db), n, d);
  return [dx, dg, db];
}

/** u = a(x + b x³), the sigmoid argument of tanh-GELU. */
function geluKernel({ inputs, backend }: any): tf.TensorInfo {
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const u = backend.makeOutput(x.shape, 'float32');
  simd(GELU_KERNEL).gelu_pre(offsetOf(backend, x), offsetOf(backend, u), tf.util.sizeFromShape(x.shape));
  return u;
}

function geluGradKernel({ inputs, backend }: any): tf.TensorInfo {
  const { x, s, dy } = inputs as Record<string, tf.TensorInfo>;
  const dx = backend.makeOutput(x.shape, 'float32');
  simd(GELU_GRAD_KERNEL).gelu_bwd(offsetOf(backend, x), offsetOf(backend, s), offsetOf(backend, dy), offsetOf(backend, dx), tf.util.sizeFromShape(x.shape));
  return dx;
}

/** dS = P ⊙ (dP − r), r one value per row of the last axis. */
function softmaxGradKernel({ inputs, backend }: any): tf.TensorInfo {
  const { p, dp, r } = inputs as Record<string, tf.TensorInfo>;
  const C = p.shape[p.shape.length - 1];
  const rows = tf.util.sizeFromShape(p.shape) / C;
  const ds = backend.makeOutput(p.shape, 'float32');
  simd(SOFTMAX_GRAD_KERNEL).softmax_bwd(offsetOf(backend, p), offsetOf(backend, dp), offsetOf(backend, r), offsetOf(backend, ds), rows, C);
  return ds;
}

/** LayerNorm forward (SIMD): returns [y, x̂, rstd]. */
export function lnRaw(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D] {
  return tf.engine().runKernel(LN_KERNEL, { x, g, b }, { eps }) as unknown as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
}

/** LayerNorm backward (SIMD): returns [dx, dg, db]. */
export function lnGradRaw(dy: tf.Tensor2D, xhat: tf.Tensor2D, rstd: tf.Tensor1D, g: tf.Tensor1D): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] {
  return tf.engine().runKernel(LN_GRAD_KERNEL, { dy, xhat, rstd, g }, {}) as unknown as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
}

/** The sigmoid argument of tanh-GELU, a(x + b x³) (SIMD). */
export function geluArgRaw(x: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(GELU_KERNEL, { x }, {}) as tf.Tensor;
}

/** tanh-GELU backward from x and s = σ(a(x + b x³)) (SIMD). */
export function geluGradRaw(x: tf.Tensor, s: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(GELU_GRAD_KERNEL, { x, s, dy }, {}) as tf.Tensor;
}

export function softmaxGradRaw(p: tf.Tensor, dp: tf.Tensor, r: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(SOFTMAX_GRAD_KERNEL, { p, dp, r }, {}) as tf.Tensor;
}

/** Column sums of x [N, D] → [D]: SIMD when D % 4 == 0, else JS (XNNPACK would repack x for a ones-vector product). */
function colSumKernel({ inputs, backend }: any): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const [n, d] = x.shape;
  const out = backend.makeOutput([d], 'float32');
  if (simdReady(d)) {
    simd(COL_SUM_KERNEL).col_sum(offsetOf(backend, x), offsetOf(backend, out), n, d);
    return out;
  }
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  const acc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) acc[j] += xv[o + j];
  }
  ov.set(acc);
  return out;
}

/**
 * One decode step of attention for every row and head, on heap views: writes this step's k and v (from the fused qkv
 * projection [B, 3D]) at position L of the preallocated caches IN PLACE (the caches belong to the sampler alone):
 * keys transposed, kT [B, H, dh, cap], values [B, H, cap, dh]; then attends over positions 0..L with the additive
 * key mask [B, cap]. Output [B, D] with heads concatenated, ready for the output projection.
 */
function decodeAttnKernel({ inputs, attrs, backend }: any): tf.TensorInfo {
  const { qkv, kc, vc, mask, starts } = inputs as Record<string, tf.TensorInfo>;
  const L = attrs.pos as number;
  const [B, H, dh, cap] = kc.shape;
  const D = H * dh;
  if (!(L >= 0 && L < cap)) throw new Error(`${DECODE_ATTN_KERNEL}: position ${L} outside the cache capacity ${cap}`);
  if (qkv.shape[0] !== B || qkv.shape[1] !== 3 * D) throw new Error(`${DECODE_ATTN_KERNEL}: qkv shape ${qkv.shape} does not match cache ${kc.shape}`);
  const scale = 1 / Math.sqrt(dh);
  const out = backend.makeOutput([B, D], 'float32');
  const blas = blasActive();
  if (blas && dh <= 256) {
    blas.decodeAttn(backend.wasm.HEAPU8, offsetOf(backend, qkv), offsetOf(backend, kc), offsetOf(backend, vc), offsetOf(backend, mask), starts ? offsetOf(backend, starts) : 0, offsetOf(backend, out), B, H, cap, dh, L, scale);
    return out;
  }
  const simd = dh % 4 === 0 ? simdKernels() : null;
  if (simd) {
    const sc = heapScratch(4 * (cap + 8));
    simd.decode_attn(offsetOf(backend, qkv), offsetOf(backend, kc), offsetOf(backend, vc), offsetOf(backend, mask), starts ? offsetOf(backend, starts) : 0, offsetOf(backend, out), sc, B, H, cap, dh, L, scale);
    return out;
  }
  const qv = backend.typedArrayFromHeap(qkv) as Float32Array;
  const kv = backend.typedArrayFromHeap(kc) as Float32Array;
  const vv = backend.typedArrayFromHeap(vc) as Float32Array;
  const mv = backend.typedArrayFromHeap(mask) as Float32Array;
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  const sc = new Float64Array(L + 1);
  for (let b = 0; b < B; b++) {
    const row = b * 3 * D;
    for (let h = 0; h < H; h++) {
      const base = (b * H + h) * cap * dh;
      const q0 = row + h * dh;
      for (let d = 0; d < dh; d++) kv[base + d * cap + L] = qv[row + D + h * dh + d];
      vv.set(qv.subarray(row + 2 * D + h * dh, row + 2 * D + h * dh + dh), base + L * dh);
      let max = -Infinity;
      for (let j = 0; j <= L; j++) {
        let dot = 0;
        for (let d = 0; d < dh; d++) dot += qv[q0 + d] * kv[base + d * cap + j];
        const s = dot * scale + mv[b * cap + j];
        sc[j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = 0; j <= L; j++) {
        const e = Math.exp(sc[j] - max);
        sc[j] = e;
        sum += e;
      }
      const o0 = b * D + h * dh;
      for (let d = 0; d < dh; d++) ov[o0 + d] = 0;
      for (let j = 0; j <= L; j++) {
        const p = sc[j] / sum;
        const v0 = base + j * dh;
        for (let d = 0; d < dh; d++) ov[o0 + d] += p * vv[v0 + d];
      }
    }
  }
  return out;
}

/**
 * Decode-step attention (wasm only; mutates kT and vc, see the kernel). kT [B, H, dh, cap], vc [B, H, cap, dh].
 * starts (optional, int32 [B]): each row's first real key (its left padding is skipped; the SIMD path only).
 */
export function decodeAttention(qkv: tf.Tensor2D, kT: tf.Tensor4D, vc: tf.Tensor4D, mask: tf.Tensor2D, pos: number, starts?: tf.Tensor1D): tf.Tensor2D {
  return tf.engine().runKernel(DECODE_ATTN_KERNEL, { qkv, kc: kT, vc, mask, ...(starts ? { starts } : {}) }, { pos }) as tf.Tensor2D;
}

/** Column sums (wasm only): x [N, D] → [D]. */
export function colSumRaw(x: tf.Tensor2D): tf.Tensor1D {
  return tf.engine().runKernel(COL_SUM_KERNEL, { x }, {}) as tf.Tensor1D;
}

/** Batched untransposed matmul through the XNNPACK kernel (wasm only). */
export function rawBmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.engine().runKernel(BMM_KERNEL, { a, b }, {}) as tf.Tensor3D;
}

/** Row scatter-add (wasm only): ids int32 [N], x [N, D] → [rows, D]. */
export function scatterRows(ids: tf.Tensor1D, x: tf.Tensor2D, rows: number): tf.Tensor2D {
  return tf.engine().runKernel(SCATTER_ROWS_KERNEL, { ids, x }, { rows }) as tf.Tensor2D;
}

/** Bytes the wasm heap has grown to (it never shrinks, so this is the peak); 0 off wasm. */
export function wasmHeapBytes(): number {
  const be = tf.backend() as any;
  return be?.wasm?.HEAPU8?.buffer?.byteLength ?? 0;
}
