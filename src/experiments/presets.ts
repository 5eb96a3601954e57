// The sizes of `bridge reproduce`: one object per preset — task, seeds, model + SFT, GRPO, evaluation and
// probe settings — validated with zod so a bad number stops with one line naming the field.
import { z } from 'zod';
import { SFT_PRESETS, SftConfigSchema } from '../train/sft-config';
import { GRPO_PRESETS, GrpoConfigSchema } from '../train/grpo-config';
import { MAX_OPS, OpRangeSchema } from '../igsm/generate';

/** The shipped base model the regime's SFT starts from (docs/regime.md; its recipe in the directory). */
export const REGIME_BASE = 'data/models/base-op1-8-nodistract-480k';

export const PRESET_NAMES = ['tiny', 'quick', 'full', 'paper'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const int = (lo: number, hi = 10_000_000) => z.number().int().min(lo).max(hi);
const opRange = OpRangeSchema;

const TaskSchema = z
  .object({
    surface: z.enum(['compact', 'english']),
    arith: z.enum(['mod23', 'exact']),
    /** Op range of the SFT problems and of RL-train. */
    sftOps: opRange,
    /** Test ID: forced to the top op of sftOps. */
    idOp: int(1, MAX_OPS),
    /** Test OOD: forced to this (larger) op count. */
    oodOp: int(1, MAX_OPS),
    /** Op range of RL-val (null = sftOps). */
    rlValOps: opRange.nullable().default(null),
    nSft: int(1),
    nRlTrain: int(1),
    nRlVal: int(1),
    /** Problems per test split (ID and OOD each). */
    nTest: int(1),
    /** Stage-5 distractor (redundant) sentences in every query (the paper: yes; the learnability default: no). */
    distractors: z.boolean().default(true),
    /** Seed of every problem set; the training seeds vary everything else. */
    dataSeed: int(0, 2 ** 31 - 1).default(0),
  })
  .strict()
  .refine((t) => t.idOp === t.sftOps[1], { message: 'idOp must equal the top of sftOps (test ID = forced top op)', path: ['idOp'] })
  .refine((t) => t.oodOp > t.idOp, { message: 'oodOp must be larger than idOp', path: ['oodOp'] });

const EvalSchema = z
  .object({
    /** Greedy decoding budget; must cover the longest OOD answer of the longest variant. */
    maxNew: int(1, 65_536),
    batchSize: int(1, 4096).default(64),
  })
  .strict();

const ProbeSchema = z
  .object({
    /** Rollout accuracy α on the first `n` RL-train queries, `samples` rollouts each at `temperature`. */
    alpha: z.object({ n: int(1), samples: int(2, 1024), temperature: z.number().positive().max(10).default(1), maxNew: int(1, 65_536) }).strict(),
    /** Per-step influence of the first `n` α queries (same rollouts) on `targetN` RL-val queries × `targetSamples`. */
    influence: z.object({ n: int(0), targetN: int(1), targetSamples: int(2, 1024), norm: z.enum(['mean', 'sum']).default('mean') }).strict(),
  })
  .strict()
  .refine((p) => p.influence.n <= p.alpha.n, { message: 'influence.n must be ≤ alpha.n (influence reuses the α rollouts)', path: ['influence', 'n'] });

export const PresetSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    /** The wall-time target on this project's 2-core machine; the estimate warns when it is exceeded. */
    budgetMinutes: z.number().positive().nullable().default(null),
    task: TaskSchema,
    /** Training seeds: one SFT → GRPO → eval chain per (method, seed). */
    seeds: z.array(int(0, 2 ** 31 - 1)).min(1).refine((s) => new Set(s).size === s.length, 'seeds must be distinct'),
    /**
     * More seeds for the key comparison only (Vanilla and BRIDGE: KEY_METHODS in definitions.ts), every stage they need:
     * the power of "BRIDGE's RL gain − Vanilla's" costs these seeds, not the other arms (docs/method.md, How a claim is judged).
     */
    keySeeds: z.array(int(0, 2 ** 31 - 1)).default([]),
    /** 'scratch' or a base-model checkpoint directory (its content hash enters the stage hashes). */
    init: z.string().min(1).default('scratch'),
    /** SFT config (src/train/sft-config.ts); its seed is replaced by the run's seed. */
    sft: SftConfigSchema.refine((c) => c.workers === 1, { message: 'workers must be 1 (parallelism comes from the stage pool)', path: ['workers'] }),
    /** GRPO config (src/train/grpo-config.ts); its seed is replaced by the run's seed. */
    grpo: GrpoConfigSchema.refine((c) => c.workers === 1, { message: 'workers must be 1 (parallelism comes from the stage pool)', path: ['workers'] }),
    eval: EvalSchema,
    probe: ProbeSchema,
    /** Figure 4's injection-probability sweep: bridge with these reflection probabilities (null = off). */
    sweep: z.array(z.number().min(0).max(1)).min(1).nullable().default(null),
  })
  .strict()
  .refine((p) => new Set([...p.seeds, ...p.keySeeds]).size === p.seeds.length + p.keySeeds.length, { message: 'must be distinct from each other and from seeds', path: ['keySeeds'] })
  .refine((p) => p.probe.alpha.n <= p.task.nRlTrain, { message: 'must be ≤ task.nRlTrain (α queries come from RL-train)', path: ['probe', 'alpha', 'n'] })
  .refine((p) => p.probe.influence.targetN <= p.task.nRlVal, { message: 'must be ≤ task.nRlVal (targets come from RL-val)', path: ['probe', 'influence', 'targetN'] })
  .refine((p) => (p.grpo.valN ?? 0) <= p.task.nRlVal, { message: 'must be ≤ task.nRlVal', path: ['grpo', 'valN'] });

export type Preset = z.infer<typeof PresetSchema>;
export type PresetInput = z.input<typeof PresetSchema>;

/**
 * The presets. Retune here (e.g. after the learnability study): every number of a preset is in its one object.
 * Sizes in tokens (compact, mod23): prompts ≤ 242, answers at op 4 ≤ 168 (bridge), at op 6 ≤ 219 (bridge).
 * The training settings are built from the presets they name — GRPO_PRESETS (src/train/grpo-config.ts) and
 * SFT_PRESETS (src/train/sft-config.ts) — with only the fields this task changes overridden; every preset runs one
 * worker per stage (parallelism comes from the stage pool).
 */
export const PRESETS: Record<PresetName, PresetInput> = {
  // CI: the whole pipeline (three experiments, report) in well under 3 min on 2 cores; the numbers mean nothing
  tiny: {
    name: 'tiny',
    budgetMinutes: 3,
    description: 'plumbing check: every stage and artifact at minimal sizes (the numbers are noise)',
    task: { surface: 'compact', arith: 'mod23', sftOps: [2, 4], idOp: 4, oodOp: 6, nSft: 40, nRlTrain: 16, nRlVal: 4, nTest: 6 },
    seeds: [1],
    sft: {
      epochs: 1, batchSize: 8, lossOn: 'response', schedule: { kind: 'cosine', lr: 1e-2, warmupSteps: 2, minRatio: 0.1 },
      model: { d: 32, layers: 1, heads: 2, ctx: 512, mlpRatio: 2, activation: 'gelu' }, checkpointEvery: 2, workers: 1,
    },
    grpo: { ...GRPO_PRESETS.tiny, steps: 2, promptsPerStep: 2, maxNew: 24, evalEvery: 1, valN: null, checkpointEvery: 1, workers: 1 },
    eval: { maxNew: 24 },
    probe: { alpha: { n: 4, samples: 4, maxNew: 24 }, influence: { n: 4, targetN: 2, targetSamples: 4 } },
  },
  // the README's main job: all three artifacts in ≤ 10 min on 2 cores, SFT from the shipped regime base model
  // (docs/regime.md): op 4 in distribution, op 5 out of it, questions without distractor sentences
  quick: {
    name: 'quick',
    budgetMinutes: 10,
    description: 'one seed, small sets, SFT from the regime base model: every table cell and figure series in ≤ 10 min on 2 cores',
    task: { surface: 'compact', arith: 'mod23', sftOps: [4, 4], idOp: 4, oodOp: 5, distractors: false, nSft: 600, nRlTrain: 400, nRlVal: 40, nTest: 100 },
    seeds: [1],
    init: REGIME_BASE,
    sft: { ...SFT_PRESETS.regime, epochs: 12, maxSteps: 900, workers: 1 },
    grpo: { ...GRPO_PRESETS.default, steps: 10, promptsPerStep: 8, maxNew: 192, evalEvery: 5, valN: null, checkpointEvery: 5, workers: 1 },
    eval: { maxNew: 256 },
    probe: { alpha: { n: 48, samples: 8, maxNew: 192 }, influence: { n: 24, targetN: 8, targetSamples: 8 } },
  },
  // the small-scale reproduction (docs/regime.md): the task and SFT of the regime study's arms — 2,000 op-4 problems ×
  // 12 epochs at lr 3e-3 from the regime base model, 500 + 500 test problems — and the GRPO its check measured to move
  // Vanilla's accuracy (GRPO_PRESETS.regime: 19,200 rollouts per run, the paper's 204,800). Five seeds for Vanilla and
  // BRIDGE (the key difference's sd of 2.0 pp over the check's 3 seeds gives a 95 % half-width ≈ 2.5 pp at 5), three
  // for every other arm, and the injection-probability sweep (p = 0 and 0.1 are the exploit and bridge arms)
  full: {
    name: 'full',
    budgetMinutes: 240,
    description: 'the regime (docs/regime.md): SFT of 2,000 op-4 problems × 12 epochs from the regime base model, GRPO 150 × 16 × 8 rollouts; 5 seeds for Vanilla and BRIDGE, 3 for the other arms',
    task: { surface: 'compact', arith: 'mod23', sftOps: [4, 4], idOp: 4, oodOp: 5, distractors: false, nSft: 2000, nRlTrain: 4000, nRlVal: 100, nTest: 500 },
    seeds: [1, 2, 3],
    keySeeds: [4, 5],
    init: REGIME_BASE,
    sft: { ...SFT_PRESETS.regime, workers: 1 },
    grpo: { ...GRPO_PRESETS.regime, valN: null, workers: 1 },
    eval: { maxNew: 256 },
    probe: { alpha: { n: 128, samples: 16, maxNew: 192 }, influence: { n: 64, targetN: 16, targetSamples: 16 } },
    sweep: [0, 0.1, 0.2, 0.3],
  },
  // the paper's data sizes, group sizes and steps (docs/method.md, The paper's settings next to ours), for machines
  // with tfjs-node-gpu; the model is still trained from scratch, so the learning rates are small-model ones, not the
  // paper's 5e-6 / 1e-6
  paper: {
    name: 'paper',
    description: "the paper's sizes (op 15–20, 2000 SFT, 10k RL, 500 test, 32×32 GRPO, 200 steps); needs a GPU backend",
    task: { surface: 'english', arith: 'exact', sftOps: [15, 20], idOp: 20, oodOp: 25, rlValOps: [21, 25], nSft: 2000, nRlTrain: 10_000, nRlVal: 500, nTest: 500 },
    seeds: [1, 2, 3],
    sft: {
      epochs: 5, batchSize: 128, lossOn: 'all', schedule: { kind: 'cosine', lr: 1e-3, warmupSteps: 20, minRatio: 0.1 },
      model: { d: 256, layers: 6, heads: 8, ctx: 2048, mlpRatio: 4, activation: 'gelu' }, checkpointEvery: 50, workers: 1,
    },
    grpo: { ...GRPO_PRESETS.paper, valN: null, checkpointEvery: 20, workers: 1 },
    eval: { maxNew: 1536 },
    probe: { alpha: { n: 256, samples: 32, maxNew: 1536 }, influence: { n: 128, targetN: 64, targetSamples: 32 } },
    sweep: [0, 0.1, 0.2, 0.3],
  },
};

/** Every training seed of a preset: the seeds all methods run, then the key comparison's extra ones. */
export const allSeeds = (p: Pick<Preset, 'seeds' | 'keySeeds'>): number[] => [...p.seeds, ...p.keySeeds];

/** Validate a preset object; throws one line naming the preset, the field and the rule. */
export function presetConfig(input: unknown): Preset {
  const r = PresetSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = typeof (input as { name?: unknown })?.name === 'string' ? (input as { name: string }).name : '(unnamed)';
  if (issue.code === 'unrecognized_keys') throw new Error(`preset ${name}: ${issue.path.join('.') || '(preset)'}: unknown field(s) ${issue.keys.join(', ')}`);
  throw new Error(`preset ${name}: ${issue.path.join('.') || '(preset)'}: ${issue.message}`);
}

/** A named preset, validated. */
export function getPreset(name: string): Preset {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) throw new Error(`--preset must be one of ${PRESET_NAMES.join(', ')}, got "${name}"`);
  return presetConfig(PRESETS[name as PresetName]);
}
