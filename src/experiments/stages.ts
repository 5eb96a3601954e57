// The body of each stage kind, run inside a worker process (src/experiments/worker.ts). Every stage writes its
// outputs into its own directory and returns a small JSON result that the runner stores in done.json; results.ts
// turns those into rows. SFT and GRPO resume exactly from their checkpoints; the other stages are deterministic and
// simply rerun.
import fs from 'node:fs';
import path from 'node:path';
import { readJsonl, writeFileAtomic, writeJsonAtomic } from '../fsutil';
import { generateSplit, splitManifest, toJsonl, type SplitSpec } from '../igsm/dataset';
import { validateGenConfig } from '../igsm/generate';
import type { ProblemRow } from '../igsm/types';
import { injectRows, seededStream, type VariantSpec } from '../inject/index';
import type { SftConfig } from '../train/sft-config';
import { writeDataDir } from '../train/data';
import { stageOutputs } from './outputs';
import type { GrpoConfig } from '../train/grpo-config';
import type { GrpoMetrics } from '../train/grpo';
import type { Preset } from './presets';
import type { StageKind } from './definitions';
import type { MechanismSummary } from '../train/mechanism';
import type { InfluenceBin } from '../probes/influence';

/** What the runner sends a worker: the stage plus the directories of its inputs (by role). */
export interface StageJob {
  id: string;
  kind: StageKind;
  method: string;
  seed: number;
  dir: string;
  config: Record<string, unknown>;
  inputs: Record<string, string>;
}

export type ProgressFn = (value: number, total: number, info?: string) => void;

export const SPLIT_NAMES = ['test-id', 'test-ood', 'rl-val', 'rl-train', 'sft'] as const;

export interface SplitsResult {
  counts: Record<string, { problems: number; draws: number; duplicates: number }>;
}
export interface DataResult {
  problems: number;
  rows: number;
  variant: string;
}
export interface SftStageResult {
  steps: number;
  tokensSeen: number;
  finalLoss: number;
  weightsHash: string;
  /** Σ per-step training time from metrics.jsonl: survives a resume, unlike the last process's wall time. */
  trainSeconds: number;
}
export interface EvalSplitResult {
  problems: number;
  accuracy: number;
  /** (accuracy − chance) / (1 − chance), chance = a uniform guesser over the answer space. */
  accuracyChanceCorrected: number;
  meanTokens: number;
  byOps: { numOps: number; problems: number; accuracy: number }[];
  /** Reflections, recoveries and first-error classes of the greedy completions (src/train/mechanism.ts). */
  mechanism: MechanismSummary;
}
export interface EvalResult {
  id: EvalSplitResult;
  ood: EvalSplitResult;
}
export interface GrpoStageResult {
  steps: number;
  weightsHash: string;
  /** Per step: the batch's mean 0/1 reward (policy after `step` updates) and, where validated, RL-val accuracy after step + 1 updates. */
  curve: { step: number; reward: number; informative: number; valAccuracy: number | null; reflection?: number; recovery?: number | null; firstError?: Record<string, number | null> }[];
  /** Greedy RL-val accuracy of the SFT model (GRPO's validation before step 0). */
  valBefore: number | null;
  /** Σ per-step sampling + scoring + backward time from metrics.jsonl. */
  trainSeconds: number;
}
export interface ProbeResult {
  queries: number;
  samples: number;
  /** Count per ALPHA_BINS label. */
  histogram: Record<string, number>;
  informative: number;
  /** Share of queries with guessThreshold ≤ α < 1 (src/train/alpha.ts). */
  informativeAboveGuess: number;
  /** Count per ALPHA_BINS label of the queries with α ≥ guessThreshold. */
  histogramAboveGuess: Record<string, number>;
  meanAlpha: number;
  influence: {
    queries: number;
    targets: number;
    norm: string;
    byBin: InfluenceBin[];
    mean: number;
    /** ‖G_T‖, the target gradient every query's influence is an inner product with. */
    targetGradNorm: number;
  };
}
export type StageResult = SplitsResult | DataResult | SftStageResult | EvalResult | GrpoStageResult | ProbeResult;

const splitFile = (splitsDir: string, name: string) => path.join(splitsDir, name);
const checkpointOf = (stageDir: string) => path.join(stageDir, 'run', 'final');

/** The five problem sets of a preset, de-duplicated across splits with the test sets drawn first. */
function runSplits(job: StageJob, progress: ProgressFn): SplitsResult {
  const t = job.config.task as Preset['task'];
  const gen = (minOps: number, maxOps: number, force: boolean) => validateGenConfig({ minOps, maxOps, force, arith: t.arith, redundantQuery: t.distractors });
  const [lo, hi] = t.sftOps;
  const [vlo, vhi] = t.rlValOps ?? t.sftOps;
  const specs: SplitSpec[] = [
    { name: 'test-id', n: t.nTest, gen: gen(t.idOp, t.idOp, true), seed: t.dataSeed + 400, surface: t.surface },
    { name: 'test-ood', n: t.nTest, gen: gen(t.oodOp, t.oodOp, true), seed: t.dataSeed + 500, surface: t.surface },
    { name: 'rl-val', n: t.nRlVal, gen: gen(vlo, vhi, false), seed: t.dataSeed + 300, surface: t.surface },
    { name: 'rl-train', n: t.nRlTrain, gen: gen(lo, hi, false), seed: t.dataSeed + 200, surface: t.surface },
    { name: 'sft', n: t.nSft, gen: gen(lo, hi, false), seed: t.dataSeed + 100, surface: t.surface },
  ];
  const seen = new Set<string>();
  const counts: SplitsResult['counts'] = {};
  specs.forEach((spec, i) => {
    const { rows, counts: c } = generateSplit(spec, { seen });
    writeDataDir(splitFile(job.dir, spec.name), toJsonl(rows), splitManifest(spec, 'vanilla', c));
    counts[spec.name] = { problems: c.accepted, draws: c.draws, duplicates: c.duplicates };
    progress(i + 1, specs.length, spec.name);
  });
  return { counts };
}

/** The SFT set of one method: the shared base problems through injectRow, one stream per (seed, problem). */
function runData(job: StageJob): DataResult {
  const v = job.config.variant as Pick<VariantSpec, 'kind' | 'knobs' | 'k'>;
  const spec: VariantSpec = { ...v, name: job.method, base: v.kind === 'behaviour' ? 'bridge' : v.kind };
  const seed = job.config.seed as number;
  const base = readJsonl<ProblemRow>(path.join(splitFile(job.inputs.splits, 'sft'), 'problems.jsonl'));
  const rows = injectRows(base, spec, (row) => seededStream(seed, `inject:${row.id}`));
  writeDataDir(path.join(job.dir, 'data'), toJsonl(rows), { variant: job.method, knobs: v.knobs, kind: v.kind, k: v.k, seed, problems: base.length, rows: rows.length });
  return { problems: base.length, rows: rows.length, variant: job.method };
}

async function runSftStage(job: StageJob, progress: ProgressFn): Promise<SftStageResult> {
  const { runSft } = await import('../train/sft');
  const out = path.join(job.dir, 'run');
  const cfg = job.config.sft as SftConfig;
  const init = (job.config.init as { init: string }).init;
  if (!fs.existsSync(path.join(out, 'done.json'))) {
    await runSft({ data: path.join(job.inputs.data, 'data'), init, out, config: cfg, resume: true, progress: false, onStep: (s, n, loss) => progress(s, n, `loss ${loss.toFixed(3)}`) });
  }
  const done = JSON.parse(fs.readFileSync(path.join(out, 'done.json'), 'utf8')) as { steps: number; tokensSeen: number; finalLoss: number; weightsHash: string };
  const metrics = readJsonl<{ tokens: number; tokPerSec: number }>(path.join(out, 'metrics.jsonl'));
  const trainSeconds = metrics.reduce((a, m) => a + m.tokens / Math.max(1e-9, m.tokPerSec), 0);
  return { steps: done.steps, tokensSeen: done.tokensSeen, finalLoss: done.finalLoss, weightsHash: done.weightsHash, trainSeconds };
}

/** trainable: the probes take gradients; evaluation only samples. */
async function loadModel(ckpt: string, trainable = false) {
  const [{ initBackend }, load] = await Promise.all([import('../model/backend'), import('../model/load')]);
  await initBackend();
  return load.loadModel(ckpt, { label: 'model', trainable });
}

async function runEval(job: StageJob, progress: ProgressFn): Promise<EvalResult> {
  const { evaluate, GREEDY } = await import('../train/evaluate');
  const { disposeTransformer } = await import('../model/transformer');
  const cfg = job.config.eval as Preset['eval'];
  const { model, tok } = await loadModel(checkpointOf(job.inputs.model));
  try {
    const out: Partial<EvalResult> = {};
    const parts = [['id', 'test-id'], ['ood', 'test-ood']] as const;
    parts.forEach(([key, split], i) => {
      const rows = readJsonl<ProblemRow>(path.join(splitFile(job.inputs.splits, split), 'problems.jsonl'));
      const rep = evaluate(model, tok, rows, { ...GREEDY, maxNew: cfg.maxNew, batchSize: cfg.batchSize });
      writeFileAtomic(path.join(job.dir, `completions-${key}.jsonl`), rep.completions.map((c) => JSON.stringify(c) + '\n').join(''));
      out[key] = { problems: rep.problems, accuracy: rep.accuracy, accuracyChanceCorrected: rep.accuracyChanceCorrected, meanTokens: rep.meanTokens, byOps: rep.byOps, mechanism: rep.mechanism };
      progress(i + 1, parts.length, `${key} ${(100 * rep.accuracy).toFixed(1)} %`);
    });
    return out as EvalResult;
  } finally {
    disposeTransformer(model);
  }
}

async function runGrpoStage(job: StageJob, progress: ProgressFn): Promise<GrpoStageResult> {
  const { runGrpo } = await import('../train/grpo');
  const cfg = job.config.grpo as GrpoConfig;
  const out = path.join(job.dir, 'run');
  const valDir = splitFile(job.inputs.splits, 'rl-val');
  let valBefore: number | null = null;
  if (!fs.existsSync(path.join(out, 'done.json'))) {
    const res = await runGrpo({
      init: checkpointOf(job.inputs.model),
      data: splitFile(job.inputs.splits, 'rl-train'),
      val: valDir,
      out,
      config: cfg,
      resume: true,
      progress: false,
      onStep: (m) => progress(m.step + 1, cfg.steps, `reward ${m.reward.toFixed(3)}`),
    });
    valBefore = res.valBefore;
  } else {
    valBefore = (JSON.parse(fs.readFileSync(path.join(out, 'done.json'), 'utf8')) as { valBefore: number | null }).valBefore;
  }
  // a resumed run skips the validation before step 0: recompute it exactly as runGrpo does (greedy, same rows)
  if (valBefore === null && cfg.evalEvery > 0) {
    const { evaluate, GREEDY } = await import('../train/evaluate');
    const { disposeTransformer } = await import('../model/transformer');
    const rows = readJsonl<ProblemRow>(path.join(valDir, 'problems.jsonl'));
    const { model, tok } = await loadModel(checkpointOf(job.inputs.model));
    try {
      valBefore = evaluate(model, tok, cfg.valN ? rows.slice(0, cfg.valN) : rows, { ...GREEDY, batchSize: 64 }).accuracy;
    } finally {
      disposeTransformer(model);
    }
  }
  const metrics = readJsonl<GrpoMetrics>(path.join(out, 'metrics.jsonl'));
  const done = JSON.parse(fs.readFileSync(path.join(out, 'done.json'), 'utf8')) as { steps: number; weightsHash: string };
  return {
    steps: done.steps,
    weightsHash: done.weightsHash,
    curve: metrics.map((m) => ({
      step: m.step,
      reward: m.reward,
      informative: m.frac_informative,
      valAccuracy: m.val_accuracy ?? null,
      // the mechanism in the step's rollouts (NaN, written as null, where nothing reflected or nothing went wrong)
      ...(m.reflection_share !== undefined ? { reflection: m.reflection_share } : {}),
      ...(m.recovery_rate !== undefined ? { recovery: m.recovery_rate } : {}),
      ...(m.first_error !== undefined ? { firstError: m.first_error } : {}),
    })),
    valBefore,
    trainSeconds: metrics.reduce((a, m) => a + m['time/sampling'] + m['time/scoring'] + m['time/backward'], 0),
  };
}

/** The probe stage's model: trainable, since influence takes gradients (a frozen one made every probe stage fail). */
export const loadProbeModel = (ckpt: string) => loadModel(ckpt, true);

async function runProbeStage(job: StageJob, progress: ProgressFn): Promise<ProbeResult> {
  const [{ sampleGroups, accuracyReport }, inf, { norm }, { disposeTransformer }] = await Promise.all([
    import('../probes/rollouts'),
    import('../probes/influence'),
    import('../probes/gradients'),
    import('../model/transformer'),
  ]);
  const p = job.config.probe as Preset['probe'];
  const seed = job.config.seed as number;
  const { model, tok } = await loadProbeModel(checkpointOf(job.inputs.model));
  try {
    const rows = readJsonl<ProblemRow>(path.join(splitFile(job.inputs.splits, 'rl-train'), 'problems.jsonl')).slice(0, p.alpha.n);
    const ro = { n: p.alpha.samples, temperature: p.alpha.temperature, seed, maxNew: p.alpha.maxNew };
    const groups = await sampleGroups(model, tok, rows, ro);
    const acc = accuracyReport(groups, ro);
    writeJsonAtomic(path.join(job.dir, 'accuracy.json'), acc);
    progress(1, 3, `α informative ${(100 * acc.informative).toFixed(0)} %`);

    const io = { norm: p.influence.norm, temperature: p.alpha.temperature, eta: job.config.eta as number };
    const targetRows = readJsonl<ProblemRow>(path.join(splitFile(job.inputs.splits, 'rl-val'), 'problems.jsonl')).slice(0, p.influence.targetN);
    const targets = await sampleGroups(model, tok, targetRows, { ...ro, n: p.influence.targetSamples, seed: seed + 1 });
    const gT = inf.targetGradient(model, targets, io);
    progress(2, 3, 'target gradient');
    const targetGradNorm = norm(gT);
    const perQuery = groups.slice(0, p.influence.n).map((g) => inf.queryInfluence(g, gT, targetGradNorm, inf.contrastGradient(model, g, io), io));
    const byBin = inf.influenceByBin(perQuery);
    const mean = perQuery.length ? perQuery.reduce((a, r) => a + r.influence, 0) / perQuery.length : 0;
    writeJsonAtomic(path.join(job.dir, 'influence.json'), { norm: io.norm, eta: io.eta, targets: targets.length, targetGradNorm, perQuery, byBin, mean });
    progress(3, 3, 'influence');
    return {
      queries: acc.queries,
      samples: acc.samples,
      histogram: acc.histogram,
      informative: acc.informative,
      informativeAboveGuess: acc.informativeAboveGuess,
      histogramAboveGuess: acc.histogramAboveGuess,
      meanAlpha: acc.meanAlpha,
      influence: { queries: perQuery.length, targets: targets.length, norm: io.norm, byBin, mean, targetGradNorm },
    };
  } finally {
    disposeTransformer(model);
  }
}

/** Test hook: BRIDGE_REPRODUCE_FAIL=<regexp> makes every stage whose id matches throw (the runner's failure path). */
const failPattern = process.env.BRIDGE_REPRODUCE_FAIL ? new RegExp(process.env.BRIDGE_REPRODUCE_FAIL) : null;

/**
 * What every executor runs for a stage (a worker process, a Slurm batch job): the stage, then its done.json, written
 * last — its presence is what marks the stage finished. Returns the stage's seconds.
 */
export async function runStageToDone(job: StageJob, progress: ProgressFn): Promise<number> {
  const t0 = Date.now();
  if (failPattern?.test(job.id)) throw new Error(`injected failure (BRIDGE_REPRODUCE_FAIL=${failPattern.source})`);
  const result = await runStage(job, progress);
  const seconds = (Date.now() - t0) / 1000;
  // done.json last (its presence marks the stage finished), with the hashes of what the stage wrote (outputs.ts)
  const outputs = stageOutputs(job.dir);
  writeJsonAtomic(path.join(job.dir, 'done.json'), { id: job.id, kind: job.kind, method: job.method, seed: job.seed, seconds, finishedAt: new Date().toISOString(), result, outputs });
  return seconds;
}

/** Run one stage to completion in this process. */
export async function runStage(job: StageJob, progress: ProgressFn): Promise<StageResult> {
  fs.mkdirSync(job.dir, { recursive: true });
  switch (job.kind) {
    case 'splits':
      return runSplits(job, progress);
    case 'data':
      return runData(job);
    case 'sft':
      return runSftStage(job, progress);
    case 'eval-sft':
    case 'eval-rft':
      return runEval(job, progress);
    case 'grpo':
      return runGrpoStage(job, progress);
    case 'probe':
      return runProbeStage(job, progress);
  }
}
