// Loader for the hand-written SIMD kernels (kernels.wat): instantiated against the tfjs-wasm module's own memory,
// so they read and write tensors in place by their heap offsets. Only available on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the wasm backend's internals are untyped */

export interface SimdKernels {
  /** e^x elementwise, n floats from src to dst (byte offsets). */
  exp_f32(src: number, dst: number, n: number): void;
  col_sum(x: number, out: number, N: number, D: number): void;
  ln_fwd(x: number, g: number, b: number, y: number, xhat: number, rstd: number, N: number, D: number, eps: number): void;
  ln_bwd(dy: number, xhat: number, rstd: number, g: number, dx: number, dg: number, db: number, N: number, D: number): void;
  gelu_pre(x: number, u: number, n: number): void;
  gelu_bwd(x: number, s: number, dy: number, dx: number, n: number): void;
  softmax_bwd(p: number, dp: number, r: number, ds: number, rows: number, C: number): void;
  add_into(dst: number, src: number, n: number): void;
  transpose_2d(src: number, dst: number, n1: number, n2: number, R: number, C: number, sr: number, sb1: number, sb2: number, db1: number, db2: number): void;
  permute_0213(src: number, dst: number, A: number, B: number, C: number, I: number): void;
  attn_fwd(q: number, k: number, v: number, mask: number, rng: number, o: number, st: number, sc: number, B: number, H: number, T: number, dh: number, sB: number, sH: number, sT: number, maskB: number, scale: number): void;
  attn_bwd(q: number, k: number, v: number, o: number, st: number, dO: number, mask: number, rng: number, dq: number, dk: number, dv: number, sc: number, B: number, H: number, T: number, dh: number, sB: number, sH: number, sT: number, maskB: number, scale: number): void;
  rope(x: number, cos: number, sin: number, out: number, N: number, nh: number, dh: number, ld: number, sgn: number): void;
  row_lse(x: number, st: number, N: number, V: number): void;
  lse_bwd(x: number, lse: number, g: number, dx: number, N: number, V: number): void;
  decode_attn(qkv: number, kT: number, vc: number, mask: number, starts: number, out: number, sc: number, B: number, H: number, cap: number, dh: number, pos: number, scale: number): void;
}

/** The slice of the WebAssembly JS API used here (the project's TS lib has no DOM/WebAssembly typings). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let cached: { memory: object; kernels: SimdKernels } | null = null;

/** The kernels bound to the current wasm backend's memory, or null when tfjs is not on wasm. */
export function simdKernels(): SimdKernels | null {
  const be = tf.backend() as any;
  const memory = be?.wasm?.asm?.memory as object | undefined;
  if (!(memory instanceof WA.Memory)) return null;
  if (cached?.memory !== memory) {
    const mod = new WA.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    const inst = new WA.Instance(mod, { env: { memory } });
    cached = { memory, kernels: inst.exports as unknown as SimdKernels };
  }
  return cached.kernels;
}

let scratch = 0;
let scratchBytes = 0;

/** A heap scratch buffer of at least `bytes` (16-byte aligned, reused across calls; single-threaded use). */
export function heapScratch(bytes: number): number {
  if (bytes > scratchBytes) {
    const w = (tf.backend() as any).wasm;
    if (scratch) w._free(scratch);
    scratchBytes = Math.max(bytes, 4096);
    scratch = w._malloc(scratchBytes + 16) >>> 0;
  }
  return (scratch + 15) & ~15;
}
