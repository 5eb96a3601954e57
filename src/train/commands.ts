// `bridge pretrain`, `bridge sft` and `bridge eval`: flags → validated configs → the trainers in this directory.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { assertWritable, ensureDir, readJsonFile, readJsonl, sha256File, statOrNull, writeJsonAtomic } from '../fsutil';
import { parseNumberFlag } from '../flags';
import { withLock } from '../lock';
import { codeRevision } from '../revision';
import { generateSplit, splitManifest, toJsonl, type SplitManifest, type SplitSpec } from '../igsm/dataset';
import { validateGenConfig } from '../igsm/generate';
import type { Arith, Surface } from '../igsm/types';
import { Tokenizer } from '../text/tokenizer';
import { assertDataFitsModel, loadDataDir, writeDataDir } from './data';
import { comparableSftConfig, SFT_PRESETS, sftConfig, type SftConfig } from './sft-config';
/** Re-exported for the bench scripts and tests that name the CLI's presets. */
export { SFT_PRESETS } from './sft-config';
import { checkResume, firstDifference, RESUME_AND_FORCE, runFiles, type RunRecord } from './run-dir';
import type { SftResult } from './sft';
import type { Checkpoint } from '../model/checkpoint';
import { GRPO_PRESETS, grpoConfig, type GrpoConfig } from './grpo-config';
import { resolveCheckpoint } from '../model/checkpoint-path';
import type { EvalReport } from './evaluate';
import type { TerseForm } from '../igsm/terse';
import type { SkillRow } from './skill';

// tfjs and the trainers load only when a training command runs: `bridge data` stays instant
const heavy = async () => {
  const [backend, checkpoint, transformer, evaluate, sft, grpo] = await Promise.all([
    import('../model/backend'),
    import('../model/checkpoint'),
    import('../model/transformer'),
    import('./evaluate'),
    import('./sft'),
    import('./grpo'),
  ]);
  return { ...backend, ...checkpoint, ...transformer, ...evaluate, ...sft, ...grpo };
};

/**
 * Base-model pretraining presets: terse solutions over a wide op range (see src/igsm/terse.ts). `distractors` is the
 * corpus question form (the paper's distractor sentences on or off).
 */
export const PRETRAIN_PRESETS: Record<'tiny' | 'default' | 'regime', { n: number; ops: [number, number]; distractors: boolean; sft: Partial<SftConfig> }> = {
  tiny: { n: 200, ops: [1, 3], distractors: true, sft: { ...SFT_PRESETS.tiny, epochs: 2, lossOn: 'all', format: 'terse' } },
  // spelled out (not derived from the SFT default) so the shipped base model's recipe stays fixed
  default: {
    n: 10_000,
    ops: [1, 20],
    distractors: true,
    sft: {
      epochs: 1,
      batchSize: 32,
      lossOn: 'all',
      schedule: { kind: 'cosine', lr: 2e-3, warmupSteps: 20, minRatio: 0.1 },
      model: { ctx: 512, d: 128, layers: 4, heads: 4, mlpRatio: 4, activation: 'gelu', pos: 'rope' },
      format: 'terse',
      checkpointEvery: 100,
      workers: 2,
    },
  },
  // the regime study's base model (docs/regime.md, Base model): questions without distractor sentences, loss on the
  // solution, small batches at a high learning rate — the settings that learned fastest per token in the study
  regime: {
    n: 240_000,
    ops: [1, 8],
    distractors: false,
    sft: {
      epochs: 1,
      batchSize: 8,
      lossOn: 'response',
      schedule: { kind: 'cosine', lr: 5e-3, warmupSteps: 100, minRatio: 0.1 },
      model: { ctx: 512, d: 64, layers: 4, heads: 4, mlpRatio: 4, activation: 'gelu', pos: 'rope' },
      format: 'terse',
      checkpointEvery: 1000,
      workers: 2,
    },
  },
};

type Usage = (msg: string) => Error;

function num(usage: Usage, flag: string, raw: string | undefined, lo: number, hi: number, int = true): number | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseNumberFlag(flag, raw, lo, hi, { int });
  } catch (err) {
    throw usage((err as Error).message);
  }
}

/** Refused before anything loads (openRunDir refuses it too, for callers of the trainers). */
function resumeOrForce(usage: Usage, f: { resume?: boolean; force?: boolean }): void {
  if (f.resume && f.force) throw usage(RESUME_AND_FORCE);
}

function preset<K extends string>(usage: Usage, raw: string | undefined, table: Record<K, unknown>): K {
  const name = (raw ?? 'default') as K;
  if (!(name in table)) throw usage(`--preset must be one of ${Object.keys(table).join(', ')}, got "${raw}"`);
  return name;
}

interface TrainFlags {
  preset?: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
  lossOn?: string;
  pos?: string;
  seed?: string;
  maxSteps?: string;
  checkpointEvery?: string;
  d?: string;
  layers?: string;
  heads?: string;
  ctx?: string;
  workers?: string;
  /** commander's --no-divergence-guard: false turns the guard off. */
  divergenceGuard?: boolean;
}

/** Preset + flag overrides → a validated SFT config. */
function trainConfig(usage: Usage, base: Partial<SftConfig>, f: TrainFlags): SftConfig {
  const c: Record<string, unknown> = structuredClone(base);
  const set = (k: string, v: unknown) => v !== undefined && (c[k] = v);
  set('epochs', num(usage, '--epochs', f.epochs, 1, 10_000));
  set('batchSize', num(usage, '--batch-size', f.batchSize, 1, 65_536));
  set('seed', num(usage, '--seed', f.seed, -(2 ** 31), 2 ** 31 - 1));
  set('maxSteps', num(usage, '--max-steps', f.maxSteps, 1, 10_000_000));
  set('checkpointEvery', num(usage, '--checkpoint-every', f.checkpointEvery, 1, 10_000_000));
  set('workers', num(usage, '--workers', f.workers, 1, 16));
  if (f.lossOn !== undefined) {
    if (f.lossOn !== 'all' && f.lossOn !== 'response') throw usage(`--loss-on must be all or response, got "${f.lossOn}"`);
    c.lossOn = f.lossOn;
  }
  const lr = num(usage, '--lr', f.lr, 1e-8, 1, false);
  if (lr !== undefined) c.schedule = { ...(c.schedule as object), lr };
  const model = { ...(c.model as object) } as Record<string, unknown>;
  for (const [k, flag, hi] of [['d', '--d', 4096], ['layers', '--layers', 64], ['heads', '--heads', 64], ['ctx', '--ctx', 8192]] as const) {
    const v = num(usage, flag, f[k], 1, hi);
    if (v !== undefined) model[k] = v;
  }
  if (f.pos !== undefined) {
    if (f.pos !== 'learned' && f.pos !== 'rope') throw usage(`--pos must be learned or rope, got "${f.pos}"`);
    model.pos = f.pos;
  }
  c.model = model;
  if (f.divergenceGuard === false) c.divergence = { ...(c.divergence as object | undefined), enabled: false };
  try {
    return sftConfig(c);
  } catch (err) {
    throw usage((err as Error).message);
  }
}

function addTrainFlags(cmd: Command): Command {
  return cmd
    .option('--epochs <N>', 'passes over the data')
    .option('--batch-size <N>', 'sequences per optimizer step')
    .option('--lr <X>', 'peak learning rate')
    .option('--loss-on <which>', 'all (the paper) | response')
    .option('--seed <S>', 'seed of the data order and of scratch weights')
    .option('--max-steps <N>', 'stop after N optimizer steps')
    .option('--checkpoint-every <N>', 'checkpoint every N steps')
    .option('--workers <N>', 'data-parallel replicas, one per core (default preset: 2)')
    .option('--d <N>', 'model width (scratch only)')
    .option('--layers <N>', 'transformer blocks (scratch only)')
    .option('--heads <N>', 'attention heads (scratch only)')
    .option('--ctx <N>', 'context length (scratch only)')
    .option('--pos <kind>', 'position encoding: rope (default) | learned (scratch only)')
    .option('--no-divergence-guard', 'keep training when the loss diverges (src/train/divergence.ts)')
    .option('--resume', 'continue a killed run from its last checkpoint')
    .option('--force', 'overwrite an existing run')
    .option('--no-progress', 'no progress bar');
}

/** --skill-every / --skill-ops / --skill-n: when and on what the base model's own skill is measured (src/train/skill.ts). */
function skillFlags(usage: Usage, f: { skillEvery: string; skillOps: string; skillN: string }): { every: number; ops: number[]; n: number } {
  const ops = f.skillOps.split(',').map((x) => x.trim());
  if (ops.some((x) => !/^\d+$/.test(x) || Number(x) < 1 || Number(x) > 40)) throw usage(`--skill-ops must be a comma-separated list of op counts in [1, 40], got "${f.skillOps}"`);
  return { every: num(usage, '--skill-every', f.skillEvery, 0, 1_000_000)!, ops: ops.map(Number), n: num(usage, '--skill-n', f.skillN, 1, 100_000)! };
}

/** A weights-only model directory (`bridge pretrain --out`) holds its checkpoint files and recipe.json, nothing else. */
function modelFiles(dir: string): Set<string> | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { format?: string; files?: Record<string, unknown> };
    return m.format?.startsWith('bridge-checkpoint/') ? new Set([...Object.keys(m.files ?? {}), 'manifest.json', 'recipe.json']) : null;
  } catch {
    return null;
  }
}

/** Checked before any training: --out is free, or holds only a model that --force may replace; its parent is writable. */
function checkModelOut(usage: Usage, out: string, force: boolean): void {
  const label = `--out ${out}`;
  const st = statOrNull(out);
  if (st && !st.isDirectory()) throw usage(`${label}: exists and is not a directory (a model is a directory); choose another path`);
  const entries = st ? fs.readdirSync(out) : [];
  if (entries.length > 0) {
    const own = modelFiles(out);
    const foreign = entries.filter((e) => !own?.has(e));
    if (foreign.length) throw usage(`${label}: holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}, not a model's files; choose another path (--force replaces only a model)`);
    if (!force) throw usage(`${label}: a model is already there (pass --force to replace it)`);
  }
  const parent = path.dirname(path.resolve(out));
  ensureDir(parent, label);
  assertWritable(parent, label);
}

/** `eval --out FILE`: a new file, or an existing one with --force; its directory is writable. */
function checkOutFile(usage: Usage, file: string, force: boolean): void {
  const label = `--out ${file}`;
  const st = statOrNull(file);
  if (st?.isDirectory()) throw usage(`${label}: is a directory; give a file name`);
  if (st && !force) throw usage(`${label}: exists (pass --force to overwrite it)`);
  ensureDir(path.dirname(path.resolve(file)), label);
  assertWritable(path.dirname(path.resolve(file)), label);
}

/** The pretraining corpus in WORK/data: generated once; a corpus of another spec is refused unless --force. */
function writeCorpus(usage: Usage, work: string, dir: string, spec: SplitSpec, force: boolean): void {
  if (fs.existsSync(path.join(dir, 'problems.jsonl')) && !force) {
    const m = readJsonFile<Partial<SplitManifest>>(path.join(dir, 'manifest.json'));
    const d = firstDifference({ n: m.n, seed: m.seed, surface: m.surface, gen: m.config }, { n: spec.n, seed: spec.seed, surface: spec.surface, gen: spec.gen });
    if (d !== null) throw usage(`--work ${work}: its corpus was generated with another ${d} (pass --force to regenerate it, or choose another --work)`);
    return;
  }
  const { rows, counts } = generateSplit(spec);
  writeDataDir(dir, toJsonl(rows), splitManifest(spec, 'terse', counts));
}

/** The finished run in WORK/run when it trained this config on this corpus (an export that failed is redone without training). */
function finishedRun(work: string, runDir: string, cfg: SftConfig, dataDir: string, force: boolean): SftResult | null {
  const files = runFiles(runDir);
  if (force || !fs.existsSync(files.done)) return null;
  const rec = readJsonFile<RunRecord>(files.config);
  const now = { config: comparableSftConfig(cfg), inputs: { data: sha256File(path.join(dataDir, 'problems.jsonl')) } };
  checkResume(runDir, { ...rec, config: comparableSftConfig(rec.config) }, now, `--work ${work}: its finished run`);
  process.stderr.write(`pretrain: reusing the finished run in ${runDir}\n`);
  return readJsonFile<SftResult>(files.done);
}

/** The base model: weights, config and tokenizer of the run's final checkpoint, and the recipe that recreates them. */
function exportModel(
  f: { out: string; arith: string; surface: string },
  r: {
    presetName: string; n: number; ops: [number, number]; distractors: boolean; form: TerseForm; cfg: SftConfig; spec: object; revision: unknown; res: SftResult;
    skill: SkillRow[]; ck: Checkpoint; saveCheckpoint: (dir: string, ck: Checkpoint) => string;
  },
): void {
  const { presetName, n, ops, distractors, form, cfg, spec, revision, res, skill, ck, saveCheckpoint } = r;
  // ship weights, config and tokenizer only: the optimizer state would triple the size and SFT starts afresh
  saveCheckpoint(f.out, { config: ck.config, weights: ck.weights, tokenizer: ck.tokenizer, optimizer: null, meta: { kind: 'base', ...res } });
  // every setting that shapes the weights, so the recipe alone recreates them (worker count included: it changes float sums)
  const m = cfg.model;
  const command = ['npx', 'bridge', 'pretrain', '--out', f.out, '--preset', presetName, '--n', String(n), '--ops', `${ops[0]}-${ops[1]}`,
    '--arith', f.arith, '--surface', f.surface, '--distractors', distractors ? 'yes' : 'no', '--form', form, '--seed', String(cfg.seed), '--epochs', String(cfg.epochs), '--batch-size', String(cfg.batchSize),
    '--lr', String(cfg.schedule.lr), '--loss-on', cfg.lossOn, '--d', String(m.d), '--layers', String(m.layers), '--heads', String(m.heads), '--ctx', String(m.ctx), '--pos', m.pos, '--workers', String(cfg.workers),
    ...(cfg.maxSteps === null ? [] : ['--max-steps', String(cfg.maxSteps)]),
    ...(cfg.drill ? ['--drill-every', String(cfg.drill.every), '--drill-facts', String(cfg.drill.facts)] : ['--drill-every', '0'])];
  writeJsonAtomic(path.join(f.out, 'recipe.json'), { command: command.join(' '), revision, corpus: spec, sft: cfg, weightsHash: res.weightsHash, steps: res.steps, tokens: res.tokensSeen, seconds: res.seconds, finalLoss: res.finalLoss, skill });
  process.stdout.write(JSON.stringify(res) + '\n');
}

export function registerTrainCommands(program: Command, usage: Usage): void {
  addTrainFlags(
    program
      .command('sft')
      .description('supervised fine-tuning on a data directory; writes RUN/{config.json,metrics.jsonl,ckpt,final,done.json}')
      .requiredOption('--data <DIR>', 'data directory written by `bridge data`')
      .requiredOption('--out <RUN>', 'run directory')
      .option('--init <CKPT>', "'scratch' or a checkpoint / run directory (e.g. data/models/base-…)", 'scratch')
      .option('--preset <name>', `${Object.keys(SFT_PRESETS).join(' | ')}`, 'default'),
  ).action(async (f: TrainFlags & { data: string; out: string; init: string; resume?: boolean; force?: boolean; progress: boolean }) => {
    resumeOrForce(usage, f);
    if (f.init !== 'scratch') {
      const shape = (['d', 'layers', 'heads', 'ctx', 'pos'] as const).find((k) => f[k] !== undefined);
      if (shape) throw usage(`--${shape} applies to --init scratch only: a model from --init ${f.init} keeps its checkpoint's shape`);
    }
    const cfg = trainConfig(usage, SFT_PRESETS[preset(usage, f.preset, SFT_PRESETS)], f);
    const init = f.init === 'scratch' ? 'scratch' : resolveCheckpoint(f.init);
    const { runSft } = await heavy();
    const res = await runSft({ data: f.data, init, out: f.out, config: cfg, resume: f.resume, force: f.force, progress: f.progress });
    process.stdout.write(JSON.stringify(res) + '\n');
  });

  addTrainFlags(
    program
      .command('pretrain')
      .description('build a base model: terse-solution language modelling on generated problems (no SFT answer template)')
      .requiredOption('--out <DIR>', 'the base model: a weights-only checkpoint plus recipe.json (e.g. data/models/base-mod23-compact)')
      .option('--work <DIR>', 'corpus and training run (default: runs/pretrain/<basename of --out>)')
      .option('--preset <name>', `${Object.keys(PRETRAIN_PRESETS).join(' | ')}`, 'default')
      .option('--n <N>', 'problems in the corpus')
      .option('--ops <A-B>', 'op range of the corpus')
      .option('--arith <mode>', 'exact | mod23', 'exact')
      .option('--surface <form>', 'english | compact', 'compact')
      .option('--distractors <yes|no>', "the corpus questions' distractor sentences (default: the preset's)")
      .option('--form <values|named>', "terse lines: 'values' (name = SUBST = value) or 'named' (the parents named too) (default: the preset's)")
      .option('--drill-every <N>', "one arithmetic drill example per N corpus problems, 0 = none (src/train/drill.ts) (default: the preset's)")
      .option('--drill-facts <N>', 'facts per drill example (default 24)')
      .option('--skill-every <N>', 'measure the greedy terse skill at every N-th checkpoint and at the end (0 = only at the end)', '0')
      .option('--skill-ops <LIST>', 'forced op counts of the skill test sets, e.g. 2,3,4,6', '2,3,4,6')
      .option('--skill-n <N>', 'problems per skill test set', '100'),
  ).action(
    async (
      f: TrainFlags & {
        out: string; work?: string; n?: string; ops?: string; arith: string; surface: string; distractors?: string; form?: string; drillEvery?: string; drillFacts?: string;
        skillEvery: string; skillOps: string; skillN: string; resume?: boolean; force?: boolean; progress: boolean;
      },
    ) => {
      const revision = codeRevision(); // at the start: the code that trains, not what the tree holds when it ends
      resumeOrForce(usage, f);
      const presetName = preset(usage, f.preset, PRETRAIN_PRESETS);
      const p = PRETRAIN_PRESETS[presetName];
      if (f.arith !== 'exact' && f.arith !== 'mod23') throw usage(`--arith must be exact or mod23, got "${f.arith}"`);
      if (f.surface !== 'english' && f.surface !== 'compact') throw usage(`--surface must be english or compact, got "${f.surface}"`);
      if (f.distractors !== undefined && f.distractors !== 'yes' && f.distractors !== 'no') throw usage(`--distractors must be yes or no, got "${f.distractors}"`);
      if (f.form !== undefined && f.form !== 'values' && f.form !== 'named') throw usage(`--form must be values or named, got "${f.form}"`);
      checkModelOut(usage, f.out, !!f.force); // before any training: an --out that cannot take the model would waste the run
      const n = num(usage, '--n', f.n, 1, 10_000_000) ?? p.n;
      let ops = p.ops;
      if (f.ops !== undefined) {
        const m = /^(\d+)-(\d+)$/.exec(f.ops);
        if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw usage(`--ops must look like A-B with 1 ≤ A ≤ B, got "${f.ops}"`);
        ops = [Number(m[1]), Number(m[2])];
      }
      const distractors = f.distractors === undefined ? p.distractors : f.distractors === 'yes';
      const form: TerseForm = f.form === undefined ? (p.sft.format === 'terse-named' ? 'named' : 'values') : (f.form as TerseForm);
      const drillEvery = num(usage, '--drill-every', f.drillEvery, 0, 1_000_000) ?? p.sft.drill?.every ?? 0;
      const drillFacts = num(usage, '--drill-facts', f.drillFacts, 1, 200) ?? p.sft.drill?.facts ?? 24;
      if (drillEvery === 0 && f.drillFacts !== undefined) throw usage('--drill-facts needs --drill-every N with N ≥ 1 (no drill is mixed in)');
      const { drill: _presetDrill, ...presetSft } = p.sft;
      const drill = drillEvery > 0 ? { drill: { every: drillEvery, facts: drillFacts } } : {};
      const cfg = trainConfig(usage, { ...presetSft, ...drill, format: form === 'named' ? 'terse-named' : 'terse' }, f);
      const skill = skillFlags(usage, f);
      const work = f.work ?? path.join('runs', 'pretrain', path.basename(path.resolve(f.out)));
      const dataDir = path.join(work, 'data');
      // the corpus seed is far from the split seeds (100–500): its problems are not the SFT or test problems
      const gen = validateGenConfig({ minOps: ops[0], maxOps: ops[1], arith: f.arith as Arith, redundantQuery: distractors });
      const spec = { name: 'pretrain', n, gen, seed: 90_000 + cfg.seed, surface: f.surface as Surface };
      // --out is locked beside it (saving the model replaces the directory), --work inside
      await withLock(f.out, `--out ${f.out}`, 'file', () =>
        withLock(work, `--work ${work}`, 'dir', async () => {
          writeCorpus(usage, work, dataDir, spec, !!f.force);
          const runDir = path.join(work, 'run');
          const { runSft, loadCheckpoint, saveCheckpoint } = await heavy();
          const { skillTests, skillRecorder } = await import('./skill');
          const skillFile = path.join(work, 'skill.jsonl');
          if (f.force && fs.existsSync(skillFile)) fs.rmSync(skillFile); // --force retrains: the old curve is not this run's
          const tests = skillTests({ ops: skill.ops, n: skill.n, arith: f.arith as Arith, surface: f.surface as Surface, distractors, form }, loadDataDir(dataDir).rows);
          const done = new Set(fs.existsSync(skillFile) ? readJsonl<SkillRow>(skillFile).map((r) => r.step) : []);
          const record = skillRecorder(skillFile, tests, form, done);
          // by step, so a resumed run measures at the same checkpoints as an uninterrupted one
          const onCheckpoint = (step: number, dir: string, tokens: number) => {
            if (skill.every > 0 && (step / cfg.checkpointEvery) % skill.every === 0) record(step, dir, tokens);
          };
          const res =
            finishedRun(work, runDir, cfg, dataDir, !!f.force) ??
            (await runSft({ data: dataDir, init: 'scratch', out: runDir, config: cfg, resume: f.resume, force: f.force, progress: f.progress, onCheckpoint }));
          record(res.steps, path.join(runDir, 'final'), res.tokensSeen);
          const curve = readJsonl<SkillRow>(skillFile).sort((x, y) => x.step - y.step);
          exportModel(f, { presetName, n, ops, distractors, form, cfg, spec, revision, res, skill: curve, ck: loadCheckpoint(path.join(runDir, 'final')), saveCheckpoint });
        }),
      );
    },
  );

  program
    .command('grpo')
    .description('GRPO from an SFT checkpoint (also the frozen KL reference); writes RUN/{config.json,metrics.jsonl,ckpt,final,done.json}')
    .requiredOption('--init <SFT_RUN>', 'SFT run directory (uses RUN/final) or checkpoint directory')
    .requiredOption('--data <DIR>', 'RL training problems (`bridge data`)')
    .requiredOption('--out <RUN>', 'run directory')
    .option('--val <DIR>', 'validation problems for greedy accuracy every --eval-every steps')
    .option('--preset <name>', `${Object.keys(GRPO_PRESETS).join(' | ')}`, 'default')
    .option('--steps <N>', 'RL steps')
    .option('--prompts <P>', 'prompts per step')
    .option('--group <G>', 'rollouts per prompt (≥ 2)')
    .option('--lr <X>', 'learning rate (constant)')
    .option('--beta <X>', 'KL coefficient')
    .option('--kl <est>', 'KL estimator: k1 | k3')
    .option('--max-new <N>', 'max completion tokens')
    .option('--eval-every <K>', 'validate every K steps (0 = never)')
    .option('--workers <N>', 'data-parallel replicas')
    .option('--seed <S>', 'seed of prompt order and sampling')
    .option('--dynamic-sampling', 'drop zero-variance groups and refill')
    .option('--resume', 'continue a killed run from its last checkpoint')
    .option('--force', 'overwrite an existing run')
    .option('--no-progress', 'no progress bar')
    .action(
      async (f: {
        init: string; data: string; out: string; val?: string; preset?: string; steps?: string; prompts?: string; group?: string; lr?: string;
        beta?: string; kl?: string; maxNew?: string; evalEvery?: string; workers?: string; seed?: string; dynamicSampling?: boolean;
        resume?: boolean; force?: boolean; progress: boolean;
      }) => {
        resumeOrForce(usage, f);
        if (f.evalEvery !== undefined && f.val === undefined && Number(f.evalEvery) !== 0) throw usage('--eval-every validates on --val DIR: give --val, or drop --eval-every');
        const c: Record<string, unknown> = { ...GRPO_PRESETS[preset(usage, f.preset, GRPO_PRESETS)] };
        const set = (k: string, v: unknown) => v !== undefined && (c[k] = v);
        set('steps', num(usage, '--steps', f.steps, 1, 1_000_000));
        set('promptsPerStep', num(usage, '--prompts', f.prompts, 1, 4096));
        set('groupSize', num(usage, '--group', f.group, 2, 1024));
        set('lr', num(usage, '--lr', f.lr, 1e-10, 1, false));
        set('beta', num(usage, '--beta', f.beta, 0, 100, false));
        set('maxNew', num(usage, '--max-new', f.maxNew, 1, 65_536));
        set('evalEvery', num(usage, '--eval-every', f.evalEvery, 0, 1_000_000));
        set('workers', num(usage, '--workers', f.workers, 1, 16));
        set('seed', num(usage, '--seed', f.seed, -(2 ** 31), 2 ** 31 - 1));
        if (f.kl !== undefined) {
          if (f.kl !== 'k1' && f.kl !== 'k3') throw usage(`--kl must be k1 or k3, got "${f.kl}"`);
          c.klEstimator = f.kl;
        }
        if (f.dynamicSampling) c.dynamicSampling = true;
        let config: GrpoConfig;
        try {
          config = grpoConfig(c);
        } catch (err) {
          throw usage((err as Error).message);
        }
        const { runGrpo } = await heavy();
        const res = await runGrpo({ init: resolveCheckpoint(f.init), data: f.data, val: f.val, out: f.out, config, resume: f.resume, force: f.force, progress: f.progress });
        process.stdout.write(JSON.stringify(res) + '\n');
      },
    );

  program
    .command('eval')
    .description('greedy (or mean@k sampled) accuracy of a checkpoint on a data directory, by op count')
    .requiredOption('--ckpt <RUN>', 'run directory (uses RUN/final) or checkpoint directory')
    .requiredOption('--data <DIR>', 'data directory written by `bridge data`')
    .option('--samples <K>', 'samples per problem (mean@K); 1 = greedy', '1')
    .option('--temperature <T>', 'sampling temperature (default: 0 = greedy with --samples 1, 1 with --samples K > 1)')
    .option('--limit <N>', 'evaluate the first N problems only')
    .option('--seed <S>', 'sampling seed', '0')
    .option('--out <FILE>', 'write the full report (with every completion) as JSON')
    .option('--force', 'overwrite an existing --out file')
    .option('--json', 'print the summary as JSON')
    .action(async (f: { ckpt: string; data: string; samples: string; temperature?: string; limit?: string; seed: string; out?: string; force?: boolean; json?: boolean }) => {
      const samples = num(usage, '--samples', f.samples, 1, 1024)!;
      const temperature = num(usage, '--temperature', f.temperature, 0, 10, false) ?? (samples > 1 ? 1 : 0);
      if (samples > 1 && temperature === 0) throw usage(`--samples ${samples} needs --temperature > 0: at 0 every sample is the same greedy completion`);
      const seed = num(usage, '--seed', f.seed, -(2 ** 31), 2 ** 31 - 1)!;
      const limit = num(usage, '--limit', f.limit, 1, 10_000_000);
      if (f.out) checkOutFile(usage, f.out, !!f.force);
      const evalTo = async () => {
        const { initBackend, loadCheckpoint, createTransformer, evaluate } = await heavy();
        await initBackend();
        const ck = loadCheckpoint(resolveCheckpoint(f.ckpt), '--ckpt');
        const tok = Tokenizer.fromJSON(ck.tokenizer as never);
        const data = loadDataDir(f.data);
        assertDataFitsModel(data, tok, '--data', `--ckpt ${f.ckpt}`);
        if (limit !== undefined && limit > data.rows.length) throw usage(`--limit ${limit} is more than the ${data.rows.length} problems in --data ${f.data}`);
        const model = createTransformer(ck.config, { weights: ck.weights });
        const rows = limit ? data.rows.slice(0, limit) : data.rows;
        const rep = evaluate(model, tok, rows, { samples, temperature, seed, batchSize: 64 });
        if (f.out) writeJsonAtomic(f.out, rep);
        printEval(rep, samples, !!f.json);
      };
      await (f.out ? withLock(f.out, `--out ${f.out}`, 'file', evalTo) : evalTo());
    });
}

function printEval(rep: EvalReport, samples: number, json: boolean): void {
  const { completions: _c, ...summary } = rep;
  if (json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    process.stdout.write(`accuracy ${(100 * rep.accuracy).toFixed(1)} % on ${rep.problems} problems (${samples} sample(s), T=${rep.temperature})\n`);
    for (const b of rep.byOps) process.stdout.write(`  op ${b.numOps}: ${(100 * b.accuracy).toFixed(1)} % (${b.problems})\n`);
  }
}
