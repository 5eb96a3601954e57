import crypto from 'node:crypto';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/model/backend';
import { KERNELS_WAT_SHA256 } from '../src/model/simd/kernels-wasm';
import { heapScratch, simdKernels } from '../src/model/simd/simd';

let wasm = false;
beforeAll(async () => {
  wasm = (await initBackend()).name === 'wasm';
});

describe('SIMD kernels', () => {
  it('the committed binary was built from the committed kernels.wat', () => {
    const wat = fs.readFileSync(new URL('../src/model/simd/kernels.wat', import.meta.url));
    expect(crypto.createHash('sha256').update(wat).digest('hex')).toBe(KERNELS_WAT_SHA256);
  });

  it('exp matches Math.exp to 2e-7 relative on the softmax range, and underflows masked scores to ~0', () => {
    if (!wasm) return;
    const k = simdKernels()!;
    const xs = Float32Array.from({ length: 1003 }, (_, i) => -80 + i * 0.0875); // [-80, 7.7], odd length: scalar tail
    const t = tf.tensor1d(xs);
    const out = tf.zerosLike(t);
    const be = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
    const off = (x: tf.Tensor) => be.dataIdMap.get(x.dataId).memoryOffset;
    k.exp_f32(off(t), off(out), xs.length);
    const got = out.dataSync();
    let worst = 0;
    xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(got[i] - Math.exp(x)) / Math.exp(x))));
    expect(worst).toBeLessThan(2e-7);
    const neg = tf.tensor1d([-1e9, -200, -88, 0]);
    k.exp_f32(off(neg), off(neg), 4);
    const n = neg.dataSync();
    expect(n[0]).toBeLessThan(1e-37);
    expect(n[3]).toBe(1);
    expect(heapScratch(64) % 16).toBe(0);
  });
});
