// A simple per-stage cost model for `bridge reproduce`: token counts from the task sizes, seconds per token from the
// model size (calibrated on this project's 2-core machine, wasm backend), and a list-scheduling simulation of the
// DAG on the worker pool for the wall time. It is an estimate to print before a run, not a promise; meta.json keeps
// it next to the measured times so the constants can be recalibrated.
import { paramCount } from '../model/config';
import { nativeBlas } from '../model/native-blas';
import { KEY_METHODS, type Plan, type StageSpec } from './definitions';
import type { Preset } from './presets';

/** Calibration constants (seconds) for the wasm backend's XNNPACK path. Adjust from meta.json's estimated vs measured
 * cost: last set from a quick run on the regime task (op 4 from the base model, 2026-12-07), where every stage kind ran
 * ≈ 0.45× the earlier constants. */
export const COST_XNNPACK = {
  /** Starting a worker process (tsx + tfjs-wasm). */
  workerStart: 3,
  /** Stage overhead: loading data and checkpoints, the stage's own imports. */
  stageStart: 0.5,
  /** Training, per padded token: a + b·params (forward + backward + AdamW). */
  trainTokA: 2.4e-5,
  trainTokB: 2.2e-10,
  /** Per optimizer step (AdamW over the weights, batching). */
  trainStep: 0.025,
  /** Per GRPO step beyond sampling and training (grouping, rewards, reference bookkeeping, metrics). */
  grpoStep: 0.5,
  /** Sampling, per decode step of a batch: c + rows·(a + b·params). */
  decodeStep: 1.35e-3,
  decodeRowA: 4.5e-6,
  decodeRowB: 1e-10,
  /** Generating problems, per problem (incl. the de-duplication retries). */
  genProblem: 2e-4,
};

/** With the native addon's OpenBLAS products and attention (docs/toolchain.md, Native matrix products): the same quick
 * run on the idle machine took SFT 0.37×, evaluation 0.61× and probes 0.64× of the XNNPACK constants' estimate. */
export const COST_OPENBLAS = {
  ...COST_XNNPACK,
  trainTokA: 0.37 * COST_XNNPACK.trainTokA,
  trainTokB: 0.37 * COST_XNNPACK.trainTokB,
  trainStep: 0.37 * COST_XNNPACK.trainStep,
  grpoStep: 0.6 * COST_XNNPACK.grpoStep,
  decodeStep: 0.6 * COST_XNNPACK.decodeStep,
  decodeRowA: 0.6 * COST_XNNPACK.decodeRowA,
  decodeRowB: 0.6 * COST_XNNPACK.decodeRowB,
};

let chosen: typeof COST_XNNPACK | null = null;

/** The constants of the path this machine's stages will take (the addon loads here, or not). */
export function costConstants(): typeof COST_XNNPACK {
  return (chosen ??= nativeBlas() ? COST_OPENBLAS : COST_XNNPACK);
}

const VOCAB_GUESS = 400;

/** Typical token counts of the task: prompt, and answer at `ops` operations (compact mod23 measured; english ≈ 3×). */
function taskTokens(t: Preset['task'], ops: number): { prompt: number; answer: number } {
  const scale = t.surface === 'english' ? 3 : 1;
  // questions without distractor sentences state only the needed nodes: ≈ 8 tokens per operation (docs/regime.md, section 1)
  return { prompt: (t.distractors ? 95 : 8 * ops) * scale, answer: (15 + 18 * ops) * scale };
}

function meanOps([lo, hi]: readonly [number, number]): number {
  return lo + (hi - lo) / 3; // the generator takes the min of two uniform draws
}

export interface CostEstimate {
  /** Seconds per stage id (one core). */
  perStage: Map<string, number>;
  /** Core-seconds per stage kind. */
  byKind: Record<string, number>;
  /** Simulated wall time on `jobs` workers. */
  wallSeconds: number;
  jobs: number;
}

export function estimateStage(s: StageSpec, preset: Preset, plan: Plan): number {
  const C = costConstants();
  const t = preset.task;
  const P = paramCount({ ...preset.sft.model, vocab: VOCAB_GUESS, dropout: 0 } as never);
  const trainTok = C.trainTokA + C.trainTokB * P;
  const decode = (rows: number, steps: number, batch: number) => {
    let sec = 0;
    for (let left = rows; left > 0; left -= batch) sec += steps * (C.decodeStep + Math.min(batch, left) * (C.decodeRowA + C.decodeRowB * P));
    return sec;
  };
  const sftTok = taskTokens(t, meanOps(t.sftOps));
  // an answer runs to the stop token once learned; an untrained model runs to maxNew
  const genLen = (ops: number, maxNew: number) => Math.min(maxNew, 1.3 * taskTokens(t, ops).answer);
  switch (s.kind) {
    case 'splits':
      return C.stageStart + C.genProblem * (t.nSft + t.nRlTrain + t.nRlVal + 2 * t.nTest);
    case 'data':
      return C.stageStart + 5 * C.genProblem * t.nSft;
    case 'sft': {
      const v = (plan.byId.get(s.deps.data)?.config.variant ?? { kind: 'behaviour', k: 1, knobs: {} }) as { kind: string; k: number; knobs: { reflect?: number; analysis?: number; subgoal?: boolean } };
      const rowsPerProblem = v.kind === 'behaviour' ? 1 : v.k;
      const answerFactor = v.knobs.reflect || v.knobs.analysis || v.knobs.subgoal ? 1.1 : 1;
      const rows = t.nSft * rowsPerProblem;
      const steps = Math.min(preset.sft.maxSteps ?? Infinity, preset.sft.epochs * Math.ceil(rows / preset.sft.batchSize));
      const tokens = steps * preset.sft.batchSize * 1.3 * (sftTok.prompt + answerFactor * sftTok.answer);
      return C.stageStart + tokens * trainTok + steps * C.trainStep;
    }
    case 'eval-sft':
    case 'eval-rft': {
      const e = preset.eval;
      return C.stageStart + decode(t.nTest, genLen(t.idOp, e.maxNew), e.batchSize) + decode(t.nTest, genLen(t.oodOp, e.maxNew), e.batchSize);
    }
    case 'grpo': {
      const g = preset.grpo;
      const rows = g.promptsPerStep * g.groupSize;
      const len = genLen(meanOps(t.sftOps), g.maxNew);
      const sample = decode(rows, len, rows);
      // policy forward/backward on the sampled sequences, plus reference scoring (forward only) when β > 0; with the
      // zero-advantage skip about half the rollouts (the groups with α ∈ {0, 1}) have no backward pass
      const skip = g.skipZeroAdvantage && g.beta === 0 && g.entropyCoef === 0 ? 0.5 : 1;
      const train = ((g.beta > 0 ? 0.5 : 0) + skip) * rows * (sftTok.prompt + len) * trainTok;
      const vals = g.evalEvery > 0 ? Math.floor(g.steps / g.evalEvery) + 2 : 0;
      const valRows = g.valN ?? t.nRlVal;
      const [vlo, vhi] = t.rlValOps ?? t.sftOps;
      return C.stageStart + g.steps * (sample + train + C.trainStep + C.grpoStep) + vals * decode(valRows, genLen(meanOps([vlo, vhi]), g.maxNew), 64);
    }
    case 'probe': {
      const p = preset.probe;
      const len = genLen(meanOps(t.sftOps), p.alpha.maxNew);
      const sample = decode(p.alpha.n * p.alpha.samples, len, 256) + decode(p.influence.targetN * p.influence.targetSamples, len, 256);
      // per-sequence gradients: the targets, and half the probe queries (the informative ones) × their rollouts
      const seqs = p.influence.targetN * p.influence.targetSamples + 0.5 * p.influence.n * p.alpha.samples;
      return C.stageStart + sample + seqs * (sftTok.prompt + len) * trainTok * 1.5;
    }
  }
}

/** Estimate every stage and the wall time of the DAG on `jobs` workers (greedy list scheduling in plan order). */
export function estimateCost(plan: Plan, preset: Preset, jobs: number, skip: ReadonlySet<string> = new Set()): CostEstimate {
  const C = costConstants();
  const perStage = new Map<string, number>();
  const byKind: Record<string, number> = {};
  for (const s of plan.stages) {
    const sec = skip.has(s.id) ? 0 : estimateStage(s, preset, plan);
    perStage.set(s.id, sec);
    byKind[s.kind] = (byKind[s.kind] ?? 0) + sec;
  }
  const finish = new Map<string, number>();
  const free = Array.from({ length: Math.max(1, jobs) }, () => (skip.size === plan.stages.length ? 0 : C.workerStart));
  const pending = [...plan.stages];
  while (pending.length) {
    // the first stage (plan order) whose inputs are finished soonest
    let best = 0;
    let bestReady = Infinity;
    pending.forEach((s, i) => {
      const ready = Math.max(0, ...Object.values(s.deps).map((d) => finish.get(d) ?? Infinity));
      if (ready < bestReady) {
        bestReady = ready;
        best = i;
      }
    });
    const s = pending.splice(best, 1)[0];
    free.sort((a, b) => a - b);
    const start = Math.max(free[0], bestReady);
    free[0] = start + perStage.get(s.id)!;
    finish.set(s.id, free[0]);
  }
  return { perStage, byKind, wallSeconds: Math.max(0, ...finish.values()), jobs };
}

const mins = (s: number) => (s >= 36_000 ? `${(s / 3600).toFixed(0)} h` : s >= 600 ? `${(s / 60).toFixed(0)} min` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

/** One paragraph for the terminal: what will run and what it should cost. */
export function formatEstimate(preset: Preset, plan: Plan, est: CostEstimate, reused: number): string {
  const kinds = Object.entries(est.byKind)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${mins(v)}`)
    .join(', ');
  const methods = new Set(plan.stages.filter((s) => s.kind === 'sft').map((s) => s.method)).size;
  return (
    `preset ${preset.name}: ${plan.stages.length} stages (${methods} SFT data sets × ${preset.seeds.length} seed${preset.seeds.length > 1 ? 's' : ''}` +
    `${preset.keySeeds.length ? ` + ${preset.keySeeds.length} more for ${KEY_METHODS.join(' and ')}` : ''})` +
    `${reused ? `, ${reused} already finished` : ''}; estimated ${mins(est.wallSeconds)} wall on ${est.jobs} job${est.jobs > 1 ? 's' : ''}` +
    ` (one-core time: ${kinds || 'nothing to run'})` +
    (preset.budgetMinutes !== null && est.wallSeconds > 60 * preset.budgetMinutes ? `; OVER this preset's budget of ${preset.budgetMinutes} min` : '')
  );
}

/** The longest chain of the DAG in estimated seconds: the wall time when every ready stage runs at once. */
export function criticalPath(plan: Plan, est: CostEstimate): { seconds: number; stages: StageSpec[] } {
  const finish = new Map<string, { at: number; prev: string | null }>();
  for (const s of plan.stages) {
    // plan order is dependency order: every input is already in `finish`
    let prev: string | null = null;
    let start = 0;
    for (const d of Object.values(s.deps)) {
      const f = finish.get(d)!;
      if (f.at > start || prev === null) [start, prev] = [f.at, d];
    }
    finish.set(s.id, { at: start + (est.perStage.get(s.id) ?? 0), prev });
  }
  let end: string | null = null;
  for (const [id, f] of finish) if (end === null || f.at > finish.get(end)!.at) end = id;
  const chain: StageSpec[] = [];
  for (let id = end; id !== null; id = finish.get(id)!.prev) chain.unshift(plan.byId.get(id)!);
  return { seconds: end === null ? 0 : finish.get(end)!.at, stages: chain };
}

/**
 * What --estimate adds to the one-paragraph estimate: per stage kind the stages left to run, their estimated time each
 * and the resources each gets (`resources`: the Slurm request and its time limit; absent: one local worker process),
 * then the critical path — the wall time on an unlimited cluster.
 */
export function formatStagePlan(plan: Plan, est: CostEstimate, finished: ReadonlySet<string>, resources?: (kind: StageSpec['kind']) => { text: string; limitSeconds: number }): string {
  const lines = ['per stage kind (stages left to run × estimated time each, at the cost model\'s CPU calibration; resources each):'];
  for (const kind of [...new Set(plan.stages.map((s) => s.kind))]) {
    const left = plan.stages.filter((s) => s.kind === kind && !finished.has(s.id)).map((s) => est.perStage.get(s.id) ?? 0);
    if (!left.length) continue;
    const [lo, hi] = [Math.min(...left), Math.max(...left)];
    const r = resources?.(kind);
    const over = r && hi > r.limitSeconds ? ` — the longest exceeds its time limit (${mins(r.limitSeconds)})` : '';
    lines.push(`  ${kind.padEnd(8)} ${String(left.length).padStart(4)} × ${lo === hi ? mins(hi) : `${mins(lo)}–${mins(hi)}`}; ${r ? r.text : 'one worker process (one core)'}${over}`);
  }
  const cp = criticalPath(plan, est);
  lines.push(
    `critical path: ${mins(cp.seconds)} over ${cp.stages.length} stages (${cp.stages.map((s) => s.kind).join(' → ')}): the wall time with every ready stage running at once (no queueing)`,
  );
  return lines.join('\n');
}
