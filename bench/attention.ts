// The attention kernels alone, native (OpenBLAS tiles, the addon's decode step) against the SIMD kernels, alternating
// in one process: the fused causal attention forward and forward + backward on the projections' row layout, and one
// decode step against KV caches. One JSON line per measurement: {"name","path","ms",…shape}.
//   npx tsx bench/attention.ts [--reps=20]
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/model/backend.js';
import { blasActive, setBlasEnabled } from '../src/model/blas-kernels.js';
import { attentionRows } from '../src/model/ops.js';
import { decodeAttention } from '../src/model/wasm-kernels.js';

const m = /^--reps=(\d+)$/.exec(process.argv[2] ?? '--reps=20');
if (!m) throw new Error('bench/attention.ts: the only flag is --reps=N');
const REPS = Number(m[1]);
await initBackend();
if (!blasActive()) throw new Error('bench/attention.ts compares the native kernels with the SIMD ones: the addon is not loaded (npm run build:native)');
const paths = [
  ['native', true],
  ['simd', false],
] as const;

function time(f: () => void, reps: number): number {
  for (let i = 0; i < 3; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

// training shapes: the spec model (16 × 256, 4 heads of 32) and the SFT default (8 × 384, 4 heads of 16)
for (const [B, H, T, dh] of [
  [16, 4, 256, 32],
  [8, 4, 384, 16],
]) {
  const mk = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mk[i * T + j] = -1e9;
  const mask = tf.tensor4d(mk, [1, 1, T, T]);
  const xs = [0, 1, 2].map((i) => tf.randomNormal([B * T, H * dh], 0, 1, 'float32', i) as tf.Tensor2D);
  const probe = tf.randomNormal([B * T, H * dh], 0, 1, 'float32', 3);
  const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => attentionRows(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, mask, H, T);
  const g = tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(f(q, k, v), probe)));
  for (let round = 0; round < 2; round++) {
    for (const [path, on] of paths) {
      setBlasEnabled(on);
      const fwd = time(() => tf.dispose(f(xs[0], xs[1], xs[2])), REPS);
      const both = time(() => tf.dispose(g(xs)), Math.ceil(REPS / 2));
      console.log(JSON.stringify({ name: 'attention_fwd_ms', path, ms: +fwd.toFixed(2), B, H, T, dh, round }));
      console.log(JSON.stringify({ name: 'attention_fwd_bwd_ms', path, ms: +both.toFixed(2), B, H, T, dh, round }));
    }
  }
  tf.dispose([...xs, probe, mask]);
}

// decode steps: 64 rows against caches of the sampling shapes
for (const [B, H, dh, cap, pos] of [
  [64, 4, 32, 144, 80],
  [64, 4, 16, 325, 200],
]) {
  const D = H * dh;
  const qkv = tf.randomNormal([B, 3 * D], 0, 1, 'float32', 4) as tf.Tensor2D;
  const kT = tf.randomNormal([B, H, dh, cap], 0, 1, 'float32', 5) as tf.Tensor4D;
  const vc = tf.randomNormal([B, H, cap, dh], 0, 1, 'float32', 6) as tf.Tensor4D;
  const mask = tf.zeros([B, cap]) as tf.Tensor2D;
  for (let round = 0; round < 2; round++) {
    for (const [path, on] of paths) {
      setBlasEnabled(on);
      const ms = time(() => decodeAttention(qkv, kT, vc, mask, pos).dispose(), 10 * REPS);
      console.log(JSON.stringify({ name: 'decode_attention_ms', path, ms: +ms.toFixed(3), B, H, dh, keys: pos + 1, round }));
    }
  }
  tf.dispose([qkv, kT, vc, mask]);
}
