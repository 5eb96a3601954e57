// Model throughput per workload of bench/shapes.ts (spec: the spec model 16 × 256; sft: the SFT default d64 × 4, RoPE,
// batch 8 of 150–400 tokens, 64 ragged prompts), next to the PyTorch peer (bench/torch_peer.py, one thread) measured
// in the same run, interleaved with ours rep by rep. Prints one JSON line per measurement: {"name", "value", "unit",
// "shape", ...context}; the summary lines (median over reps) carry `"summary": true` and the ratios to the peer.
//   npm run bench:model -- --json [--shape=spec,sft] [--reps=3] [--steps=5] [--warmup=2] [--sample-runs=2]
//                                 [--workers=2] [--no-peer] [--no-parallel] [--no-ipc] [--activation=gelu|relu]
//                                 [--only=train|sample] [--wait-idle=SECONDS]
// --wait-idle: before each measurement, wait (up to SECONDS) until /proc/stat shows the machine's cores idle (other
// jobs share this machine); every line reports idle_cores_before, the idle cores seen just before it started, and
// cpu_cores_used (process CPU time / wall time: below the replica count when other load took the rest).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { initBackend, matmulLibrary } from '../src/model/backend.js';
import { modelConfig, paramCount, SPEC_MODEL } from '../src/model/config.js';
import { DataParallel } from '../src/model/parallel.js';
import { sample } from '../src/model/sampler.js';
import { lossOnBatch } from '../src/model/score.js';
import { createAdamW, trainStep } from '../src/model/step.js';
import { createTransformer, disposeTransformer } from '../src/model/transformer.js';
import { wasmHeapBytes } from '../src/model/wasm-kernels.js';
import { workloads, type Workload } from './shapes.js';

const flags = new Map<string, string>();
for (const a of process.argv.slice(2)) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error(`bench/model.ts: unexpected argument '${a}'`);
  flags.set(m[1], m[2] ?? 'true');
}
const num = (k: string, d: number) => {
  const v = Number(flags.get(k) ?? d);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${k} must be a non-negative integer (got ${flags.get(k)})`);
  return v;
};
const STEPS = num('steps', 5);
const WARMUP = num('warmup', 2);
const SAMPLE_RUNS = num('sample-runs', 2);
const REPS = Math.max(1, num('reps', 3));
const WORKERS = num('workers', 2);
const WAIT_IDLE = num('wait-idle', 0);
const only = flags.get('only');
if (only && only !== 'train' && only !== 'sample') throw new Error(`--only must be train or sample (got ${only})`);
const act = flags.get('activation') ?? 'gelu';
if (act !== 'gelu' && act !== 'relu') throw new Error(`--activation must be gelu or relu (got ${act})`);
const doTrain = only !== 'sample';
const doSample = only !== 'train';


let idleBefore = NaN;
const info = await initBackend();
const ctx = { backend: info.name, matmul: matmulLibrary(info), ...(info.blasWhy ? { matmul_why: info.blasWhy } : {}), activation: act };

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ name, value: unit === 'x' ? Math.round(value * 1000) / 1000 : Math.round(value * 10) / 10, unit, ...ctx, ...extra, load1: Math.round(os.loadavg()[0] * 100) / 100, idle_cores_before: idleBefore }));
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Idle cores over the next `ms` milliseconds, from /proc/stat (Linux); NaN elsewhere. */
async function idleCores(ms = 1000): Promise<number> {
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = read();
    await new Promise((r) => setTimeout(r, ms));
    const b = read();
    return Math.round(((b.idle - a.idle) / (b.total - a.total)) * os.cpus().length * 100) / 100;
  } catch {
    return NaN;
  }
}

/** Wait (up to WAIT_IDLE seconds) for the machine to be idle; remember what was seen for the next line. */
async function quiet(): Promise<void> {
  if (WAIT_IDLE === 0) return;
  const want = os.cpus().length * 0.9;
  const until = Date.now() + WAIT_IDLE * 1000;
  do {
    idleBefore = await idleCores(1000);
    if (!(idleBefore < want)) return;
  } while (Date.now() < until);
}

/** Process CPU time in ms (all threads: the main thread and the data-parallel workers). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Timing {
  tokS: number;
  /** Throughput per CPU second of this process (median run): robust to other load for one-thread runs. */
  tokSCpu: number;
  ms: number[];
  /** CPU cores the run actually got (process CPU time / wall time): < workers means other load took the rest. */
  cores: number;
}

/** Median-based throughput of `runs` timed calls after `warmup` untimed ones. */
async function timeRuns(runs: number, tokens: number, warmup: number, run: () => Promise<unknown> | unknown): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run();
  await quiet();
  const ms: number[] = [];
  const cpu: number[] = [];
  const c0 = cpuMs();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const u0 = cpuMs();
    await run();
    ms.push(performance.now() - t0);
    cpu.push(cpuMs() - u0);
  }
  const total = ms.reduce((a, b) => a + b, 0);
  return { tokS: tokens / (median(ms) / 1000), tokSCpu: tokens / (median(cpu) / 1000), ms, cores: Math.round(((cpuMs() - c0) / total) * 100) / 100 };
}

const peerScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'torch_peer.py');
let peerWhy = flags.has('no-peer') ? '--no-peer' : '';
/** The first python3 that imports torch (the distribution's first: a pyenv or venv python3 usually has none). */
const python = peerWhy
  ? ''
  : (['/usr/bin/python3', 'python3'].find((py) => {
      try {
        execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    }) ?? '');
if (!peerWhy && !python) peerWhy = 'no python3 with torch; install: apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread';
if (peerWhy) console.log(JSON.stringify({ name: 'peer_skipped', value: 0, unit: 'none', reason: peerWhy }));

/** One run of the peer on the workload's shapes (one thread), or null when skipped. */
async function peer(w: Workload): Promise<{ train: number; sample: number; trainCpu: number; sampleCpu: number; line: string } | null> {
  if (peerWhy) return null;
  await quiet();
  const line = execFileSync(python, [peerScript, '1', JSON.stringify(w.peer), String(STEPS)], { encoding: 'utf8', timeout: 600_000 }).trim();
  const r = JSON.parse(line) as { train_tok_s: number; sample_tok_s: number; train_tok_s_cpu: number; sample_tok_s_cpu: number };
  return { train: r.train_tok_s, sample: r.sample_tok_s, trainCpu: r.train_tok_s_cpu, sampleCpu: r.sample_tok_s_cpu, line };
}

for (const w of workloads(flags.get('shape'))) {
  const cfg = modelConfig({ ...w.cfg, activation: act });
  const shape = { shape: w.name, d: cfg.d, layers: cfg.layers, heads: cfg.heads, pos: cfg.pos, vocab: cfg.vocab };
  emit('model_params', paramCount(cfg), 'params', { ...shape, skipped: info.skipped });
  const model = createTransformer(cfg, { seed: 0 });
  const opt = createAdamW(model, { lr: 3e-4 });
  const shards1 = w.shards(1);
  const shardsN = w.shards(WORKERS);
  const rows = w.prompts.length;
  const trainCtx = { ...shape, tokens: w.trainTokens, rows: shards1.reduce((a, s) => a + s.batch.batch, 0), optimizer: 'AdamW' };
  const sampleCtx = { ...shape, rows, prompt_min: Math.min(...w.prompts.map((p) => p.length)), prompt_max: Math.max(...w.prompts.map((p) => p.length)), new: w.maxNew, kv_cache: true };
  const dp = WORKERS > 1 && !flags.has('no-parallel') ? await DataParallel.create(model, { workers: WORKERS }) : null;
  const got: Record<string, number[]> = {};
  const push = (k: string, v: number) => (got[k] ??= []).push(v);
  try {
    for (let rep = 0; rep < REPS; rep++) {
      if (doTrain) {
        const r = await timeRuns(STEPS, w.trainTokens, WARMUP, () => trainStep(model, opt, lossOnBatch, shards1));
        push('train1', r.tokS);
        push('train1cpu', r.tokSCpu);
        emit('train_tok_s', r.tokS, 'tok/s', { ...trainCtx, rep, workers: 1, step_ms_median: Math.round(median(r.ms)), tok_s_cpu: Math.round(r.tokSCpu), cpu_cores_used: r.cores });
        if (dp) {
          const rn = await timeRuns(STEPS, w.trainTokens, WARMUP, () => dp.trainStep(opt, lossOnBatch, shardsN));
          push('trainN', rn.tokS);
          emit('train_tok_s', rn.tokS, 'tok/s', { ...trainCtx, rep, workers: WORKERS, ipc: 'SharedArrayBuffer', step_ms_median: Math.round(median(rn.ms)), cpu_cores_used: rn.cores });
        }
      }
      if (doSample) {
        const opts = { maxNew: w.maxNew, seed: 1, temperature: 1 };
        const r = await timeRuns(Math.max(1, SAMPLE_RUNS), rows * w.maxNew, 1, () => sample(model, w.prompts, opts));
        push('sample1', r.tokS);
        push('sample1cpu', r.tokSCpu);
        emit('sample_tok_s', r.tokS, 'tok/s', { ...sampleCtx, rep, workers: 1, run_ms: r.ms.map(Math.round), tok_s_cpu: Math.round(r.tokSCpu), cpu_cores_used: r.cores });
        if (dp) {
          const rn = await timeRuns(Math.max(1, SAMPLE_RUNS), rows * w.maxNew, 1, () => dp.sample(w.prompts, opts));
          push('sampleN', rn.tokS);
          emit('sample_tok_s', rn.tokS, 'tok/s', { ...sampleCtx, rep, workers: WORKERS, run_ms: rn.ms.map(Math.round), cpu_cores_used: rn.cores });
        }
      }
      const p = await peer(w);
      if (p) {
        push('peerTrain', p.train);
        push('peerSample', p.sample);
        push('peerTrainCpu', p.trainCpu);
        push('peerSampleCpu', p.sampleCpu);
        console.log(JSON.stringify({ name: 'peer', value: p.train, unit: 'tok/s', ...shape, rep, backend: 'pytorch-cpu', threads: 1, peer: JSON.parse(p.line), load1: os.loadavg()[0] }));
      }
    }
    if (dp) {
      const heaps = await dp.heapBytes();
      emit('peak_heap_mb', Math.max(...heaps) / 2 ** 20, 'MiB', { ...shape, workers: WORKERS, per_replica_mb: heaps.map((h) => Math.round(h / 2 ** 20)) });
    } else emit('peak_heap_mb', wasmHeapBytes() / 2 ** 20, 'MiB', { ...shape, workers: 1 });
  } finally {
    await dp?.close();
    disposeTransformer(model);
  }
  // ---- summary: medians over reps, ratios to the peer and the two-replica scaling
  const m = (k: string) => (got[k] ? median(got[k]) : undefined);
  const sum = { ...shape, summary: true, reps: REPS };
  const line = (name: string, value: number | undefined, unit: string, extra: Record<string, unknown> = {}) => {
    if (value !== undefined && Number.isFinite(value)) emit(name, value, unit, { ...sum, ...extra });
  };
  const pt = m('peerTrain');
  const ps = m('peerSample');
  line('train_tok_s', m('train1'), 'tok/s', { workers: 1 });
  line('train_tok_s', m('trainN'), 'tok/s', { workers: WORKERS });
  line('sample_tok_s', m('sample1'), 'tok/s', { workers: 1 });
  line('sample_tok_s', m('sampleN'), 'tok/s', { workers: WORKERS });
  line('peer_train_tok_s', pt, 'tok/s', { threads: 1, backend: 'pytorch-cpu' });
  line('peer_sample_tok_s', ps, 'tok/s', { threads: 1, backend: 'pytorch-cpu' });
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : undefined);
  line('train_vs_peer', ratio(m('train1'), pt), 'x', { workers: 1 });
  line('train_vs_peer', ratio(m('trainN'), pt), 'x', { workers: WORKERS });
  line('sample_vs_peer', ratio(m('sample1'), ps), 'x', { workers: 1 });
  line('sample_vs_peer', ratio(m('sampleN'), ps), 'x', { workers: WORKERS });
  // per CPU second of each side: what the ratios would be on a machine where neither shares its core
  line('train_vs_peer_cpu', ratio(m('train1cpu'), m('peerTrainCpu')), 'x', { workers: 1, ours: m('train1cpu'), peer: m('peerTrainCpu') });
  line('sample_vs_peer_cpu', ratio(m('sample1cpu'), m('peerSampleCpu')), 'x', { workers: 1, ours: m('sample1cpu'), peer: m('peerSampleCpu') });
  line('train_scaling', ratio(m('trainN'), m('train1')), 'x', { workers: WORKERS });
  line('sample_scaling', ratio(m('sampleN'), m('sample1')), 'x', { workers: WORKERS });
}

// ---- gradient exchange cost: SharedArrayBuffer vs postMessage copy vs child-process IPC ----
if (!flags.has('no-ipc')) {
  const P = paramCount(modelConfig(SPEC_MODEL));
  const reps = 20;
  // worker thread echo: 'sab' reads the shared gradient and sums it (what a replica does); 'copy' gets a clone back
  const echo = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (m) => {
       if (m.sab) { const g = new Float32Array(m.sab); let s = 0; for (let i = 0; i < g.length; i++) s += g[i]; parentPort.postMessage(s); }
       else parentPort.postMessage(m.buf);
     });`,
    { eval: true },
  );
  const ask = (m: unknown) => new Promise<unknown>((res) => (echo.once('message', res), echo.postMessage(m)));
  const g = new Float32Array(P).map((_, i) => (i % 7) * 0.001);
  const sab = new SharedArrayBuffer(4 * P);
  const shared = new Float32Array(sab);
  const time = async (f: () => Promise<unknown>) => {
    await f();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await f();
    return (performance.now() - t0) / reps;
  };
  const tSab = await time(async () => {
    shared.set(g);
    await ask({ sab });
  });
  const tCopy = await time(() => ask({ buf: g }));
  await echo.terminate();
  const child = spawn(process.execPath, ['-e', "process.on('message', (m) => process.send(m));"], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
  const askChild = (m: unknown) => new Promise<unknown>((res) => (child.once('message', res), child.send(m as never)));
  const tChild = await time(() => askChild(Buffer.from(g.buffer)));
  child.kill();
  const extra = { floats: P, what: 'one gradient there and back (the SAB variant: write + a summing read)' };
  emit('ipc_roundtrip_ms', tSab, 'ms', { ipc: 'worker_threads+SharedArrayBuffer', ...extra });
  emit('ipc_roundtrip_ms', tCopy, 'ms', { ipc: 'worker_threads+postMessage(copy)', ...extra });
  emit('ipc_roundtrip_ms', tChild, 'ms', { ipc: 'child_process+advanced-serialization', ...extra });
}

