// Where one training step and one sampling call spend their time, by op class, on both workloads of bench/shapes.ts.
// Every kernel registered for the backend is wrapped with a timer and classified by its name and shapes; what is
// left of the wall time is JS glue (tape bookkeeping, tensor creation, sampling draws). One JSON line per
// measurement: {"name":"profile","shape","phase","class","ms","share","calls"} plus a "total" line per phase; the
// classes holding matrix products also carry "gflop_s" (2·M·N·K per product over their time), and "matmul" names
// what computed them (OpenBLAS through the native addon, or XNNPACK).
//   npx tsx bench/profile.ts [--shape=spec,sft] [--reps=3] [--workers=2] [--top=0]
// --top=N also prints the N most expensive kernels (name and input shapes) per phase.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, matmulLibrary } from '../src/model/backend.js';
import { DataParallel } from '../src/model/parallel.js';
import { sample } from '../src/model/sampler.js';
import { lossOnBatch } from '../src/model/score.js';
import { computeGrads, createAdamW, accumulateGrads } from '../src/model/step.js';
import { createTransformer, getWeights, setWeights, type Transformer } from '../src/model/transformer.js';
import { workloads, type Workload } from './shapes.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- kernel wrappers see the engine's untyped arguments */

const flags = new Map<string, string>();
for (const a of process.argv.slice(2)) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error(`bench/profile.ts: unexpected argument '${a}'`);
  flags.set(m[1], m[2] ?? 'true');
}
const REPS = Number(flags.get('reps') ?? 3);
const WORKERS = Number(flags.get('workers') ?? 2);
const TOP = Number(flags.get('top') ?? 0);

const info = await initBackend();

interface Acc {
  ms: number;
  calls: number;
  /** Floating-point operations of the matrix products counted (2·M·N·K each). */
  flops: number;
}
let recording = false;
let ctxCfg: { d: number; vocab: number; dh: number } = { d: 0, vocab: 0, dh: 0 };
const byClass = new Map<string, Acc>();
const byKernel = new Map<string, Acc>();

/** Op class of a kernel call, from its name and input shapes (the vocab dimension marks the head/loss). */
function classify(name: string, shapes: number[][]): string {
  const { vocab, d } = ctxCfg;
  const hasV = vocab !== d && shapes.some((s) => s[s.length - 1] === vocab || (s.length === 2 && s[0] === vocab));
  if (name === 'GatherV2' || name === 'BridgeScatterRows') return 'embedding/head';
  if (/MatMul/.test(name)) return hasV ? 'embedding/head' : 'matmul';
  if (/^Bridge(Bmm|Causal|Attn|DecodeAttn|SoftmaxGrad)/.test(name) || name === 'Softmax') return 'attention';
  if (/LayerNorm/.test(name)) return 'layer norm';
  if (/Rope/.test(name)) return 'rope';
  if (/Gelu/.test(name) || name === 'Sigmoid') return 'gelu';
  if (hasV || /LogSoftmax|OneHot/.test(name)) return 'embedding/head';
  if (/^(Transpose|Reshape|Slice|SplitV|Concat|PadV2|Identity|Pack|Unpack|Cast|Tile)$/.test(name)) {
    // RoPE's halves: [N, H, dh/2] pieces
    if (shapes.some((s) => s.length === 3 && s[2] === ctxCfg.dh / 2)) return 'rope';
    return 'layout';
  }
  if (shapes.some((s) => s.length >= 3 && s[s.length - 1] === ctxCfg.dh / 2)) return 'rope';
  if (shapes.some((s) => s.length === 4 || (s.length === 3 && s[2] !== d))) return 'attention';
  return 'elementwise';
}

for (const k of tf.getKernelsForBackend(info.tfName)) {
  const f = k.kernelFunc as any;
  tf.unregisterKernel(k.kernelName, info.tfName);
  tf.registerKernel({
    ...k,
    kernelFunc: ((args: any) => {
      if (!recording) return f(args);
      const t0 = performance.now();
      const r = f(args);
      const dt = performance.now() - t0;
      const shapes = Object.values(args.inputs as Record<string, tf.TensorInfo | undefined>).flatMap((x) => (x ? [x.shape as number[]] : []));
      const cls = classify(k.kernelName, shapes);
      const fl = matmulFlops(k.kernelName, args);
      add(byClass, cls, dt, fl);
      if (TOP > 0) add(byKernel, `${cls}: ${k.kernelName} ${shapes.map((s) => `[${s}]`).join('x')}`, dt, fl);
      return r;
    }) as any,
  });
}

function add(m: Map<string, Acc>, key: string, ms: number, flops = 0): void {
  const a = m.get(key) ?? { ms: 0, calls: 0, flops: 0 };
  a.ms += ms;
  a.calls++;
  a.flops += flops;
  m.set(key, a);
}

/** 2·batch·M·N·K of a matrix-product kernel (tfjs's BatchMatMul / _FusedMatMul, the per-slice BridgeBmm); else 0. */
function matmulFlops(name: string, args: any): number {
  if (!/^(BatchMatMul|_FusedMatMul|BridgeBmm)$/.test(name)) return 0;
  const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
  const r = a.shape.length;
  const ta = !!args.attrs?.transposeA;
  const tb = !!args.attrs?.transposeB;
  const batch = Math.max(tf.util.sizeFromShape(a.shape.slice(0, r - 2)), tf.util.sizeFromShape(b.shape.slice(0, r - 2)));
  const M = a.shape[r - (ta ? 1 : 2)];
  const K = a.shape[r - (ta ? 2 : 1)];
  const N = b.shape[r - (tb ? 2 : 1)];
  return 2 * batch * M * N * K;
}

const round = (x: number) => Math.round(x * 100) / 100;


function emit(w: Workload, phase: string, cls: string, ms: number, total: number, calls?: number, flops?: number): void {
  const rate = flops ? { gflop_s: round(flops / ms / 1e6) } : {};
  console.log(
    JSON.stringify({ name: 'profile', shape: w.name, phase, class: cls, ms: round(ms), share: round(ms / total), ...(calls !== undefined ? { calls } : {}), ...rate, backend: info.name, matmul: matmulLibrary(info), load1: round(os.loadavg()[0]) }),
  );
}

/** Run `body` REPS times with kernels timed; report per-rep mean per class, plus extra (non-kernel) parts. */
function report(w: Workload, phase: string, wall: number, extra: Record<string, number>): void {
  const kernels = [...byClass.values()].reduce((a, c) => a + c.ms, 0) / REPS;
  const extraMs = Object.values(extra).reduce((a, b) => a + b, 0);
  const rows: [string, number, number | undefined, number | undefined][] = [...byClass].map(([c, a]) => [c, a.ms / REPS, a.calls / REPS, a.flops / REPS]);
  for (const [c, ms] of Object.entries(extra)) rows.push([c, ms, undefined, undefined]);
  rows.push(['JS glue', Math.max(0, wall - kernels - extraMs), undefined, undefined]);
  rows.sort((a, b) => b[1] - a[1]);
  for (const [c, ms, calls, flops] of rows) emit(w, phase, c, ms, wall, calls, flops);
  emit(w, phase, 'total', wall, wall);
  if (TOP > 0) {
    const top = [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, TOP);
    for (const [k, a] of top) console.log(JSON.stringify({ name: 'profile_kernel', shape: w.name, phase, kernel: k, ms: round(a.ms / REPS), calls: a.calls / REPS, ...(a.flops ? { gflop_s: round(a.flops / a.ms / 1e6) } : {}) }));
  }
  byClass.clear();
  byKernel.clear();
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function profileWorkload(w: Workload): Promise<void> {
  ctxCfg = { d: w.cfg.d, vocab: w.cfg.vocab, dh: w.cfg.d / w.cfg.heads };
  const model: Transformer = createTransformer(w.cfg, { seed: 0 });
  const opt = createAdamW(model, { lr: 3e-4 });
  const shards1 = w.shards(1);

  // ---- one training step, one process: forward + backward (kernels + glue), gradient readout, AdamW, weight sync
  const step = () => {
    const t0 = performance.now();
    const g = accumulateGrads(model, lossOnBatch, shards1);
    const t1 = performance.now();
    const flat = getWeights(model);
    const t2 = performance.now();
    opt.update(flat, g.grads);
    const t3 = performance.now();
    setWeights(model, flat);
    const t4 = performance.now();
    return { grads: t1 - t0, getW: t2 - t1, opt: t3 - t2, setW: t4 - t3 };
  };
  for (let i = 0; i < 2; i++) step();
  const n0 = tf.memory().numTensors;
  recording = true;
  const parts: ReturnType<typeof step>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < REPS; i++) parts.push(step());
  const wall = (performance.now() - t0) / REPS;
  recording = false;
  report(w, 'train_step', wall, { optimizer: mean(parts.map((p) => p.opt)), 'weights in/out': mean(parts.map((p) => p.getW + p.setW)) });
  if (tf.memory().numTensors !== n0) throw new Error(`tensor leak in the training step: ${n0} → ${tf.memory().numTensors}`);

  // ---- one sampling call
  const sampleOnce = () => sample(model, w.prompts, { maxNew: w.maxNew, seed: 1, temperature: 1 });
  sampleOnce();
  recording = true;
  const s0 = performance.now();
  for (let i = 0; i < REPS; i++) sampleOnce();
  const swall = (performance.now() - s0) / REPS;
  recording = false;
  report(w, 'sample', swall, {});

  // ---- two replicas: where the main thread's step time goes (helpers run the same kernels on the other core)
  if (WORKERS > 1) {
    const dp = await DataParallel.create(model, { workers: WORKERS });
    try {
      const shardsN = w.shards(WORKERS);
      for (let i = 0; i < 2; i++) await dp.trainStep(opt, lossOnBatch, shardsN);
      const times: (typeof dp.lastTimes)[] = [];
      const d0 = performance.now();
      for (let i = 0; i < REPS; i++) {
        await dp.trainStep(opt, lossOnBatch, shardsN);
        times.push({ ...dp.lastTimes });
      }
      const dwall = (performance.now() - d0) / REPS;
      const m = (k: keyof typeof dp.lastTimes) => mean(times.map((t) => t[k]));
      const rows: [string, number][] = [
        ['main replica compute', m('compute')],
        ['worker sync: wait for helpers', m('wait')],
        ['worker sync: publish weights', m('publish')],
        ['worker sync: reduce gradients', m('reduce')],
        ['optimizer + weights out', m('apply')],
      ];
      const sum = rows.reduce((a, r) => a + r[1], 0);
      rows.push(['JS glue', Math.max(0, dwall - sum)]);
      for (const [c, ms] of rows) emit(w, `train_step_${WORKERS}_workers`, c, ms, dwall);
      emit(w, `train_step_${WORKERS}_workers`, 'total', dwall, dwall);
      // the main replica alone on its shard: what a perfectly overlapped step would cost
      const mine = shardsN.filter((_, i) => i % WORKERS === 0);
      const a0 = performance.now();
      for (let i = 0; i < REPS; i++) for (const s of mine) computeGrads(model, lossOnBatch, s.batch);
      emit(w, `train_step_${WORKERS}_workers`, 'reference: main shard alone', (performance.now() - a0) / REPS, dwall);
    } finally {
      await dp.close();
    }
  }
}

for (const w of workloads(flags.get('shape'))) await profileWorkload(w);
