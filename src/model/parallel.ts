// Data parallelism over both cores: tfjs-wasm runs one thread per process, so replicas live in worker threads, each
// with its own wasm instance. The main thread is replica 0; helpers receive their shards by message and exchange
// weights and gradients through SharedArrayBuffers (no copies through the message channel).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { backendInfo } from './backend.js';
import type { AdamW } from './optim.js';
import { sample, type SampleOptions, type SampleResult } from './sampler.js';
import { applyGrads, computeGrads, type Grads, type LossFn, type Shard, type TrainStepReport } from './step.js';
import { getWeights, type Transformer } from './transformer.js';
import { wasmHeapBytes } from './wasm-kernels.js';

export interface ParallelOptions {
  /** Replicas including the main thread (1 = no helpers). Default 2: one per core on this machine. */
  workers?: number;
  /**
   * Module (path or file URL) exporting the loss function the helpers run; it must compute the same loss as the
   * lossFn given to trainStep on the main thread. Default: src/model/score.ts.
   */
  lossModule?: string;
  /** Export name in lossModule. Default 'lossOnBatch'. */
  lossExport?: string;
}

/** Messages main → helper. */
export type ToWorker =
  | { type: 'grads'; version: number; shards: Shard<unknown>[] }
  | { type: 'sample'; version: number; prompts: number[][]; opts: SampleOptions }
  | { type: 'stats' }
  | { type: 'close' };

/** Messages helper → main. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'grads'; lossSum: number; weight: number }
  | { type: 'sample'; result: SampleResult }
  | { type: 'stats'; heapBytes: number }
  | { type: 'error'; message: string };

export interface WorkerInit {
  cfg: Transformer['cfg'];
  backend: string;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  lossModule: string;
  lossExport: string;
}

const here = import.meta.url;

/**
 * A worker thread running the module at `entry` (a file URL). Worker threads are plain Node threads: when this code
 * runs from its .ts sources, tsx is registered there first so the module can import them.
 */
export function moduleWorker(entry: string, options: WorkerOptions = {}): Worker {
  const tsxApi = here.endsWith('.ts') ? pathToFileURL(path.join(path.dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href : null;
  const boot = tsxApi
    ? `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`
    : `import(${JSON.stringify(entry)});`;
  return new Worker(boot, { ...options, eval: true });
}

class Helper {
  private pending: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | null = null;
  private failed: Error | null = null;

  constructor(
    readonly worker: Worker,
    readonly grads: Float32Array,
  ) {
    worker.on('message', (m: FromWorker) => {
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      if (m.type === 'error') p.reject(new Error(`parallel worker: ${m.message}`));
      else p.resolve(m);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`parallel worker exited with code ${code}`));
    });
  }

  private fail(e: Error): void {
    this.failed = e;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  /** Wait for the next reply (registered before posting, so a fast reply is never missed). */
  next(): Promise<FromWorker> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.pending) return Promise.reject(new Error('parallel worker: request already in flight'));
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  async request(msg: ToWorker): Promise<FromWorker> {
    const reply = this.next();
    this.worker.postMessage(msg);
    return reply;
  }
}

/** Round-robin assignment of items to replicas: replica r gets items r, r+n, r+2n, … */
function assign<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((x, i) => out[i % n].push(x));
  return out;
}

/** Wall-clock split of the last data-parallel step on the main thread (ms), for the profile bench. */
export interface ParallelStepTimes {
  /** Flattening the weights into the shared buffer and posting the requests. */
  publish: number;
  /** The main thread's own shards (forward, backward, gradient readout). */
  compute: number;
  /** Waiting for the helpers after the main thread's share was done (idle main thread). */
  wait: number;
  /** Summing the helpers' gradients and normalising. */
  reduce: number;
  /** AdamW and writing the new weights back (trainStep only; 0 for computeGrads). */
  apply: number;
}

export class DataParallel {
  private version = 0;
  private closed = false;
  /** Timings of the last computeGrads / trainStep. */
  lastTimes: ParallelStepTimes = { publish: 0, compute: 0, wait: 0, reduce: 0, apply: 0 };

  private constructor(
    readonly model: Transformer,
    private readonly helpers: Helper[],
    private readonly weights: Float32Array,
  ) {}

  /** Replicas including the main thread. */
  get replicas(): number {
    return this.helpers.length + 1;
  }

  /** Start helpers holding copies of `model` (its config; weights are synced before every call). */
  static async create(model: Transformer, opts: ParallelOptions = {}): Promise<DataParallel> {
    const n = opts.workers ?? 2;
    if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`workers must be an integer in [1, 16] (got ${n})`);
    const info = backendInfo();
    if (!info) throw new Error('DataParallel.create: call initBackend() first');
    const P = model.size;
    const wsab = new SharedArrayBuffer(4 * P);
    const weights = new Float32Array(wsab);
    const entry = new URL(here.endsWith('.ts') ? './parallel-worker.ts' : './parallel-worker.js', here).href;
    const lossModule = opts.lossModule ? toUrl(opts.lossModule) : new URL(here.endsWith('.ts') ? './score.ts' : './score.js', here).href;
    const helpers: Helper[] = [];
    try {
      for (let i = 1; i < n; i++) {
        const gsab = new SharedArrayBuffer(4 * P);
        const init: WorkerInit = { cfg: model.cfg, backend: info.name, weights: wsab, grads: gsab, lossModule, lossExport: opts.lossExport ?? 'lossOnBatch' };
        const worker = moduleWorker(entry, { workerData: init });
        const h = new Helper(worker, new Float32Array(gsab));
        helpers.push(h);
        const ready = await h.next();
        if (ready.type !== 'ready') throw new Error('parallel worker: unexpected first message');
      }
    } catch (err) {
      await Promise.all(helpers.map((h) => h.worker.terminate()));
      throw err;
    }
    return new DataParallel(model, helpers, weights);
  }

  /** Publish the main model's current weights to the helpers (they reload when the version changes). */
  private publish(): number {
    this.weights.set(getWeights(this.model));
    return ++this.version;
  }

  private check(): void {
    if (this.closed) throw new Error('DataParallel: already closed');
  }

  /**
   * Gradient of the weighted-mean loss over all shards; shards are spread round-robin over the replicas and each
   * replica accumulates its own. `lossFn` runs on the main thread; helpers run lossModule's export (the same loss).
   */
  async computeGrads<B>(lossFn: LossFn<B>, shards: readonly Shard<B>[]): Promise<Grads> {
    this.check();
    if (shards.length === 0) throw new Error('DataParallel.computeGrads: no shards');
    const t0 = performance.now();
    const version = this.publish();
    const parts = assign(shards, this.replicas);
    const replies = this.helpers.map((h, i) =>
      parts[i + 1].length ? h.request({ type: 'grads', version, shards: parts[i + 1] as Shard<unknown>[] }) : null,
    );
    const t1 = performance.now();
    // replica 0: the main thread works while the helpers do
    const P = this.model.size;
    const sum = new Float32Array(P);
    let lossSum = 0;
    let weight = 0;
    await settleOnError(replies, () => {
      for (const s of parts[0]) {
        const g = computeGrads(this.model, lossFn, s.batch);
        for (let i = 0; i < P; i++) sum[i] += s.weight * g.grads[i];
        lossSum += s.weight * g.loss;
        weight += s.weight;
      }
    });
    const t2 = performance.now();
    const done = await allReplies(replies);
    const t3 = performance.now();
    for (let i = 0; i < done.length; i++) {
      const r = done[i] as Extract<FromWorker, { type: 'grads' }> | null;
      if (!r) continue;
      const g = this.helpers[i].grads;
      for (let j = 0; j < P; j++) sum[j] += g[j];
      lossSum += r.lossSum;
      weight += r.weight;
    }
    if (!(weight > 0)) throw new Error('shard weights must sum to a positive number');
    for (let i = 0; i < P; i++) sum[i] /= weight;
    this.lastTimes = { publish: t1 - t0, compute: t2 - t1, wait: t3 - t2, reduce: performance.now() - t3, apply: 0 };
    return { loss: lossSum / weight, grads: sum, weight };
  }

  /** Data-parallel gradients and one AdamW update of the main model (helpers pick the weights up next call). */
  async trainStep<B>(opt: AdamW, lossFn: LossFn<B>, shards: readonly Shard<B>[], lr?: number): Promise<TrainStepReport> {
    const g = await this.computeGrads(lossFn, shards);
    const t0 = performance.now();
    const rep = applyGrads(this.model, opt, g.grads, lr);
    this.lastTimes.apply = performance.now() - t0;
    return { loss: g.loss, ...rep };
  }

  /**
   * Sample with the prompts split into contiguous blocks, one per replica; per-row random streams (rowOffset) make
   * the result identical to a single-process sample() with the same seed.
   */
  async sample(prompts: readonly (readonly number[])[], opts: SampleOptions): Promise<SampleResult> {
    this.check();
    const version = this.publish();
    const n = Math.min(this.replicas, prompts.length);
    const base = opts.rowOffset ?? 0;
    const size = Math.ceil(prompts.length / Math.max(n, 1));
    const blocks = Array.from({ length: n }, (_, i) => ({ start: i * size, rows: prompts.slice(i * size, (i + 1) * size).map((p) => [...p]) }));
    const replies = blocks.slice(1).map((b, i) =>
      b.rows.length ? this.helpers[i].request({ type: 'sample', version, prompts: b.rows, opts: { ...opts, rowOffset: base + b.start } }) : null,
    );
    let mine: SampleResult = { tokens: [], logprobs: [], finish: [] };
    await settleOnError(replies, () => {
      if (blocks.length) mine = sample(this.model, blocks[0].rows, { ...opts, rowOffset: base });
    });
    const out: SampleResult = { tokens: [...mine.tokens], logprobs: [...mine.logprobs], finish: [...mine.finish] };
    for (const r of await allReplies(replies)) {
      if (!r) continue;
      const { result } = r as Extract<FromWorker, { type: 'sample' }>;
      out.tokens.push(...result.tokens);
      out.logprobs.push(...result.logprobs);
      out.finish.push(...result.finish);
    }
    return out;
  }

  /** Wasm heap size (= its peak) of every replica, main thread first; 0 where the backend is not wasm. */
  async heapBytes(): Promise<number[]> {
    this.check();
    const rs = await allReplies(this.helpers.map((h) => h.request({ type: 'stats' })));
    return [wasmHeapBytes(), ...rs.map((r) => (r as Extract<FromWorker, { type: 'stats' }>).heapBytes)];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.helpers.map(async (h) => {
        h.worker.postMessage({ type: 'close' } satisfies ToWorker);
        await h.worker.terminate();
      }),
    );
  }
}

/** Every helper's reply (null where none was asked); the first failure is thrown after all have settled. */
async function allReplies(replies: (Promise<FromWorker> | null)[]): Promise<(FromWorker | null)[]> {
  const settled = await Promise.allSettled(replies.map((r) => r ?? Promise.resolve(null)));
  const bad = settled.find((s) => s.status === 'rejected');
  if (bad) throw (bad as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<FromWorker | null>).value);
}

/** Run the main thread's share; if it throws, wait for the helpers' replies first so none is left in flight. */
async function settleOnError(replies: (Promise<FromWorker> | null)[], work: () => void): Promise<void> {
  try {
    work();
  } catch (err) {
    await Promise.allSettled(replies.filter((r) => r !== null));
    throw err;
  }
}

function toUrl(p: string): string {
  return /^[a-z]+:\/\//i.test(p) ? p : pathToFileURL(p).href;
}
