// Supervised fine-tuning (docs/method.md, SFT): AdamW with decoupled decay, clipping, constant or warmup+cosine LR, micro-batches
// with gradient accumulation under the wasm heap cap, loss on all tokens (paper) or the response, epochs over a data
// directory, JSONL metrics, checkpoints every N steps, and --resume that reaches the same final weights.
import fs from 'node:fs';
import path from 'node:path';
import { appendJsonl, writeJsonAtomic } from '../fsutil';
import { checkResume, openRunDir, runFiles, truncateMetrics, type RunRecord } from './run-dir';
import { DivergenceGuard } from './divergence';

export { runFiles } from './run-dir';
import { Tokenizer } from '../text/tokenizer';
import { canonicalTokenizer } from '../text/vocab';
import { initBackend } from '../model/backend';
import { modelConfig, planTrainMicroBatches, type ModelConfig } from '../model/config';
import { createTransformer, disposeTransformer, getWeights, type Transformer } from '../model/transformer';
import { lossOnBatch, lossTokens, type LossBatch } from '../model/score';
import { createAdamW, trainStep, type TrainStepReport } from '../model/step';
import { DataParallel } from '../model/parallel';
import type { AdamW, AdamWState } from '../model/optim';
import { loadCheckpoint, saveCheckpoint, weightsHash } from '../model/checkpoint';
import { epochOrder, splitMicroBatches } from './batches';
import { assertDataFitsModel, encodeRows, loadDataDir, tokenizerHash } from './data';
import { drillExamples } from './drill';
import { learningRate } from './schedule';
import { comparableSftConfig, sftConfig, type SftConfig } from './sft-config';

export { sftConfig, SftConfigSchema, type SftConfig } from './sft-config';
import { nextTurn, Progress } from './progress';

export interface SftOptions {
  data: string;
  /** 'scratch' or a checkpoint directory (e.g. the shipped base model, or another run's final/). */
  init: string;
  out: string;
  config: SftConfig;
  /** Continue a killed run from its last checkpoint. */
  resume?: boolean;
  /** Overwrite a finished or existing run. */
  force?: boolean;
  /** Show a progress bar (default: when stderr is a TTY). */
  progress?: boolean;
  /** Called after each optimizer step (e.g. a parent process's combined progress display). */
  onStep?: (step: number, totalSteps: number, loss: number) => void;
  /** Called after each periodic checkpoint is written (step = optimizer steps done; dir holds that state). */
  onCheckpoint?: (step: number, dir: string, tokensSeen: number) => void | Promise<void>;
}

export interface SftResult {
  runDir: string;
  steps: number;
  finalLoss: number;
  weightsHash: string;
  tokensSeen: number;
  seconds: number;
}

interface GoodState {
  weights: Float32Array;
  optimizer: AdamWState;
}

interface MetricRow {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number;
  tokPerSec: number;
}

/** Run SFT to the end (or continue a killed run with `resume`). */
export async function runSft(o: SftOptions): Promise<SftResult> {
  const t0 = Date.now();
  const cfg = sftConfig(o.config);
  const { lock, previous } = openRunDir(o.out, { kind: 'sft', resume: o.resume, force: o.force });
  try {
    return await train(o, cfg, previous, t0);
  } finally {
    lock.release();
  }
}

async function train(o: SftOptions, cfg: SftConfig, previous: RunRecord | null, t0: number): Promise<SftResult> {
  await initBackend();
  const f = runFiles(o.out);
  const data = loadDataDir(o.data);

  // where the weights and tokenizer start from, and the identity of every input
  const initCk = o.init === 'scratch' ? null : loadCheckpoint(o.init, '--init');
  const tok = initCk ? Tokenizer.fromJSON(initCk.tokenizer as never) : canonicalTokenizer(data.arith);
  if (initCk) assertDataFitsModel(data, tok, '--data', `--init ${o.init}`);
  const inputs = { data: data.sha256, init: initCk ? initCk.contentHash : 'scratch', tokenizer: tokenizerHash(tok) };
  if (previous) checkResume(o.out, { ...previous, config: comparableSftConfig(previous.config) }, { config: comparableSftConfig(cfg), inputs });
  const mc: ModelConfig = initCk ? initCk.config : modelConfig({ ...cfg.model, vocab: tok.size, dropout: 0 });
  const examples = encodeRows(data, tok, mc.ctx, cfg.format);
  if (cfg.drill && cfg.drill.every > 0) {
    if (cfg.format === 'sft') throw new Error('drill: arithmetic drills belong to the terse pretraining formats, not to SFT answers');
    for (const ex of drillExamples(tok, examples.length, cfg.drill, cfg.seed)) {
      if (ex.ids.length > mc.ctx) throw new Error(`drill.facts: ${cfg.drill.facts} facts make ${ex.ids.length} tokens, more than the model context ctx=${mc.ctx}`);
      examples.push(ex);
    }
  }
  // a model that cannot fit the wasm heap fails here with its size, not later with "Invalid typed array length"
  // a loop, not Math.max(...): a spread of a 100,000-example corpus overflows the call stack
  planTrainMicroBatches(mc, 1, examples.reduce((m, e) => Math.max(m, e.ids.length), 0));

  let model: Transformer;
  const opt = (m: Transformer) =>
    createAdamW(m, { lr: cfg.schedule.lr, beta1: cfg.beta1, beta2: cfg.beta2, weightDecay: cfg.weightDecay, clipNorm: cfg.clipNorm, eps: 1e-8 });
  let startStep = 0;
  let optimizer: AdamW;
  const resuming = previous !== null && fs.existsSync(f.ckpt);
  if (resuming) {
    const ck = loadCheckpoint(f.ckpt, '--resume');
    model = createTransformer(ck.config, { weights: ck.weights });
    optimizer = opt(model);
    if (!ck.optimizer) throw new Error(`--resume ${o.out}: the checkpoint has no optimizer state`);
    optimizer.setState(ck.optimizer);
    startStep = ck.optimizer.step;
  } else {
    model = initCk ? createTransformer(mc, { weights: initCk.weights }) : createTransformer(mc, { seed: cfg.seed });
    optimizer = opt(model);
    // the model records the shape actually trained: with --init that is the checkpoint's, whatever the preset says
    writeJsonAtomic(f.config, { kind: 'sft', config: cfg, data: path.resolve(o.data), init: o.init === 'scratch' ? 'scratch' : path.resolve(o.init), model: mc, inputs });
    fs.rmSync(f.metrics, { force: true });
  }

  const n = examples.length;
  const stepsPerEpoch = Math.ceil(n / cfg.batchSize);
  const totalSteps = Math.min(cfg.maxSteps ?? Infinity, cfg.epochs * stepsPerEpoch);
  let tokensBefore = 0;
  const guard = new DivergenceGuard(cfg.divergence);
  // metrics beyond the checkpoint belong to steps that will be recomputed; the kept ones replay into the guard
  if (resuming && fs.existsSync(f.metrics)) {
    const kept = truncateMetrics<MetricRow>(f.metrics, startStep);
    tokensBefore = kept.reduce((a, m) => a + m.tokens, 0);
    for (const m of kept) guard.push(m.step, m.loss);
  }

  const kind = cfg.format === 'sft' ? 'sft' : 'pretrain';
  const save = (dir: string, state: GoodState = { weights: getWeights(model), optimizer: optimizer.getState() }) =>
    saveCheckpoint(dir, { config: model.cfg, weights: state.weights, tokenizer: tok.toJSON(), optimizer: state.optimizer, meta: { kind, step: state.optimizer.step } });
  /** The state after the latest step whose smoothed loss was a running minimum (what a divergence stop saves). */
  let good: GoodState | null = null;

  const dp = cfg.workers > 1 ? await DataParallel.create(model, { workers: cfg.workers }) : null;
  const bar = new Progress('sft', totalSteps, o.progress);
  bar.start(startStep);
  let lastLoss = NaN;
  let tokensSeen = tokensBefore;
  let order: number[] = [];
  let orderEpoch = -1;
  try {
    for (let step = startStep; step < totalSteps; step++) {
      await nextTurn(); // signals, IPC disconnects and timers get their turn between steps (a lone replica never awaits)
      const epoch = Math.floor(step / stepsPerEpoch);
      if (epoch !== orderEpoch) {
        order = epochOrder(n, cfg.seed, epoch);
        orderEpoch = epoch;
      }
      const b = step % stepsPerEpoch;
      const batch = order.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize).map((i) => examples[i]);
      const micro = splitMicroBatches(batch, cfg.microTokens, cfg.lossOn, model.cfg.ctx, dp?.replicas ?? 1);
      const shards = micro.map((mb) => ({ batch: mb, weight: lossTokens(mb) }));
      const lr = learningRate(cfg.schedule, step, totalSteps);
      const ts = Date.now();
      let rep: TrainStepReport;
      const lossFn = (m: Transformer, mb: LossBatch) => lossOnBatch(m, mb);
      try {
        rep = dp ? await dp.trainStep(optimizer, lossFn, shards, lr) : trainStep(model, optimizer, lossFn, shards, lr);
      } catch (err) {
        save(f.ckpt); // the weights are untouched by the failed update: keep the last good state
        throw new Error(`sft step ${step}: ${(err as Error).message}; last good state saved in ${f.ckpt}`);
      }
      if (!Number.isFinite(rep.loss)) {
        save(f.ckpt);
        throw new Error(`sft step ${step}: loss is ${rep.loss}; last good state saved in ${f.ckpt}`);
      }
      const tokens = micro.reduce((a, mb) => a + mb.batch * mb.len, 0);
      tokensSeen += tokens;
      lastLoss = rep.loss;
      appendJsonl(f.metrics, {
        step,
        epoch,
        loss: rep.loss,
        lr,
        gradNorm: rep.gradNorm,
        tokens,
        tokPerSec: tokens / Math.max(1e-3, (Date.now() - ts) / 1000),
      } satisfies MetricRow);
      const verdict = guard.push(step, rep.loss);
      if (verdict.stop) {
        if (good) save(f.ckpt, good);
        const kept = good ? `the state after step ${good.optimizer.step - 1} is saved in ${f.ckpt}` : `${f.ckpt} keeps the last checkpoint`;
        throw new Error(`sft step ${step}: ${verdict.stop}; ${kept} (--no-divergence-guard turns this check off)`);
      }
      // one copy per guard window at most: a good state a few steps old is as good and costs a window's fraction
      if (verdict.best && (!good || step + 1 - good.optimizer.step >= cfg.divergence.window)) good = { weights: getWeights(model), optimizer: optimizer.getState() };
      bar.update(step + 1, { loss: rep.loss.toFixed(4) });
      o.onStep?.(step + 1, totalSteps, rep.loss);
      if ((step + 1) % cfg.checkpointEvery === 0 && step + 1 < totalSteps) {
        save(f.ckpt);
        await o.onCheckpoint?.(step + 1, f.ckpt, tokensSeen);
      }
    }
    save(f.ckpt);
    save(f.final);
    const hash = weightsHash(getWeights(model));
    const result: SftResult = { runDir: o.out, steps: totalSteps, finalLoss: lastLoss, weightsHash: hash, tokensSeen, seconds: (Date.now() - t0) / 1000 };
    writeJsonAtomic(f.done, result);
    return result;
  } finally {
    bar.stop();
    await dp?.close();
    disposeTransformer(model);
  }
}
