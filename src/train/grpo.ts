// GRPO (docs/method.md, GRPO objective; The paper's settings next to ours): per step, P prompts × G rollouts from the current policy, 0/1 rewards,
// group-normalised advantages, the clipped policy-gradient loss with entropy bonus and KL to the frozen SFT model,
// μ inner updates (1 = on-policy, as the paper), optional dynamic sampling; TRL-named metrics per step to JSONL,
// greedy validation every k steps, checkpoints and an exact --resume.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { appendJsonl, writeJsonAtomic } from '../fsutil';
import { checkResume, openRunDir, runFiles, truncateMetrics, type RunRecord } from './run-dir';
import { hashString } from '../rng';
import { reward } from '../igsm/answer';
import type { ProblemRow } from '../igsm/types';
import { EOS, PAD, Tokenizer } from '../text/tokenizer';
import { initBackend } from '../model/backend';
import { addRollout, emptyMechanism, mechanismShares, verifyCompletion, type ErrorClass } from './mechanism';
import { loadCheckpoint, saveCheckpoint, weightsHash } from '../model/checkpoint';
import { configDiff } from '../model/config';
import { DataParallel } from '../model/parallel';
import { sample } from '../model/sampler';
import { scoreSequences } from '../model/score';
import { createAdamW, trainStep, type TrainStepReport } from '../model/step';
import { createTransformer, disposeTransformer, getWeights, type Transformer } from '../model/transformer';
import type { AdamW } from '../model/optim';
import { epochOrder } from './batches';
import { assertDataFitsModel, loadDataDir, tokenizerHash } from './data';
import { evaluate, GREEDY, stopTokens } from './evaluate';
import { encodePrompt } from './format';
import { grpoLoss, grpoWeight, type GrpoBatch, type GrpoCoefs, type GrpoStats } from './grpo-loss';
import { nextTurn, Progress } from './progress';
import { groupAdvantages, grpoConfig, type GrpoConfig } from './grpo-config';
export { GRPO_PRESETS, GrpoConfigSchema, grpoConfig, groupAdvantages, type GrpoConfig } from './grpo-config';

import { alphaHistogram, chanceOfProblems, informativeAboveGuess } from './alpha';
export { ALPHA_BINS, alphaBin, alphaHistogram } from './alpha';

/** One sampled group: a prompt's G rollouts with their rewards. */
export interface RolloutGroup {
  row: ProblemRow;
  prompt: number[];
  completions: number[][];
  rewards: number[];
}

/** A group as the trainer samples it: the decoded completions kept beside their tokens (rewards and metrics read them). */
type SampledGroup = RolloutGroup & { texts: string[] };

/**
 * Build right-padded micro-batches (prompt + completion) within a token budget, advantages attached.
 * skipZero (only exact when the loss has no KL and no entropy term): rollouts whose advantage is exactly 0 add nothing
 * to the gradient, so they get no micro-batch; the kept batches' loss is scaled by kept weight ÷ full weight (sequences,
 * or response tokens for token-mean), which keeps the step's mean over all rollouts (docs/method.md, The loss). With
 * nothing kept, one rollout is kept at scale 0: the optimizer still takes its (zero-gradient) step.
 */
export function rolloutBatches(
  groups: readonly RolloutGroup[],
  advantages: readonly number[][],
  coefs: GrpoCoefs,
  microTokens: number,
  skipZero = false,
): GrpoBatch[] {
  let seqs: { ids: number[]; promptLen: number; adv: number }[] = [];
  groups.forEach((g, gi) =>
    g.completions.forEach((c, ci) => seqs.push({ ids: [...g.prompt, ...c], promptLen: g.prompt.length, adv: advantages[gi][ci] })),
  );
  if (skipZero) {
    const weightOf = (s: (typeof seqs)[number]) => (coefs.aggregation === 'token-mean' ? s.ids.length - s.promptLen : 1);
    const full = seqs.reduce((a, s) => a + weightOf(s), 0);
    const kept = seqs.filter((s) => s.adv !== 0);
    const keptWeight = kept.reduce((a, s) => a + weightOf(s), 0);
    coefs = { ...coefs, lossScale: kept.length ? keptWeight / Math.max(1, full) : 0 };
    seqs = kept.length ? kept : seqs.slice(0, 1);
  }
  const out: GrpoBatch[] = [];
  let cur: typeof seqs = [];
  let len = 0;
  const flush = () => {
    if (cur.length === 0) return;
    const B = cur.length;
    const ids = new Int32Array(B * len).fill(PAD);
    const respMask = new Float32Array(B * len);
    const adv = new Float32Array(B);
    cur.forEach((s, r) => {
      ids.set(s.ids, r * len);
      for (let t = s.promptLen; t < s.ids.length; t++) respMask[r * len + t] = 1;
      adv[r] = s.adv;
    });
    out.push({ ids, batch: B, len, attn: null, respMask, adv, oldLogp: null, refLogp: null, coefs });
    cur = [];
    len = 0;
  };
  for (const s of seqs) {
    const next = Math.max(len, s.ids.length);
    if (cur.length > 0 && (cur.length + 1) * next > microTokens) flush();
    cur.push(s);
    len = Math.max(len, s.ids.length);
  }
  flush();
  return out;
}

/** Per-token log-probs of `model` on a batch, no gradient (reference and old-policy scores). */
function scoreNoGrad(model: Transformer, b: GrpoBatch, temperature: number): Float32Array {
  return tf.tidy(() => scoreSequences(model, b, { temperature }).logp.dataSync() as Float32Array).slice();
}

export interface GrpoOptions {
  /** SFT run or checkpoint: the initial policy and the frozen reference. */
  init: string;
  data: string;
  val?: string;
  out: string;
  config: GrpoConfig;
  resume?: boolean;
  force?: boolean;
  progress?: boolean;
  /** Reward function (default: the iGSM reward with the configured format bonus). Must return finite numbers. */
  rewardFn?: (completion: string, row: ProblemRow) => number;
  /** Called after each step with its metrics (e.g. live α probes). */
  onStep?: (m: GrpoMetrics) => void;
}

export interface GrpoMetrics {
  step: number;
  reward: number;
  reward_std: number;
  reward_max: number;
  reward_min: number;
  frac_reward_zero_std: number;
  /** Share of groups with 0 < α < 1 (the informative ones). */
  frac_informative: number;
  /** Share of groups with guessThreshold ≤ α < 1: informative beyond what guessing explains (src/train/alpha.ts). */
  frac_informative_above_guess: number;
  alpha: number[];
  alpha_hist: Record<string, number>;
  loss: number;
  pg_loss: number;
  kl: number;
  entropy: number;
  clip_ratio: number;
  grad_norm: number;
  lr: number;
  'completions/mean_length': number;
  'completions/max_length': number;
  'completions/clipped_ratio': number;
  'time/sampling': number;
  'time/scoring': number;
  'time/backward': number;
  sample_tok_s: number;
  /** The mechanism in this step's rollouts (src/train/mechanism.ts; iGSM reward only): share with a "not yet" step,
   * share of those answered right, and wrong rollouts by the class of their first error. */
  reflection_share?: number;
  recovery_rate?: number;
  first_error?: Record<ErrorClass, number>;
  val_accuracy?: number;
}

export interface GrpoResult {
  runDir: string;
  steps: number;
  weightsHash: string;
  valBefore: number | null;
  valAfter: number | null;
  seconds: number;
}

/** Run GRPO from an SFT checkpoint; see GrpoConfig. */
export async function runGrpo(o: GrpoOptions): Promise<GrpoResult> {
  const t0 = Date.now();
  const { lock, previous } = openRunDir(o.out, { kind: 'grpo', resume: o.resume, force: o.force });
  try {
    return await train(o, previous, t0);
  } finally {
    lock.release();
  }
}

async function train(o: GrpoOptions, previous: RunRecord | null, t0: number): Promise<GrpoResult> {
  const cfg = o.config;
  await initBackend();
  const f = runFiles(o.out);

  const initCk = loadCheckpoint(o.init, '--init');
  const tok = Tokenizer.fromJSON(initCk.tokenizer as never);
  const train = loadDataDir(o.data);
  const val = o.val ? loadDataDir(o.val, '--val') : null;
  assertDataFitsModel(train, tok, '--data', `--init ${o.init}`);
  if (val) assertDataFitsModel(val, tok, '--val', `--init ${o.init}`);
  if (cfg.promptsPerStep > train.rows.length) {
    throw new Error(`--prompts ${cfg.promptsPerStep} (prompts per step) is more than the ${train.rows.length} problems in --data ${o.data}: a step would repeat prompts`);
  }
  const inputs = { data: train.sha256, init: initCk.contentHash, val: val ? val.sha256 : 'none', tokenizer: tokenizerHash(tok) };
  if (previous) checkResume(o.out, { ...previous, config: grpoConfig(previous.config) }, { config: cfg, inputs });
  const ref = cfg.beta > 0 ? createTransformer(initCk.config, { weights: initCk.weights }, false) : null;
  const valRows = val ? (cfg.valN ? val.rows.slice(0, cfg.valN) : val.rows) : [];
  const prompts = train.rows.map((r) => encodePrompt(tok, r.query));
  const maxPrompt = Math.max(...prompts.map((p) => p.length));
  if (maxPrompt >= initCk.config.ctx) {
    throw new Error(`--data ${o.data}: a prompt has ${maxPrompt} tokens, the model context is ${initCk.config.ctx}`);
  }
  const maxNew = Math.min(cfg.maxNew, initCk.config.ctx - maxPrompt);

  let model: Transformer;
  let opt: AdamW;
  let startStep = 0;
  let cursor = 0;
  const newOpt = (m: Transformer) =>
    createAdamW(m, { lr: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, weightDecay: cfg.weightDecay, clipNorm: cfg.clipNorm, eps: 1e-8 });
  const resuming = previous !== null && fs.existsSync(f.ckpt);
  if (resuming) {
    const ck = loadCheckpoint(f.ckpt, '--resume');
    const diff = configDiff(ck.config, initCk.config);
    if (diff.length) throw new Error(`--resume ${o.out}: checkpoint shape differs from --init (${diff.join(', ')})`);
    model = createTransformer(ck.config, { weights: ck.weights });
    opt = newOpt(model);
    if (!ck.optimizer) throw new Error(`--resume ${o.out}: the checkpoint has no optimizer state`);
    opt.setState(ck.optimizer);
    const meta = ck.meta as { step: number; cursor: number };
    startStep = meta.step;
    cursor = meta.cursor;
    truncateMetrics<GrpoMetrics>(f.metrics, startStep);
  } else {
    model = createTransformer(initCk.config, { weights: initCk.weights });
    opt = newOpt(model);
    writeJsonAtomic(f.config, { kind: 'grpo', config: cfg, init: path.resolve(o.init), data: path.resolve(o.data), val: o.val ? path.resolve(o.val) : null, inputs });
    fs.rmSync(f.metrics, { force: true });
  }

  const coefs: GrpoCoefs = {
    temperature: cfg.temperature,
    beta: cfg.beta,
    klEstimator: cfg.klEstimator,
    epsLow: cfg.epsilon,
    epsHigh: cfg.epsilonHigh ?? cfg.epsilon,
    entCoef: cfg.entropyCoef,
    aggregation: cfg.aggregation,
    maxLen: maxNew,
  };
  const rewardOf =
    o.rewardFn ?? ((text: string, row: ProblemRow) => reward(text, row.answer, { formatBonus: cfg.formatBonus }));
  const stop = stopTokens(tok);
  const dp = cfg.workers > 1 ? await DataParallel.create(model, { workers: cfg.workers, lossModule: new URL('./grpo-loss.ts', import.meta.url).href, lossExport: 'grpoLoss' }) : null;
  const n = train.rows.length;
  const orderCache = new Map<number, number[]>();
  /** The k-th prompt of the seeded stream of epochs (the cursor is saved with each checkpoint). */
  const promptIndex = (k: number) => {
    const e = Math.floor(k / n);
    let ord = orderCache.get(e);
    if (!ord) {
      orderCache.clear();
      ord = epochOrder(n, cfg.seed, e);
      orderCache.set(e, ord);
    }
    return ord[k % n];
  };

  const validate = () => (valRows.length ? evaluate(model, tok, valRows, { ...GREEDY, batchSize: 64 }).accuracy : undefined);
  const save = (dir: string, step: number) =>
    saveCheckpoint(dir, { config: model.cfg, weights: getWeights(model), tokenizer: tok.toJSON(), optimizer: opt.getState(), meta: { kind: 'grpo', step, cursor } });

  const bar = new Progress('grpo', cfg.steps, o.progress);
  bar.start(startStep);
  let valBefore: number | null = null;
  let valAfter: number | null = null;
  try {
    if (startStep === 0 && cfg.evalEvery > 0) valBefore = validate() ?? null;
    for (let step = startStep; step < cfg.steps; step++) {
      await nextTurn(); // signals, IPC disconnects and timers get their turn between steps (a lone replica never awaits)
      const tSample = Date.now();
      let sampledTokens = 0;
      // sample P groups (dynamic sampling: keep only informative groups, refill with fresh prompts)
      let groups: SampledGroup[] = [];
      const all: SampledGroup[] = [];
      for (let round = 0; round <= (cfg.dynamicSampling ? cfg.maxRefills : 0); round++) {
        const want = cfg.promptsPerStep - groups.length;
        if (want <= 0) break;
        const idx = Array.from({ length: want }, (_, i) => promptIndex(cursor + i));
        cursor += want;
        const ps = idx.flatMap((i) => Array.from({ length: cfg.groupSize }, () => prompts[i]));
        const seed = (hashString(`grpo:${cfg.seed}:${step}:${round}`) | 0) >>> 0;
        const opts = { maxNew, temperature: cfg.temperature, stop, seed };
        const res = dp ? await dp.sample(ps, opts) : sample(model, ps, opts);
        const fresh = idx.map((i, k) => {
          const row = train.rows[i];
          const completions = res.tokens.slice(k * cfg.groupSize, (k + 1) * cfg.groupSize);
          const texts = completions.map((c) => tok.decode(c.filter((t) => t !== EOS)));
          const rewards = texts.map((text) => {
            const r = rewardOf(text, row);
            if (!Number.isFinite(r)) throw new Error(`reward function returned ${r} for ${row.id}; rewards must be finite`);
            return r;
          });
          for (const c of completions) sampledTokens += c.length;
          return { row, prompt: prompts[i], completions, rewards, texts };
        });
        all.push(...fresh);
        groups.push(...(cfg.dynamicSampling ? fresh.filter((g) => new Set(g.rewards).size > 1) : fresh));
      }
      if (groups.length === 0) groups = all.slice(0, cfg.promptsPerStep); // nothing informative: an all-zero-advantage step
      const timeSampling = (Date.now() - tSample) / 1000;

      const advantages = groups.map((g) => groupAdvantages(g.rewards, cfg.scaleRewards));
      const skipZero = cfg.skipZeroAdvantage && cfg.beta === 0 && cfg.entropyCoef === 0;
      const batches = rolloutBatches(groups, advantages, coefs, cfg.microTokens, skipZero);
      const tScore = Date.now();
      for (const b of batches) {
        if (ref) b.refLogp = scoreNoGrad(ref, b, cfg.temperature);
        if (cfg.mu > 1) b.oldLogp = scoreNoGrad(model, b, cfg.temperature);
      }
      const timeScoring = (Date.now() - tScore) / 1000;

      const tBack = Date.now();
      let rep: TrainStepReport = { loss: NaN, gradNorm: NaN, clipped: false, lr: cfg.lr };
      for (let inner = 0; inner < cfg.mu; inner++) {
        const shards = batches.map((b) => ({ batch: b, weight: grpoWeight(b) }));
        try {
          rep = dp ? await dp.trainStep(opt, grpoLoss, shards, cfg.lr) : trainStep(model, opt, grpoLoss, shards, cfg.lr);
        } catch (err) {
          save(f.ckpt, step);
          throw new Error(`grpo step ${step}: ${(err as Error).message}; last good state saved in ${f.ckpt}`);
        }
        if (!Number.isFinite(rep.loss)) {
          save(f.ckpt, step);
          throw new Error(`grpo step ${step}: loss is ${rep.loss}; last good state saved in ${f.ckpt}`);
        }
      }
      const timeBackward = (Date.now() - tBack) / 1000;

      // metrics (loss terms from the micro-batches this thread computed, i.e. all of them without workers)
      const st: GrpoStats = { tokens: 0, pg: 0, kl: 0, entropy: 0, clipped: 0 };
      for (const b of batches) {
        if (!b.stats) continue;
        st.tokens += b.stats.tokens;
        st.pg += b.stats.pg;
        st.kl += b.stats.kl;
        st.entropy += b.stats.entropy;
        st.clipped += b.stats.clipped;
      }
      const rewards = groups.flatMap((g) => g.rewards);
      const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
      const alpha = groups.map((g) => g.rewards.filter((r) => r >= 1).length / g.rewards.length);
      const lengths = groups.flatMap((g) => g.completions.map((c) => c.length));
      const m: GrpoMetrics = {
        step,
        reward: mean,
        reward_std: Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / rewards.length),
        reward_max: Math.max(...rewards),
        reward_min: Math.min(...rewards),
        frac_reward_zero_std: groups.filter((g) => new Set(g.rewards).size === 1).length / groups.length,
        frac_informative: alpha.filter((a) => a > 0 && a < 1).length / alpha.length,
        frac_informative_above_guess: informativeAboveGuess(alpha, cfg.groupSize, chanceOfProblems(groups.map((g) => g.row))),
        alpha,
        alpha_hist: alphaHistogram(alpha),
        loss: rep.loss,
        pg_loss: st.tokens ? st.pg / st.tokens : 0,
        kl: st.tokens ? st.kl / st.tokens : 0,
        entropy: st.tokens ? st.entropy / st.tokens : 0,
        clip_ratio: st.tokens ? st.clipped / st.tokens : 0,
        grad_norm: rep.gradNorm,
        lr: rep.lr,
        'completions/mean_length': lengths.reduce((a, b) => a + b, 0) / lengths.length,
        'completions/max_length': Math.max(...lengths),
        'completions/clipped_ratio': groups.flatMap((g) => g.completions).filter((c) => c.length >= maxNew && c[c.length - 1] !== EOS).length / lengths.length,
        'time/sampling': timeSampling,
        'time/scoring': timeScoring,
        'time/backward': timeBackward,
        sample_tok_s: sampledTokens / Math.max(1e-3, timeSampling),
      };
      if (!o.rewardFn) {
        // the texts and rewards the step already has; only the verifier's replay is new
        const counts = emptyMechanism();
        for (const g of all) g.texts.forEach((text, k) => addRollout(counts, verifyCompletion(g.row, text), g.rewards[k] >= 1));
        const mech = mechanismShares(counts);
        m.reflection_share = mech.reflectionShare;
        m.recovery_rate = mech.recoveryRate; // NaN (written as null) when no rollout reflected
        m.first_error = mech.firstError;
      }
      const last = step + 1 === cfg.steps;
      if (cfg.evalEvery > 0 && ((step + 1) % cfg.evalEvery === 0 || last)) {
        m.val_accuracy = validate();
        if (last && m.val_accuracy !== undefined) valAfter = m.val_accuracy;
      }
      appendJsonl(f.metrics, m);
      o.onStep?.(m);
      bar.update(step + 1, { reward: m.reward.toFixed(3), ...(m.val_accuracy !== undefined ? { val: m.val_accuracy.toFixed(3) } : {}) });
      if ((step + 1) % cfg.checkpointEvery === 0 && !last) save(f.ckpt, step + 1);
    }
    save(f.ckpt, cfg.steps);
    save(f.final, cfg.steps);
    const result: GrpoResult = { runDir: o.out, steps: cfg.steps, weightsHash: weightsHash(getWeights(model)), valBefore, valAfter, seconds: (Date.now() - t0) / 1000 };
    writeJsonAtomic(f.done, result);
    return result;
  } finally {
    bar.stop();
    await dp?.close();
    disposeTransformer(model);
    if (ref) disposeTransformer(ref);
  }
}
