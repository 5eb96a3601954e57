// `bridge pretrain`, `bridge sft` and `bridge eval`: flags → validated configs → the trainers in this directory.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { appendJsonl, assertWritable, ensureDir, readJsonFile, readJsonl, sha256File, statOrNull, writeJsonAtomic } from '../fsutil';
import { addSchemaFlags, givenValues, usage as usageError, withFlags, type FlagSpec, type SchemaFlags, type Usage } from '../flags';
import { parseConfig } from '../validate';
import { withLock } from '../lock';
import { codeRevision } from '../revision';
import { generateSplit, splitManifest, SplitOptionsSchema, type SplitManifest, type SplitSpec } from '../igsm/dataset';
import { GenConfigSchema, OPS_RULE, parseOps, validateGenConfig } from '../igsm/generate';
import type { Arith, Surface } from '../igsm/types';
import { Tokenizer } from '../text/tokenizer';
import { assertDataFitsModel, loadDataDir, TERSE_FORMATS, terseFormOf, writeDataDir } from './data';
import { comparableSftConfig, SFT_PRESETS, SftConfigSchema, sftConfig, type SftConfig } from './sft-config';
/** Re-exported for the bench scripts and tests that name the CLI's presets. */
export { SFT_PRESETS } from './sft-config';
import { checkResume, firstDifference, RESUME_AND_FORCE, runFiles, type RunRecord } from './run-dir';
import type { SftResult } from './sft';
import type { Checkpoint } from '../model/checkpoint';
import { GRPO_PRESETS, GrpoConfigSchema, grpoConfig, type GrpoConfig } from './grpo-config';
import { EvalFlagsSchema } from './eval-options';
import { resolveCheckpoint } from '../model/checkpoint-path';
import type { EvalReport } from './evaluate';
import { mechanismShares } from './mechanism';
import type { TerseForm } from '../igsm/terse';
import type { SkillRow } from './skill';
import { SkillOptionsSchema } from './skill-options';

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

/** The corpus settings every pretraining preset shares: the compact surface, exact arithmetic. */
export const PRETRAIN_CORPUS_DEFAULTS: { arith: Arith; surface: Surface } = { arith: 'exact', surface: 'compact' };

/** Refused before anything loads (openRunDir refuses it too, for callers of the trainers). */
function resumeOrForce(usage: Usage, f: { resume?: boolean; force?: boolean }): void {
  if (f.resume && f.force) throw usage(RESUME_AND_FORCE);
}

function preset<K extends string>(usage: Usage, raw: string | undefined, table: Record<K, unknown>): K {
  const name = (raw ?? 'default') as K;
  if (!(name in table)) throw usage(`--preset must be one of ${Object.keys(table).join(', ')}, got "${raw}"`);
  return name;
}

const validated = (presets: Record<string, object>, parse: (c: unknown) => unknown): Record<string, unknown> =>
  Object.fromEntries(Object.entries(presets).map(([k, p]) => [k, parse(p)]));

/** The model shape: set by the flags for --init scratch only (a checkpoint keeps its own). */
const SHAPE_FLAGS: FlagSpec[] = [
  { flag: '--d', path: 'model.d' },
  { flag: '--layers', path: 'model.layers' },
  { flag: '--heads', path: 'model.heads' },
  { flag: '--ctx', path: 'model.ctx' },
  { flag: '--pos', path: 'model.pos' },
];

/** The SFT config's flags of `bridge sft` (help defaults: SFT_PRESETS). */
export const SFT_FLAGS: SchemaFlags = {
  schema: SftConfigSchema,
  presets: validated(SFT_PRESETS, sftConfig),
  flags: [
    { flag: '--epochs', path: 'epochs' },
    { flag: '--batch-size', path: 'batchSize' },
    { flag: '--lr', path: 'schedule.lr' },
    { flag: '--loss-on', path: 'lossOn', help: 'tokens the loss counts: all (the paper) or the response only' },
    { flag: '--seed', path: 'seed', value: 'S' },
    { flag: '--max-steps', path: 'maxSteps' },
    { flag: '--checkpoint-every', path: 'checkpointEvery' },
    { flag: '--workers', path: 'workers' },
    ...SHAPE_FLAGS,
    { flag: '--no-divergence-guard', path: 'divergence.enabled', help: 'keep training when the loss diverges (src/train/divergence.ts)' },
  ],
};
/** `--distractors yes|no`, as recipes write it. */
const yesNo = (flag: string) => (raw: string): boolean => {
  if (raw !== 'yes' && raw !== 'no') throw usageError(`${flag} must be yes or no, got "${raw}"`);
  return raw === 'yes';
};

/** The SFT flags in `bridge pretrain` (help defaults: PRETRAIN_PRESETS), plus the terse line form. */
export const PRETRAIN_SFT_FLAGS: SchemaFlags = {
  ...SFT_FLAGS,
  presets: validated(Object.fromEntries(Object.entries(PRETRAIN_PRESETS).map(([k, p]) => [k, p.sft])), sftConfig),
  flags: [
    ...SFT_FLAGS.flags,
    {
      flag: '--form',
      path: 'format',
      value: 'values|named',
      help: "terse lines: 'values' (name = SUBST = value) or 'named' (the parents named too)",
      parse: (raw) => {
        if (!(raw in TERSE_FORMATS)) throw usageError(`--form must be values or named, got "${raw}"`);
        return TERSE_FORMATS[raw as TerseForm];
      },
      range: 'values or named',
      format: (v) => terseFormOf(v as SftConfig['format']),
    },
    { flag: '--drill-every', path: 'drill.every' },
    { flag: '--drill-facts', path: 'drill.facts' },
  ],
};
const corpusPresets = Object.fromEntries(
  Object.entries(PRETRAIN_PRESETS).map(([k, p]) => [k, { n: p.n, ops: p.ops, redundantQuery: p.distractors, ...PRETRAIN_CORPUS_DEFAULTS }]),
);
/** The corpus of `bridge pretrain`: split options and the generator's settings (defaults: PRETRAIN_PRESETS). */
export const PRETRAIN_CORPUS_FLAGS: SchemaFlags[] = [
  {
    schema: SplitOptionsSchema,
    presets: corpusPresets,
    flags: [
      { flag: '--n', path: 'n', help: 'problems in the corpus' },
      { flag: '--ops', path: 'ops', value: 'A-B', help: 'op range of the corpus', parse: (raw) => parseOps(raw), range: OPS_RULE, format: (v) => (v as number[]).join('-') },
      { flag: '--surface', path: 'surface' },
    ],
  },
  {
    schema: GenConfigSchema,
    presets: corpusPresets,
    flags: [
      { flag: '--arith', path: 'arith' },
      { flag: '--distractors', path: 'redundantQuery', value: 'yes|no', help: "the corpus questions' distractor sentences", parse: yesNo('--distractors'), range: 'yes or no', format: (v) => (v ? 'yes' : 'no') },
    ],
  },
];
/** What `bridge pretrain` measures while it trains (src/train/skill.ts): not a training setting. */
export const PRETRAIN_SKILL_FLAGS: SchemaFlags = {
  schema: SkillOptionsSchema,
  flags: [
    { flag: '--skill-every', path: 'every' },
    { flag: '--skill-ops', path: 'ops', value: 'LIST' },
    { flag: '--skill-n', path: 'n' },
  ],
};
export const GRPO_FLAGS: SchemaFlags = {
  schema: GrpoConfigSchema,
  presets: validated(GRPO_PRESETS, grpoConfig),
  flags: [
    { flag: '--steps', path: 'steps' },
    { flag: '--prompts', path: 'promptsPerStep', value: 'P' },
    { flag: '--group', path: 'groupSize', value: 'G' },
    { flag: '--lr', path: 'lr' },
    { flag: '--beta', path: 'beta' },
    { flag: '--kl', path: 'klEstimator' },
    { flag: '--max-new', path: 'maxNew' },
    { flag: '--eval-every', path: 'evalEvery', value: 'K' },
    { flag: '--workers', path: 'workers' },
    { flag: '--seed', path: 'seed', value: 'S' },
    { flag: '--dynamic-sampling', path: 'dynamicSampling' },
  ],
};
export const EVAL_FLAGS: SchemaFlags = {
  schema: EvalFlagsSchema,
  flags: [
    { flag: '--samples', path: 'samples', value: 'K' },
    { flag: '--temperature', path: 'temperature', value: 'T', defaultText: '0 (greedy) with --samples 1, 1 with more' },
    { flag: '--limit', path: 'limit' },
    { flag: '--seed', path: 'seed', value: 'S' },
  ],
};

/** Preset + the given flags → a validated config (one line naming the field when the whole is wrong, e.g. heads ∤ d). */
function configOf<C>(usage: Usage, base: object, flags: SchemaFlags, f: object, parse: (c: unknown) => C): C {
  try {
    return parse(withFlags(base, flags.flags, f as Record<string, unknown>));
  } catch (err) {
    throw usage((err as Error).message);
  }
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
  writeDataDir(dir, rows, splitManifest(spec, 'terse', counts));
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

/** One line of WORK/checkpoints.jsonl: the weights hash of each periodic checkpoint, so a partial rebuild can be checked
 * against the recipe (bench/base-model-recipe.ts --steps K) without retraining the whole schedule. */
export interface CheckpointHash {
  step: number;
  tokens: number;
  weightsHash: string;
}

/** The base model: weights, config and tokenizer of the run's final checkpoint, and the recipe that recreates them. */
function exportModel(
  f: { out: string; arith: string; surface: string },
  r: {
    presetName: string; n: number; ops: [number, number]; distractors: boolean; form: TerseForm; cfg: SftConfig; spec: object; revision: unknown; res: SftResult;
    skill: SkillRow[]; checkpoints: CheckpointHash[]; ck: Checkpoint; saveCheckpoint: (dir: string, ck: Checkpoint) => string;
  },
): void {
  const { presetName, n, ops, distractors, form, cfg, spec, revision, res, skill, checkpoints, ck, saveCheckpoint } = r;
  // ship weights, config and tokenizer only: the optimizer state would triple the size and SFT starts afresh
  saveCheckpoint(f.out, { config: ck.config, weights: ck.weights, tokenizer: ck.tokenizer, optimizer: null, meta: { kind: 'base', ...res } });
  // every setting that shapes the weights, so the recipe alone recreates them (worker count included: it changes float sums)
  const m = cfg.model;
  const command = ['npx', 'bridge', 'pretrain', '--out', f.out, '--preset', presetName, '--n', String(n), '--ops', `${ops[0]}-${ops[1]}`,
    '--arith', f.arith, '--surface', f.surface, '--distractors', distractors ? 'yes' : 'no', '--form', form, '--seed', String(cfg.seed), '--epochs', String(cfg.epochs), '--batch-size', String(cfg.batchSize),
    '--lr', String(cfg.schedule.lr), '--loss-on', cfg.lossOn, '--d', String(m.d), '--layers', String(m.layers), '--heads', String(m.heads), '--ctx', String(m.ctx), '--pos', m.pos, '--workers', String(cfg.workers),
    ...(cfg.maxSteps === null ? [] : ['--max-steps', String(cfg.maxSteps)]),
    ...(cfg.drill && cfg.drill.every > 0 ? ['--drill-every', String(cfg.drill.every), '--drill-facts', String(cfg.drill.facts)] : ['--drill-every', '0'])];
  writeJsonAtomic(path.join(f.out, 'recipe.json'), { command: command.join(' '), revision, corpus: spec, sft: cfg, weightsHash: res.weightsHash, steps: res.steps, tokens: res.tokensSeen, seconds: res.seconds, finalLoss: res.finalLoss, skill, checkpoints });
  process.stdout.write(JSON.stringify(res) + '\n');
}

/** Flags of every training command after its config flags. */
function addRunFlags(cmd: Command): Command {
  return cmd
    .option('--resume', 'continue a killed run from its last checkpoint')
    .option('--force', 'overwrite an existing run')
    .option('--no-progress', 'no progress bar');
}

type RunFlags = Record<string, unknown> & { resume?: boolean; force?: boolean; progress: boolean };

export function register(program: Command, usage: Usage = usageError): void {
  const sft = program
    .command('sft')
    .description('supervised fine-tuning on a data directory; writes RUN/{config.json,metrics.jsonl,ckpt,final,done.json}')
    .requiredOption('--data <DIR>', 'data directory written by `bridge data`')
    .requiredOption('--out <RUN>', 'run directory')
    .option('--init <CKPT>', "'scratch' or a checkpoint / run directory (e.g. data/models/base-…)", 'scratch')
    .option('--preset <name>', `${Object.keys(SFT_PRESETS).join(' | ')}`, 'default');
  addRunFlags(addSchemaFlags(sft, SFT_FLAGS)).action(async (f: RunFlags & { data: string; out: string; init: string; preset?: string }) => {
    resumeOrForce(usage, f);
    if (f.init !== 'scratch') {
      const shape = SHAPE_FLAGS.find((s) => givenValues([s], f).size > 0);
      if (shape) throw usage(`${shape.flag} applies to --init scratch only: a model from --init ${f.init} keeps its checkpoint's shape`);
    }
    const cfg = configOf(usage, SFT_PRESETS[preset(usage, f.preset, SFT_PRESETS)], SFT_FLAGS, f, sftConfig);
    const init = f.init === 'scratch' ? 'scratch' : resolveCheckpoint(f.init);
    const { runSft } = await heavy();
    const res = await runSft({ data: f.data, init, out: f.out, config: cfg, resume: f.resume, force: f.force, progress: f.progress });
    process.stdout.write(JSON.stringify(res) + '\n');
  });

  const pretrain = program
    .command('pretrain')
    .description('build a base model: terse-solution language modelling on generated problems (no SFT answer template)')
    .requiredOption('--out <DIR>', 'the base model: a weights-only checkpoint plus recipe.json (e.g. data/models/base-mod23-compact)')
    .option('--work <DIR>', 'corpus and training run (default: runs/pretrain/<basename of --out>)')
    .option('--preset <name>', `${Object.keys(PRETRAIN_PRESETS).join(' | ')}`, 'default');
  for (const group of [...PRETRAIN_CORPUS_FLAGS, PRETRAIN_SKILL_FLAGS]) addSchemaFlags(pretrain, group);
  addRunFlags(addSchemaFlags(pretrain, PRETRAIN_SFT_FLAGS)).action(async (f: RunFlags & { out: string; work?: string; preset?: string }) => {
    const revision = codeRevision(); // at the start: the code that trains, not what the tree holds when it ends
    resumeOrForce(usage, f);
    const presetName = preset(usage, f.preset, PRETRAIN_PRESETS);
    const p = PRETRAIN_PRESETS[presetName];
    checkModelOut(usage, f.out, !!f.force); // before any training: an --out that cannot take the model would waste the run
    const given = Object.fromEntries(PRETRAIN_CORPUS_FLAGS.flatMap((g) => [...givenValues(g.flags, f)]));
    const { n, ops, arith, surface, redundantQuery: distractors } = { ...corpusPresets[presetName], ...given } as (typeof corpusPresets)[string];
    const cfg = configOf(usage, p.sft, PRETRAIN_SFT_FLAGS, f, sftConfig);
    const form = terseFormOf(cfg.format);
    const skill = configOf(usage, {}, PRETRAIN_SKILL_FLAGS, f, (c) => parseConfig(SkillOptionsSchema, 'skill options', c));
    const work = f.work ?? path.join('runs', 'pretrain', path.basename(path.resolve(f.out)));
    const dataDir = path.join(work, 'data');
    // the corpus seed is far from the split seeds (100–500): its problems are not the SFT or test problems
    const gen = validateGenConfig({ minOps: ops[0], maxOps: ops[1], arith, redundantQuery: distractors });
    const spec = { name: 'pretrain', n, gen, seed: 90_000 + cfg.seed, surface };
    // --out is locked beside it (saving the model replaces the directory), --work inside
    await withLock(f.out, `--out ${f.out}`, 'file', () =>
      withLock(work, `--work ${work}`, 'dir', async () => {
        writeCorpus(usage, work, dataDir, spec, !!f.force);
        const runDir = path.join(work, 'run');
        const { runSft, loadCheckpoint, saveCheckpoint } = await heavy();
        const { skillTests, skillRecorder } = await import('./skill');
        const skillFile = path.join(work, 'skill.jsonl');
        if (f.force && fs.existsSync(skillFile)) fs.rmSync(skillFile); // --force retrains: the old curve is not this run's
        const tests = skillTests({ ops: skill.ops, n: skill.n, arith, surface, distractors, form }, loadDataDir(dataDir).rows);
        const done = new Set(fs.existsSync(skillFile) ? readJsonl<SkillRow>(skillFile).map((r) => r.step) : []);
        const record = skillRecorder(skillFile, tests, form, done);
        // by step, so a resumed run measures at the same checkpoints as an uninterrupted one
        const hashFile = path.join(work, 'checkpoints.jsonl');
        if (f.force && fs.existsSync(hashFile)) fs.rmSync(hashFile);
        const hashed = new Set(fs.existsSync(hashFile) ? readJsonl<CheckpointHash>(hashFile).map((r) => r.step) : []);
        const onCheckpoint = (step: number, dir: string, tokens: number) => {
          if (!hashed.has(step)) {
            const { weightsHash } = readJsonFile(path.join(dir, 'manifest.json')) as { weightsHash: string };
            appendJsonl(hashFile, { step, tokens, weightsHash } satisfies CheckpointHash);
            hashed.add(step);
          }
          if (skill.every > 0 && (step / cfg.checkpointEvery) % skill.every === 0) record(step, dir, tokens);
        };
        const res =
          finishedRun(work, runDir, cfg, dataDir, !!f.force) ??
          (await runSft({ data: dataDir, init: 'scratch', out: runDir, config: cfg, resume: f.resume, force: f.force, progress: f.progress, onCheckpoint }));
        record(res.steps, path.join(runDir, 'final'), res.tokensSeen);
        const curve = readJsonl<SkillRow>(skillFile).sort((x, y) => x.step - y.step);
        const checkpoints = fs.existsSync(hashFile) ? readJsonl<CheckpointHash>(hashFile).sort((x, y) => x.step - y.step) : [];
        exportModel({ out: f.out, arith, surface }, { presetName, n, ops, distractors, form, cfg, spec, revision, res, skill: curve, checkpoints, ck: loadCheckpoint(path.join(runDir, 'final')), saveCheckpoint });
      }),
    );
  });

  const grpo = program
    .command('grpo')
    .description('GRPO from an SFT checkpoint (also the frozen KL reference); writes RUN/{config.json,metrics.jsonl,ckpt,final,done.json}')
    .requiredOption('--init <SFT_RUN>', 'SFT run directory (uses RUN/final) or checkpoint directory')
    .requiredOption('--data <DIR>', 'RL training problems (`bridge data`)')
    .requiredOption('--out <RUN>', 'run directory')
    .option('--val <DIR>', 'validation problems for greedy accuracy every --eval-every steps')
    .option('--preset <name>', `${Object.keys(GRPO_PRESETS).join(' | ')}`, 'default');
  addRunFlags(addSchemaFlags(grpo, GRPO_FLAGS)).action(async (f: RunFlags & { init: string; data: string; out: string; val?: string; preset?: string; evalEvery?: number }) => {
    resumeOrForce(usage, f);
    if (f.evalEvery !== undefined && f.val === undefined && f.evalEvery !== 0) throw usage('--eval-every validates on --val DIR: give --val, or drop --eval-every');
    const config: GrpoConfig = configOf(usage, GRPO_PRESETS[preset(usage, f.preset, GRPO_PRESETS)], GRPO_FLAGS, f, grpoConfig);
    const { runGrpo } = await heavy();
    const res = await runGrpo({ init: resolveCheckpoint(f.init), data: f.data, val: f.val, out: f.out, config, resume: f.resume, force: f.force, progress: f.progress });
    process.stdout.write(JSON.stringify(res) + '\n');
  });

  const evalCmd = program
    .command('eval')
    .description('greedy (or mean@k sampled) accuracy of a checkpoint on a data directory, by op count')
    .requiredOption('--ckpt <RUN>', 'run directory (uses RUN/final) or checkpoint directory')
    .requiredOption('--data <DIR>', 'data directory written by `bridge data`');
  addSchemaFlags(evalCmd, EVAL_FLAGS)
    .option('--out <FILE>', 'write the full report (with every completion) as JSON')
    .option('--force', 'overwrite an existing --out file')
    .option('--json', 'print the summary as JSON')
    .action(async (f: { ckpt: string; data: string; out?: string; force?: boolean; json?: boolean }) => {
      const o = configOf(usage, {}, EVAL_FLAGS, f, (c) => parseConfig(EvalFlagsSchema, 'eval options', c));
      const { samples, seed, limit } = o;
      const temperature = o.temperature ?? (samples > 1 ? 1 : 0);
      if (samples > 1 && temperature === 0) throw usage(`--samples ${samples} needs --temperature > 0: at 0 every sample is the same greedy completion`);
      if (f.out) checkOutFile(usage, f.out, !!f.force);
      const evalTo = async () => {
        const { initBackend, loadCheckpoint, createTransformer, evaluate } = await heavy();
        await initBackend();
        const ck = loadCheckpoint(resolveCheckpoint(f.ckpt), '--ckpt');
        const tok = Tokenizer.fromJSON(ck.tokenizer as never);
        const data = loadDataDir(f.data);
        assertDataFitsModel(data, tok, '--data', `--ckpt ${f.ckpt}`);
        if (limit !== null && limit > data.rows.length) throw usage(`--limit ${limit} is more than the ${data.rows.length} problems in --data ${f.data}`);
        const model = createTransformer(ck.config, { weights: ck.weights });
        const rows = limit !== null ? data.rows.slice(0, limit) : data.rows;
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
    const m = mechanismShares(rep.mechanism);
    const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)} %`);
    process.stdout.write(
      `  reflection in ${pct(m.reflectionShare)} of completions, ${pct(m.recoveryRate)} of them right (${pct(m.accuracyWithoutReflection)} without one)\n` +
        `  first error of the wrong ones: ${Object.entries(m.firstError).map(([k, v]) => `${k} ${pct(v)}`).join(', ')}\n`,
    );
  }
}
