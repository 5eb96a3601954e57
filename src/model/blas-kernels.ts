// The wasm backend's matrix products through OpenBLAS where the native addon loads (src/model/native-blas.ts;
// docs/toolchain.md, Native matrix products): BatchMatMul and _FusedMatMul (bias, no activation) of float32 rank-2 and
// rank-3 operands, transposed or not, are computed in place on the wasm heap by sgemm; every other case goes to the
// stock kernel. XNNPACK (wasm SIMD, 128-bit) is the fallback and the reference the tests compare against.
import * as tf from '@tensorflow/tfjs';
import { nativeBlas, type NativeBlas } from './native-blas.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the wasm backend's internals are untyped */

let active: NativeBlas | null = null;
let enabled = true;

/** The loaded OpenBLAS once installBlasKernels ran with it, else null (matrix products on XNNPACK). */
export function blasActive(): NativeBlas | null {
  return enabled ? active : null;
}

/** Tests: false sends every product back to XNNPACK (the stock kernels) in this thread; true restores OpenBLAS. */
export function setBlasEnabled(on: boolean): void {
  enabled = on;
}

/** Byte offset of a tensor's data on the wasm heap. */
export function heapOffset(backend: any, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset as number;
}

/** C = op(A)·op(B) + beta·C on the heap (byte offsets) through OpenBLAS; callers check blasActive() first. */
export function heapGemm(backend: any, a: number, b: number, c: number, M: number, N: number, K: number, transA: boolean, transB: boolean, beta = 0): void {
  active!.gemm(backend.wasm.HEAPU8, a, b, c, M, N, K, transA ? 1 : 0, transB ? 1 : 0, beta);
}

/** Route the wasm BatchMatMul and _FusedMatMul kernels to OpenBLAS when the addon loads; returns what was loaded. */
export function installBlasKernels(): NativeBlas | null {
  const blas = nativeBlas();
  if (!blas || active) return active;
  active = blas;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const stock = tf.getKernel(name, 'wasm');
    if (!stock) throw new Error(`wasm backend has no ${name} kernel`);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...stock, kernelFunc: ((args: any) => blasMatMul(args) ?? (stock.kernelFunc as any)(args)) as any });
  }
  return active;
}

/** op(a)·op(b) (+ bias) over a shared or matching batch, or null when the case is not ours (the stock kernel runs). */
function blasMatMul({ inputs, attrs, backend }: any): tf.TensorInfo | null {
  if (!enabled) return null;
  const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || preluActivationWeights) return null;
  if (attrs.activation && attrs.activation !== 'linear') return null;
  const ra = a.shape.length;
  if (ra !== b.shape.length || ra < 2 || ra > 3) return null;
  const ta = !!attrs.transposeA;
  const tb = !!attrs.transposeB;
  const na = ra === 3 ? a.shape[0] : 1;
  const nb = ra === 3 ? b.shape[0] : 1;
  const n = Math.max(na, nb);
  if ((na !== n && na !== 1) || (nb !== n && nb !== 1)) return null;
  const M = a.shape[ra - (ta ? 1 : 2)];
  const K = a.shape[ra - (ta ? 2 : 1)];
  const N = b.shape[ra - (tb ? 2 : 1)];
  if (b.shape[ra - (tb ? 1 : 2)] !== K) return null; // the stock kernel names the mismatch
  if (bias && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== N || bias.shape[bias.shape.length - 1] !== N)) return null;
  const out = backend.makeOutput(ra === 3 ? [n, M, N] : [M, N], 'float32');
  if (n * M * N === 0) return out;
  const ao = heapOffset(backend, a);
  const bo = heapOffset(backend, b);
  const oo = heapOffset(backend, out);
  if (bias) {
    // every output row starts as the bias, then sgemm adds the product (beta = 1); views after makeOutput
    const ov = backend.typedArrayFromHeap(out) as Float32Array;
    ov.set(backend.typedArrayFromHeap(bias) as Float32Array, 0);
    for (let filled = N; filled < ov.length; filled *= 2) ov.copyWithin(filled, 0, Math.min(filled, ov.length - filled));
  } else if (K === 0) {
    (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
    return out;
  }
  for (let i = 0; i < n && K > 0; i++) {
    heapGemm(backend, ao + (na === 1 ? 0 : 4 * i * M * K), bo + (nb === 1 ? 0 : 4 * i * K * N), oo + 4 * i * M * N, M, N, K, ta, tb, bias ? 1 : 0);
  }
  return out;
}
