import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend } from '../src/model/backend';
import {
  DEFAULT_HEAP_BUDGET,
  estimateTrainHeapBytes,
  modelConfig,
  paramCount,
  planSampleChunks,
  planTrainMicroBatches,
  SPEC_MODEL,
} from '../src/model/config';
import * as tf from '@tensorflow/tfjs';
import { heapShards, lossOnBatch, scoreSequences } from '../src/model/score';
import { checkTrainHeap, computeGrads } from '../src/model/step';
import { createTransformer, disposeTransformer } from '../src/model/transformer';

describe('backend selection', () => {
  it('rejects an unknown BRIDGE_BACKEND value, naming the allowed ones', async () => {
    await expect(initBackend('gpu')).rejects.toThrow(/BRIDGE_BACKEND: unknown backend 'gpu' \(allowed: auto, node-gpu, node, wasm, cpu\)/);
  });

  it('auto falls back to wasm here, saying why the native backends were skipped, and is idempotent', async () => {
    const a = await initBackend('auto');
    expect(['node-gpu', 'node', 'wasm']).toContain(a.name);
    if (a.name === 'wasm') {
      expect(a.skipped.map((s) => s.name)).toEqual(['node-gpu', 'node']);
      for (const s of a.skipped) expect(s.why).toMatch(/not installed|failed|returned false/);
    }
    const b = await initBackend();
    expect(b).toBe(a);
    expect(backendInfo()).toBe(a);
    await expect(initBackend('cpu')).rejects.toThrow(/already initialised as/);
  });
});

describe('model config', () => {
  it('fills defaults and counts the spec model as 842,496 parameters (the PyTorch peer)', () => {
    const c = modelConfig({ vocab: 128, ctx: 256, d: 128, layers: 4, heads: 4 });
    expect(c).toEqual(SPEC_MODEL);
    expect(paramCount(c)).toBe(842_496);
  });

  it('paramCount equals the parameters the transformer actually creates', async () => {
    await initBackend();
    const cfg = modelConfig({ vocab: 11, ctx: 9, d: 12, layers: 3, heads: 3, mlpRatio: 2 });
    const m = createTransformer(cfg, { seed: 1 });
    expect(m.vars.reduce((a, v) => a + v.size, 0)).toBe(paramCount(cfg));
    expect(m.size).toBe(paramCount(cfg));
    disposeTransformer(m);
  });

  it('names the field and the allowed range on bad input', () => {
    expect(() => modelConfig({ vocab: 128, ctx: 256, d: 130, layers: 4, heads: 4 })).toThrow('model config: d must be divisible by heads (d=130, heads=4)');
    expect(() => modelConfig({ vocab: 1, ctx: 256, d: 128, layers: 4, heads: 4 })).toThrow('model config: vocab must be an integer in [2, 65536] (got 1)');
    expect(() => modelConfig({ vocab: 128, ctx: 256, d: 128, layers: 4, heads: 4, dropout: 1.5 })).toThrow(/dropout must be a number in \[0, 0.9\]/);
    expect(() => modelConfig({ vocab: 128, ctx: 256, d: 128, layers: 4, heads: 4, activation: 'swish' as never })).toThrow(/activation must be 'gelu' or 'relu'/);
    expect(() => modelConfig({ vocab: 128, ctx: 256, d: 128, layers: 4, heads: 4, width: 3 } as never)).toThrow(/unknown field\(s\) width/);
  });
});

describe('wasm heap guard', () => {
  it('keeps the spec training batch (16×256) in one micro-batch under the 3 GiB budget', () => {
    const p = planTrainMicroBatches(SPEC_MODEL, 16, 256);
    expect(p).toMatchObject({ micro: 16, steps: 1 });
    expect(p.estimateBytes).toBeLessThan(DEFAULT_HEAP_BUDGET);
  });

  it('splits a batch that would overflow into micro-batches that fit', () => {
    const big = modelConfig({ vocab: 128, ctx: 512, d: 256, layers: 6, heads: 8 });
    expect(estimateTrainHeapBytes(big, 64, 512)).toBeGreaterThan(4 * 1024 ** 3);
    const p = planTrainMicroBatches(big, 64, 512);
    expect(p.micro).toBeLessThan(64);
    expect(p.micro * p.steps).toBeGreaterThanOrEqual(64);
    expect(estimateTrainHeapBytes(big, p.micro, 512)).toBeLessThanOrEqual(DEFAULT_HEAP_BUDGET);
  });

  it('a training step on an oversize batch is refused before any tensor is made (never Aborted())', async () => {
    await initBackend();
    if (backendInfo()?.name !== 'wasm') return;
    const cfg = modelConfig({ vocab: 64, ctx: 1024, d: 256, layers: 6, heads: 8 });
    const m = createTransformer(cfg, { seed: 1 });
    const B = 16;
    const T = 1024;
    const batch = { ids: new Int32Array(B * T), batch: B, len: T, lossMask: new Float32Array(B * T).fill(1) };
    const before = tf.memory().numTensors;
    expect(() => computeGrads(m, lossOnBatch, batch)).toThrow(/training batch 16×1024 needs ~\d+ MiB of wasm heap \(budget 3072 MiB, cap 4096 MiB\): split it into micro-batches of ≤ \d+ rows/);
    expect(tf.memory().numTensors).toBe(before);
    const shards = heapShards(cfg, batch);
    expect(shards.length).toBeGreaterThan(1);
    expect(shards.reduce((a, s) => a + s.batch.batch, 0)).toBe(B);
    for (const s of shards) expect(() => checkTrainHeap(m, s.batch)).not.toThrow();
    expect(heapShards(SPEC_MODEL, { ...batch, ids: new Int32Array(4 * 256), batch: 4, len: 256, lossMask: new Float32Array(4 * 256).fill(1) }, 2)).toHaveLength(2);
    disposeTransformer(m);
  });

  it('a forward pass on an oversize batch is refused too, naming a chunk size that fits', async () => {
    await initBackend();
    if (backendInfo()?.name !== 'wasm') return;
    const cfg = modelConfig({ vocab: 64, ctx: 1024, d: 256, layers: 6, heads: 8 });
    const m = createTransformer(cfg, { seed: 1 });
    const B = 64;
    const before = tf.memory().numTensors;
    expect(() => scoreSequences(m, { ids: new Int32Array(B * 1024), batch: B, len: 1024 })).toThrow(
      /forward batch 64×1024 needs ~\d+ MiB of wasm heap \(budget 3072 MiB, cap 4096 MiB\): run it in chunks of ≤ \d+ rows/,
    );
    expect(tf.memory().numTensors).toBe(before);
    disposeTransformer(m);
  });

  it('refuses, with a clear message, a config where one sequence cannot fit', () => {
    const huge = modelConfig({ vocab: 50000, ctx: 8192, d: 4096, layers: 48, heads: 32 });
    expect(() => planTrainMicroBatches(huge, 1, 8192)).toThrow(/model too large for the wasm heap: one sequence of 8192 tokens needs ~\d+ MiB, budget 3072 MiB/);
    expect(() => planSampleChunks(huge, 1, 10, 8192)).toThrow(/sampling needs ~\d+ MiB for one row/);
    expect(() => planTrainMicroBatches(SPEC_MODEL, 4, 300)).toThrow('sequence length must be in [1, 256] (got 300)');
  });
});
