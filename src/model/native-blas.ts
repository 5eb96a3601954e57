// The optional native matrix-product addon (native/blas.cc, built by scripts/build-native.mjs at `npm ci`): OpenBLAS's
// sgemm run in place on the tfjs-wasm heap (docs/toolchain.md, Native matrix products). No tfjs here: this module only
// finds and loads the addon. BRIDGE_BLAS=off keeps every product on XNNPACK (the wasm path) even where it loads.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeBlas {
  /** What was loaded: OpenBLAS's configuration string and the library file. */
  info: string;
  /** C[M,N] = op(A)·op(B) + beta·C on the heap (byte offsets; row-major; op(A) M×K, op(B) K×N). */
  gemm(heap: Uint8Array, a: number, b: number, c: number, M: number, N: number, K: number, transA: number, transB: number, beta: number): void;
  /** Causal attention forward with the arguments of the SIMD kernel attn_fwd (simd/kernels.wat) but no scratch. */
  attnFwd(heap: Uint8Array, q: number, k: number, v: number, mask: number, rng: number, o: number, st: number, B: number, H: number, T: number, dh: number, sB: number, sH: number, sT: number, maskB: number, scale: number): void;
  /** Its backward, with the arguments of attn_bwd but no scratch. */
  attnBwd(heap: Uint8Array, q: number, k: number, v: number, o: number, st: number, dO: number, mask: number, rng: number, dq: number, dk: number, dv: number, B: number, H: number, T: number, dh: number, sB: number, sH: number, sT: number, maskB: number, scale: number): void;
  /** One decode step of attention with the arguments of decode_attn but no scratch (writes k, v into the caches). */
  decodeAttn(heap: Uint8Array, qkv: number, kT: number, vc: number, mask: number, starts: number, out: number, B: number, H: number, cap: number, dh: number, pos: number, scale: number): void;
  /** The AdamW update loop of optim.ts on its vectors, bitwise the same result as the JS loop (float64, no FMA). */
  adamw(params: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array, decayMask: Uint8Array, scale: number, lr: number, beta1: number, beta2: number, eps: number, decay: number, bc1: number, bc2: number): void;
}

export const BLAS_MODES = ['auto', 'off'] as const;

/** Where the build script puts the addon (the repository's build/ folder). */
export const ADDON_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build/native/blas.node');

let cached: { blas: NativeBlas | null; why: string } | null = null;

/** The addon with OpenBLAS loaded, or null (then `nativeBlasWhy()` says why). Loaded once per thread. */
export function nativeBlas(): NativeBlas | null {
  return load().blas;
}

/** Why nativeBlas() is null ('' when it is not). */
export function nativeBlasWhy(): string {
  return load().why;
}

function load(): { blas: NativeBlas | null; why: string } {
  if (cached) return cached;
  const mode = process.env.BRIDGE_BLAS ?? 'auto';
  if (!(BLAS_MODES as readonly string[]).includes(mode)) throw new Error(`BRIDGE_BLAS: unknown mode '${mode}' (allowed: ${BLAS_MODES.join(', ')})`);
  if (mode === 'off') return (cached = { blas: null, why: 'BRIDGE_BLAS=off' });
  if (!fs.existsSync(ADDON_PATH)) return (cached = { blas: null, why: 'addon not built (npm run build:native)' });
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as Omit<NativeBlas, 'info'> & { info(): string };
    for (const f of ['gemm', 'attnFwd', 'attnBwd', 'decodeAttn', 'adamw'] as const) {
      if (typeof addon[f] !== 'function') return (cached = { blas: null, why: `addon is out of date (no ${f}; npm run build:native)` });
    }
    return (cached = { blas: { info: addon.info(), gemm: addon.gemm, attnFwd: addon.attnFwd, attnBwd: addon.attnBwd, decodeAttn: addon.decodeAttn, adamw: addon.adamw }, why: '' });
  } catch (err) {
    return (cached = { blas: null, why: String((err as Error)?.message ?? err).split('\n')[0] });
  }
}
