// Model throughput on the spec model (vocab 128, ctx 256, d 128, 4 layers, 4 heads, tied head), next to the PyTorch
// peer measured in the same run. Prints one JSON line per measurement: {"name", "value", "unit", ...context}.
//   npm run bench:model -- --json [--steps=5] [--warmup=2] [--sample-runs=2] [--workers=2] [--no-peer] [--no-parallel]
//                                 [--activation=gelu|relu] [--only=train|sample] [--wait-idle=SECONDS]
// --wait-idle: before each measurement, wait (up to SECONDS) until /proc/stat shows the machine's cores idle (other
// jobs share this machine); every line reports idle_cores_before, the idle cores seen just before it started.
// Targets (issue 4): two-core train ≥ 2,750 tok/s and sample ≥ 4,000 tok/s; stretch = the peer's numbers.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { initBackend } from '../src/model/backend.js';
import { estimateTrainHeapBytes, modelConfig, paramCount, SPEC_MODEL } from '../src/model/config.js';
import { DataParallel } from '../src/model/parallel.js';
import { sample } from '../src/model/sampler.js';
import { lossOnBatch, splitLossBatch, type LossBatch } from '../src/model/score.js';
import { createAdamW, trainStep } from '../src/model/step.js';
import { createTransformer } from '../src/model/transformer.js';
import { wasmHeapBytes } from '../src/model/wasm-kernels.js';
import { Rng } from '../src/rng.js';

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
const WORKERS = num('workers', 2);
const WAIT_IDLE = num('wait-idle', 0);
const only = flags.get('only');
if (only && only !== 'train' && only !== 'sample') throw new Error(`--only must be train or sample (got ${only})`);
const act = flags.get('activation') ?? 'gelu';
if (act !== 'gelu' && act !== 'relu') throw new Error(`--activation must be gelu or relu (got ${act})`);
const doTrain = only !== 'sample';
const doSample = only !== 'train';

const cfg = modelConfig({ ...SPEC_MODEL, activation: act });
const B = 16;
const T = 256;
const SB = 64;
const PROMPT = 16;
const NEW = 128;

let idleBefore = NaN;
const info = await initBackend();
const ctx = { backend: info.name, activation: act };

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ name, value: Math.round(value * 10) / 10, unit, ...ctx, ...extra, load1: Math.round(os.loadavg()[0] * 100) / 100, idle_cores_before: idleBefore }));
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

emit('model_params', paramCount(cfg), 'params', { skipped: info.skipped });

const rng = new Rng(1234);
const ids = Int32Array.from({ length: B * T }, () => rng.int(0, cfg.vocab - 1));
const batch: LossBatch = { ids, batch: B, len: T, lossMask: new Float32Array(B * T).fill(1) };
const prompts = Array.from({ length: SB }, () => Array.from({ length: PROMPT }, () => rng.int(0, cfg.vocab - 1)));

const model = createTransformer(cfg, { seed: 0 });
const opt = createAdamW(model, { lr: 3e-4 });

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
  ms: number[];
  /** CPU cores the run actually got (process CPU time / wall time): < workers means other load took the rest. */
  cores: number;
}

async function timeRuns(runs: number, tokens: number, warmup: number, run: () => Promise<unknown> | unknown): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run();
  await quiet();
  const ms: number[] = [];
  const c0 = cpuMs();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  const total = ms.reduce((a, b) => a + b, 0);
  return { tokS: (tokens * runs) / (total / 1000), ms, cores: Math.round(((cpuMs() - c0) / total) * 100) / 100 };
}

const timeTrain = (step: () => Promise<unknown> | unknown) => timeRuns(STEPS, B * T, WARMUP, step);
const timeSample = (run: () => Promise<unknown> | unknown) => timeRuns(Math.max(1, SAMPLE_RUNS), SB * NEW, 1, run);

const results: Record<string, number> = {};
const stepInfo = (r: Timing) => ({ step_ms_median: Math.round(median(r.ms)), step_ms_min: Math.round(Math.min(...r.ms)), steps: r.ms.length, cpu_cores_used: r.cores });

// ---- one process ----
if (doTrain) {
  const r = await timeTrain(() => trainStep(model, opt, lossOnBatch, [{ batch, weight: B * (T - 1) }]));
  results.train1 = r.tokS;
  emit('train_tok_s', r.tokS, 'tok/s', { workers: 1, batch: `${B}x${T}`, optimizer: 'AdamW', warmup: WARMUP, ...stepInfo(r) });
  emit('peak_heap_mb', wasmHeapBytes() / 2 ** 20, 'MiB', { workers: 1, phase: 'train', estimate_mb: Math.round(estimateTrainHeapBytes(cfg, B, T) / 2 ** 20) });
}
if (doSample) {
  const r = await timeSample(() => sample(model, prompts, { maxNew: NEW, seed: 1, temperature: 1 }));
  results.sample1 = r.tokS;
  emit('sample_tok_s', r.tokS, 'tok/s', { workers: 1, batch: SB, prompt: PROMPT, new: NEW, kv_cache: true, run_ms: ms2(r.ms), cpu_cores_used: r.cores });
  emit('peak_heap_mb', wasmHeapBytes() / 2 ** 20, 'MiB', { workers: 1, phase: doTrain ? 'train+sample' : 'sample' });
}

function ms2(ms: number[]): number[] {
  return ms.map((x) => Math.round(x));
}

// ---- two cores: main thread + worker threads ----
if (WORKERS > 1 && !flags.has('no-parallel')) {
  const dp = await DataParallel.create(model, { workers: WORKERS });
  try {
    if (doTrain) {
      const shards = splitLossBatch(batch, WORKERS);
      const r = await timeTrain(() => dp.trainStep(opt, lossOnBatch, shards));
      results.trainN = r.tokS;
      emit('train_tok_s', r.tokS, 'tok/s', { workers: WORKERS, batch: `${B}x${T}`, optimizer: 'AdamW', ipc: 'SharedArrayBuffer', warmup: WARMUP, ...stepInfo(r) });
    }
    if (doSample) {
      const r = await timeSample(() => dp.sample(prompts, { maxNew: NEW, seed: 1, temperature: 1 }));
      results.sampleN = r.tokS;
      emit('sample_tok_s', r.tokS, 'tok/s', { workers: WORKERS, batch: SB, prompt: PROMPT, new: NEW, kv_cache: true, run_ms: ms2(r.ms), cpu_cores_used: r.cores });
    }
    const heaps = await dp.heapBytes();
    emit('peak_heap_mb', Math.max(...heaps) / 2 ** 20, 'MiB', { workers: WORKERS, per_replica_mb: heaps.map((h) => Math.round(h / 2 ** 20)) });
  } finally {
    await dp.close();
  }
}

// ---- gradient exchange cost: SharedArrayBuffer vs postMessage copy vs child-process IPC ----
if (!flags.has('no-ipc')) {
  const P = paramCount(cfg);
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

// ---- the PyTorch peer, same machine, same run ----
if (!flags.has('no-peer')) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const script = path.resolve(here, '../../shared/bench/torch_baseline.py');
  let line = '';
  let why = '';
  if (!fs.existsSync(script)) why = `peer script not found at ${script}`;
  else {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
      await quiet();
      line = execFileSync('/usr/bin/python3', [script, '1'], { encoding: 'utf8', timeout: 600_000 }).trim();
    } catch (err) {
      why = `python3 torch unavailable (${String((err as Error).message).split('\n')[0]}); install: apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread`;
    }
  }
  if (!line) {
    console.log(JSON.stringify({ name: 'peer_skipped', value: 0, unit: 'none', reason: why }));
  } else {
    const get = (k: string) => Number(new RegExp(`${k}=(\\d+)`).exec(line)?.[1] ?? NaN);
    const pt = get('train_tok_s');
    const ps = get('sample_tok_s');
    const peerCtx = { backend: 'pytorch-cpu', peer: line, idle_cores_before: idleBefore };
    console.log(JSON.stringify({ name: 'peer_train_tok_s', value: pt, unit: 'tok/s', threads: 1, ...peerCtx, load1: os.loadavg()[0] }));
    console.log(JSON.stringify({ name: 'peer_sample_tok_s', value: ps, unit: 'tok/s', threads: 1, ...peerCtx, load1: os.loadavg()[0] }));
    const ratio = (name: string, ours: number | undefined, peer: number, workers: number) => {
      if (ours !== undefined && Number.isFinite(peer)) console.log(JSON.stringify({ name, value: Math.round((ours / peer) * 1000) / 1000, unit: "x", ...ctx, workers, ours: Math.round(ours), peer, load1: os.loadavg()[0] }));
    };
    ratio('train_vs_peer', results.train1, pt, 1);
    ratio('train_vs_peer', results.trainN, pt, WORKERS);
    ratio('sample_vs_peer', results.sample1, ps, 1);
    ratio('sample_vs_peer', results.sampleN, ps, WORKERS);
  }
}
