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

describe('SIMD transposes equal a JS reference', () => {
  function ref(x: Float32Array, shape: number[], perm: number[]): Float32Array {
    const out = new Float32Array(x.length);
    const outShape = perm.map((p) => shape[p]);
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const idx = new Array(shape.length).fill(0);
    for (let o = 0; o < x.length; o++) {
      let rem = o;
      for (let i = outShape.length - 1; i >= 0; i--) {
        idx[perm[i]] = rem % outShape[i];
        rem = Math.floor(rem / outShape[i]);
      }
      out[o] = x[idx.reduce((a, v, i) => a + v * strides[i], 0)];
    }
    return out;
  }
  const cases: [number[], number[]][] = [
    [[12, 8], [1, 0]],
    [[7, 5], [1, 0]],
    [[3, 8, 12], [0, 2, 1]],
    [[2, 3, 4, 8], [0, 1, 3, 2]],
    [[2, 5, 3, 8], [0, 2, 1, 3]],
    [[2, 5, 3, 6], [0, 2, 1, 3]],
    [[2, 8, 3, 4], [0, 2, 3, 1]],
    [[2, 6, 2, 3], [0, 2, 3, 1]],
    [[2, 3, 4], [2, 0, 1]],
  ];
  it.each(cases)('shape %j perm %j', (shape, perm) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
    const got = tf.tidy(() => tf.transpose(tf.tensor(x, shape), perm).dataSync() as Float32Array);
    expect(Array.from(got)).toEqual(Array.from(ref(x, shape, perm)));
  });
});
