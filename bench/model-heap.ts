// Peak wasm heap of one training step (or one sampling run) for a given config, in a fresh process (the heap never
// shrinks, so one measurement per process). Prints one JSON line; used to calibrate config.ts's estimates.
//   npx tsx bench/model-heap.ts --d=128 --layers=4 --heads=4 --ctx=256 --batch=16 --len=256 [--sample --new=128 | --forward]
import { initBackend } from '../src/model/backend.js';
import { estimateForwardHeapBytes, estimateSampleHeapBytes, estimateTrainHeapBytes, modelConfig } from '../src/model/config.js';
import { sample } from '../src/model/sampler.js';
import * as tf from '@tensorflow/tfjs';
import { lossOnBatch, scoreSequences } from '../src/model/score.js';
import { createAdamW, trainStep } from '../src/model/step.js';
import { createTransformer } from '../src/model/transformer.js';
import { wasmHeapBytes } from '../src/model/wasm-kernels.js';
import { Rng } from '../src/rng.js';

const a = new Map(process.argv.slice(2).map((s) => { const m = /^--([^=]+)(?:=(.*))?$/.exec(s); if (!m) throw new Error(`bad argument ${s}`); return [m[1], m[2] ?? 'true'] as [string, string]; }));
const n = (k: string, d: number) => Number(a.get(k) ?? d);
await initBackend();
const cfg = modelConfig({ vocab: n('vocab', 128), ctx: n('ctx', 256), d: n('d', 128), layers: n('layers', 4), heads: n('heads', 4) });
const B = n('batch', 16);
const T = n('len', cfg.ctx);
const m = createTransformer(cfg, { seed: 0 });
const rng = new Rng(1);
if (a.has('forward')) {
  const ids = Int32Array.from({ length: B * T }, () => rng.int(0, cfg.vocab - 1));
  tf.tidy(() => { scoreSequences(m, { ids, batch: B, len: T }, { entropy: true }).logp.dataSync(); });
  console.log(JSON.stringify({ name: 'peak_heap_mb', phase: 'forward', value: Math.round(wasmHeapBytes() / 2 ** 20), unit: 'MiB', estimate_mb: Math.round(estimateForwardHeapBytes(cfg, B, T) / 2 ** 20), cfg, batch: B, len: T }));
} else if (a.has('sample')) {
  const NEW = n('new', 128);
  const prompts = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(0, cfg.vocab - 1)));
  sample(m, prompts, { maxNew: NEW, seed: 1 });
  console.log(JSON.stringify({ name: 'peak_heap_mb', phase: 'sample', value: Math.round(wasmHeapBytes() / 2 ** 20), unit: 'MiB', estimate_mb: Math.round(estimateSampleHeapBytes(cfg, B, T, T + NEW) / 2 ** 20), cfg, batch: B, prompt: T, new: NEW }));
} else {
  const ids = Int32Array.from({ length: B * T }, () => rng.int(0, cfg.vocab - 1));
  const opt = createAdamW(m);
  for (let i = 0; i < 2; i++) trainStep(m, opt, lossOnBatch, [{ batch: { ids, batch: B, len: T, lossMask: new Float32Array(B * T).fill(1) }, weight: 1 }]);
  console.log(JSON.stringify({ name: 'peak_heap_mb', phase: 'train', value: Math.round(wasmHeapBytes() / 2 ** 20), unit: 'MiB', estimate_mb: Math.round(estimateTrainHeapBytes(cfg, B, T) / 2 ** 20), cfg, batch: B, len: T }));
}
