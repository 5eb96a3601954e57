// What two cores give training, and where data parallelism loses it: per shape of bench/shapes.ts, training tok/s of
// (1) one replica alone, (2) two independent replicas as threads of one process, (3) two independent replicas as
// separate processes, and (4) DataParallel with two workers splitting each batch, as the trainers run it. Independent
// replicas synchronise nothing, so (2) and (3) bound what (4) can reach on this machine. One JSON line per measurement:
// {"name":"scaling","shape","mode","tok_s","replicas":[…],"vs_one"}.
//   npx tsx bench/scaling.ts [--shape=spec,sft] [--steps=15]
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initBackend } from '../src/model/backend.js';
import { DataParallel, moduleWorker } from '../src/model/parallel.js';
import { lossOnBatch } from '../src/model/score.js';
import { createAdamW, trainStep } from '../src/model/step.js';
import { createTransformer, disposeTransformer } from '../src/model/transformer.js';
import { workloads, type Workload } from './shapes.js';

const here = fileURLToPath(import.meta.url);
const flags = new Map(process.argv.slice(2).map((a) => /^--([^=]+)=(.*)$/.exec(a)?.slice(1, 3) as [string, string]).filter(Boolean));
const STEPS = Number(flags.get('steps') ?? 15);
if (!Number.isInteger(STEPS) || STEPS < 1) throw new Error(`--steps must be a positive integer (got ${flags.get('steps')})`);

/** One independent replica: warm up, wait for "go" (so replicas start together), time STEPS steps, report tok/s. */
async function replica(shape: string, onReady: () => void, go: Promise<void>): Promise<number> {
  await initBackend();
  const w = workloads(shape)[0];
  const model = createTransformer(w.cfg, { seed: 0 });
  const opt = createAdamW(model, { lr: 3e-4 });
  const shards = w.shards(1);
  for (let i = 0; i < 3; i++) trainStep(model, opt, lossOnBatch, shards);
  onReady();
  await go;
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) trainStep(model, opt, lossOnBatch, shards);
  const tokS = (w.trainTokens * STEPS) / ((performance.now() - t0) / 1000);
  disposeTransformer(model);
  return tokS;
}

// as a child process or a worker thread: run one replica and talk over the channel it was started with
const role = process.env.BRIDGE_SCALING_ROLE;
if (role) {
  const { parentPort } = await import('node:worker_threads');
  const send = (m: unknown) => (parentPort ? parentPort.postMessage(m) : process.send!(m));
  const go = new Promise<void>((r) => (parentPort ? parentPort.once('message', () => r()) : process.once('message', () => r())));
  const tokS = await replica(role, () => send('ready'), go);
  send(tokS);
  if (!parentPort) process.disconnect();
} else {
  await initBackend();
  const round = (x: number) => Math.round(x);

  /** Start n replicas (threads or processes), release them together, collect each one's tok/s. */
  async function independent(shape: string, n: number, kind: 'thread' | 'process'): Promise<number[]> {
    const env = { ...process.env, BRIDGE_SCALING_ROLE: shape };
    const chans =
      kind === 'thread'
        ? Array.from({ length: n }, () => {
            const w = moduleWorker(pathToFileURL(here).href, { env });
            return { on: (f: (m: unknown) => void) => w.once('message', f), send: (m: unknown) => w.postMessage(m), end: () => w.terminate() };
          })
        : Array.from({ length: n }, () => {
            const c = spawn(process.execPath, ['--import', 'tsx', here], { env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
            return { on: (f: (m: unknown) => void) => c.once('message', f), send: (m: unknown) => c.send(m as never), end: () => c.kill() };
          });
    const next = () => chans.map((c) => new Promise<unknown>((r) => c.on(r)));
    await Promise.all(next());
    const results = next();
    chans.forEach((c) => c.send('go'));
    const out = (await Promise.all(results)) as number[];
    await Promise.all(chans.map((c) => c.end()));
    return out;
  }

  async function dataParallel(w: Workload): Promise<number> {
    const model = createTransformer(w.cfg, { seed: 0 });
    const opt = createAdamW(model, { lr: 3e-4 });
    const dp = await DataParallel.create(model, { workers: 2 });
    try {
      const shards = w.shards(2);
      for (let i = 0; i < 3; i++) await dp.trainStep(opt, lossOnBatch, shards);
      const t0 = performance.now();
      for (let i = 0; i < STEPS; i++) await dp.trainStep(opt, lossOnBatch, shards);
      return (w.trainTokens * STEPS) / ((performance.now() - t0) / 1000);
    } finally {
      await dp.close();
      disposeTransformer(model);
    }
  }

  for (const w of workloads(flags.get('shape'))) {
    const one = (await independent(w.name, 1, 'process'))[0];
    const emit = (mode: string, replicas: number[]) => {
      const tokS = replicas.reduce((a, b) => a + b, 0);
      console.log(JSON.stringify({ name: 'scaling', shape: w.name, mode, tok_s: round(tokS), replicas: replicas.map(round), vs_one: Math.round((tokS / one) * 100) / 100, steps: STEPS, load1: Math.round(os.loadavg()[0] * 100) / 100 }));
    };
    emit('one replica', [one]);
    emit('two independent threads', await independent(w.name, 2, 'thread'));
    emit('two independent processes', await independent(w.name, 2, 'process'));
    emit('DataParallel, 2 workers', [await dataParallel(w)]);
  }
}
