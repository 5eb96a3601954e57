// Tidy result rows of `bridge reproduce`: the schema (the contract with report and notebooks) and the
// collection of finished stages into rows.csv / rows.json / meta.json. No heavy imports: notebooks load this cheaply.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { z } from 'zod';
import { writeFileAtomic, writeJsonAtomic } from '../fsutil';
import { ALPHA_BINS } from '../train/alpha';
import { mechanismShares, type MechanismSummary } from '../train/mechanism';

/** The α bins of the rows (src/train/alpha.ts: no tfjs, so this module stays light). */
export const ROW_ALPHA_BINS = ALPHA_BINS;

export const EXPERIMENTS = ['table1', 'fig1', 'fig4'] as const;
export const ROW_STAGES = ['sft', 'rft', 'grpo', 'probe'] as const;
export const ROW_SPLITS = ['id', 'ood', 'rl-train', 'rl-val', 'sft'] as const;

export interface ResultRow {
  experiment: 'table1' | 'fig1' | 'fig4';
  /** variant name: vanilla | pp-aug | rc-aug | bridge | explore | analysis | subgoal | exploit | bridge[reflect=0.2] … */
  method: string;
  seed: number;
  stage: 'sft' | 'rft' | 'grpo' | 'probe';
  split: 'id' | 'ood' | 'rl-train' | 'rl-val' | 'sft';
  metric: string;
  /** GRPO step for curves */
  step: number | null;
  /** α bin label from ALPHA_BINS (src/train/grpo.ts) for histograms / influence by bin */
  bin: string | null;
  value: number;
}

export const resultRowSchema = z
  .object({
    experiment: z.enum(EXPERIMENTS),
    method: z.string().min(1),
    seed: z.number().int().nonnegative(),
    stage: z.enum(ROW_STAGES),
    split: z.enum(ROW_SPLITS),
    metric: z.string().min(1),
    step: z.number().int().nonnegative().nullable(),
    bin: z.enum(ROW_ALPHA_BINS).nullable(),
    value: z.number().finite(),
  })
  .strict();

// Compile-time check: every row the schema accepts is a ResultRow (bin is narrowed to the ALPHA_BINS labels).
type _SchemaFits = [z.infer<typeof resultRowSchema>] extends [ResultRow] ? true : never;
export const _schemaFits: _SchemaFits = true;

/** Validate rows; throws one line naming the first bad row index and field. */
export function validateRows(rows: unknown): ResultRow[] {
  if (!Array.isArray(rows)) throw new Error('rows: expected an array of result rows');
  for (let i = 0; i < rows.length; i++) {
    const r = resultRowSchema.safeParse(rows[i]);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`rows[${i}].${issue.path.join('.') || '(row)'}: ${issue.message}`);
    }
  }
  return rows as ResultRow[];
}

/** One stage as recorded in meta.json. */
export interface StageMeta {
  id: string; // `<stage>-<method>-s<seed>-<hash12>`
  kind: string; // data | sft | eval-sft | grpo | eval-rft | probe | splits
  method: string | null;
  seed: number | null;
  hash: string; // full sha256
  status: 'done' | 'reused' | 'failed' | 'skipped';
  seconds: number | null; // measured wall time of the stage (its own run, also when reused)
  estimatedSeconds: number;
  error?: string;
  /** data stages: sha256 of their SFT questions and answers; two arms with one hash were trained on the same text */
  answersHash?: string;
}

/** OUT/results/meta.json. */
export interface ResultsMeta {
  preset: string;
  command: string;
  config: unknown; // the full preset object (see src/experiments/presets.ts)
  experiments: Record<string, { methods: string[] }>;
  stages: StageMeta[];
  revision: { commit: string; dirty: boolean };
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  /**
   * estimatedSeconds / measuredSeconds: this invocation's wall time, predicted (for the stages it had to run) and
   * measured. byKind: one-core seconds per stage kind over all stages of the plan, predicted and as recorded.
   */
  cost: { jobs: number; estimatedSeconds: number; measuredSeconds: number; byKind: Record<string, { estimated: number; measured: number }> };
  failures: string[];
}

/** sha256 over every (query, response) of an SFT problems.jsonl, in file order; null when the file is missing. */
export function answersHash(problemsJsonl: string): string | null {
  if (!fs.existsSync(problemsJsonl)) return null;
  const h = createHash('sha256');
  for (const line of fs.readFileSync(problemsJsonl, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { query: string; response: string };
    h.update(`${r.query}\u0000${r.response}\u0001`);
  }
  return h.digest('hex');
}

// ---- collecting finished stages into rows ------------------------------------------------------------------------

/** The parts of the plan and of done.json that rows are made from (types only: this module stays light). */
export interface RowSource {
  experiments: { name: ResultRow['experiment']; methods: { name: string }[] }[];
  seeds: number[];
  /** `${method}|${seed}|${kind}` → stage id. */
  lookup: Map<string, string>;
  /** stage id → its done.json `result`, for finished stages only. */
  results: Map<string, unknown>;
}

// The stage results as read back, declared here rather than imported from stages.ts: the notebooks compile this
// module under tslab, and a type import would make them type-check the whole pipeline (tfjs included). Fields a
// stage gained after a run was written are absent in that run's results, hence optional.
interface EvalSplitRes { accuracy: number; accuracyChanceCorrected?: number; mechanism?: MechanismSummary }
interface EvalRes { id: EvalSplitRes; ood: EvalSplitRes }
interface SftRes { tokensSeen: number; trainSeconds: number }
interface GrpoRes {
  curve: { step: number; reward: number; valAccuracy: number | null; reflection?: number; recovery?: number | null; firstError?: Record<string, number | null> }[];
  valBefore: number | null;
  trainSeconds: number;
}
interface ProbeRes {
  queries: number;
  histogram: Record<string, number>;
  informative: number;
  informativeAboveGuess?: number;
  histogramAboveGuess?: Record<string, number>;
  influence: { byBin: { bin: string; queries: number; meanInfluence: number; meanCosine?: number; meanContrastNorm?: number }[]; mean: number; targetGradNorm?: number };
}

type Push = (stage: ResultRow['stage'], split: ResultRow['split'], metric: string, value: number, step?: number | null, bin?: string | null) => void;

/** The rows of one (experiment, method, seed) from its finished stages' results (`res(kind)`; undefined = not finished). */
function rowsOf(experiment: ResultRow['experiment'], res: <T>(kind: string) => T | undefined, push: Push): void {
  // raw accuracy and, next to it, the chance-corrected one (results written before it existed have none)
  const evalRows = (stage: 'sft' | 'rft', e: EvalRes) => {
    for (const split of ['id', 'ood'] as const) {
      push(stage, split, 'accuracy', e[split].accuracy);
      const cc = e[split].accuracyChanceCorrected;
      if (cc !== undefined) push(stage, split, 'accuracy_chance_corrected', cc);
      // the mechanism in the greedy completions (results written before it existed have none)
      const mech = e[split].mechanism;
      if (mech) {
        const m = mechanismShares(mech);
        push(stage, split, 'reflection_share', m.reflectionShare);
        if (Number.isFinite(m.recoveryRate)) push(stage, split, 'recovery_rate', m.recoveryRate);
        for (const [cls, v] of Object.entries(m.firstError)) if (Number.isFinite(v)) push(stage, split, `first_error_${cls}`, v);
      }
    }
  };
  const accuracy = () => {
    const s = res<EvalRes>('eval-sft');
    if (s) evalRows('sft', s);
    const r = res<EvalRes>('eval-rft');
    if (r) evalRows('rft', r);
  };
  if (experiment === 'table1') {
    accuracy();
    const sft = res<SftRes>('sft');
    if (sft) (push('sft', 'sft', 'tokens', sft.tokensSeen), push('sft', 'sft', 'seconds', sft.trainSeconds));
    const g = res<GrpoRes>('grpo');
    if (g) push('rft', 'rl-train', 'seconds', g.trainSeconds);
    return;
  }
  if (experiment === 'fig4') return accuracy();
  const g = res<GrpoRes>('grpo');
  if (g) {
    // step = updates the policy had: the batch of step s was sampled after s updates, validation after s + 1
    const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
    for (const c of g.curve) push('grpo', 'rl-train', 'reward_mean', c.reward, c.step);
    if (g.valBefore !== null) push('grpo', 'rl-val', 'accuracy', g.valBefore, 0);
    for (const c of g.curve) if (c.valAccuracy !== null) push('grpo', 'rl-val', 'accuracy', c.valAccuracy, c.step + 1);
    for (const c of g.curve) if (finite(c.reflection)) push('grpo', 'rl-train', 'reflection_share', c.reflection, c.step);
    for (const c of g.curve) if (finite(c.recovery)) push('grpo', 'rl-train', 'recovery_rate', c.recovery, c.step);
    for (const c of g.curve) for (const [cls, v] of Object.entries(c.firstError ?? {})) if (finite(v)) push('grpo', 'rl-train', `first_error_${cls}`, v, c.step);
  }
  const p = res<ProbeRes>('probe');
  if (p) {
    for (const bin of ROW_ALPHA_BINS) push('probe', 'rl-train', 'alpha_share', (p.histogram[bin] ?? 0) / Math.max(1, p.queries), null, bin);
    // the same histogram without the queries a guesser reaches (results written before it existed have none)
    const above = p.histogramAboveGuess;
    if (above) for (const bin of ROW_ALPHA_BINS) push('probe', 'rl-train', 'alpha_share_above_guess', (above[bin] ?? 0) / Math.max(1, p.queries), null, bin);
    push('probe', 'rl-train', 'informative_share', p.informative);
    if (p.informativeAboveGuess !== undefined) push('probe', 'rl-train', 'informative_share_above_guess', p.informativeAboveGuess);
    for (const bin of ROW_ALPHA_BINS) {
      const b = p.influence.byBin.find((x) => x.bin === bin);
      if (!b || b.queries === 0) continue;
      push('probe', 'rl-train', 'influence', b.meanInfluence, null, bin);
      // the influence as a cosine, and the contrast gradients' norm it divides out
      if (b.meanCosine !== undefined) push('probe', 'rl-train', 'influence_cosine', b.meanCosine, null, bin);
      if (b.meanContrastNorm !== undefined) push('probe', 'rl-train', 'contrast_grad_norm', b.meanContrastNorm, null, bin);
    }
    if (p.influence.targetGradNorm !== undefined) push('probe', 'rl-train', 'target_grad_norm', p.influence.targetGradNorm);
    push('probe', 'rl-train', 'influence_mean', p.influence.mean);
  }
}

/** Tidy rows from the finished stages, in a fixed order (experiment, method, seed, metric): equal inputs ⇒ equal files. */
export function collectRows(src: RowSource): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const e of src.experiments) {
    for (const m of e.methods) {
      for (const seed of src.seeds) {
        const res = <T>(kind: string): T | undefined => {
          const id = src.lookup.get(`${m.name}|${seed}|${kind}`);
          return id === undefined ? undefined : (src.results.get(id) as T | undefined);
        };
        const push: Push = (stage, split, metric, value, step = null, bin = null) =>
          rows.push({ experiment: e.name, method: m.name, seed, stage, split, metric, step, bin, value });
        try {
          rowsOf(e.name, res, push);
        } catch (err) {
          throw new Error(`results of ${e.name} ${m.name} seed ${seed}: ${(err as Error).message} (a malformed done.json? delete that stage directory to rerun it)`);
        }
      }
    }
  }
  return validateRows(rows);
}

const CSV_COLUMNS = ['experiment', 'method', 'seed', 'stage', 'split', 'metric', 'step', 'bin', 'value'] as const;

/** rows.csv (papaparse): a header and one line per row, \n line ends; null step/bin are empty cells. */
export function rowsToCsv(rows: readonly ResultRow[]): string {
  const data = rows.map((r) => CSV_COLUMNS.map((c) => r[c] ?? null));
  return Papa.unparse({ fields: [...CSV_COLUMNS], data }, { newline: '\n', quotes: false }) + '\n';
}

/** Write OUT/results/{rows.csv,rows.json,meta.json}, each atomically. */
export function writeResults(outDir: string, rows: readonly ResultRow[], meta: ResultsMeta): void {
  writeResultsTo(path.join(outDir, 'results'), rows, meta);
}

/** Every stage finished (ran or reused): no failure, nothing skipped. */
const complete = (meta: ResultsMeta): boolean => meta.failures.length === 0 && meta.stages.every((s) => s.status === 'done' || s.status === 'reused');

/**
 * Results are replaced only by complete results: incomplete ones (a stage failed or was skipped) go to
 * OUT/results/partial while OUT/results holds complete results, or more rows, of an earlier run.
 */
export function replaceResults(outDir: string, rows: readonly ResultRow[], meta: ResultsMeta): { dir: string; keptPrevious: boolean } {
  const dir = path.join(outDir, 'results');
  let previous: { rows: ResultRow[]; meta: ResultsMeta } | null = null;
  try {
    previous = readResults(outDir);
  } catch {
    previous = null; // none, or unreadable: nothing worth keeping
  }
  if (!complete(meta) && previous && (complete(previous.meta) || previous.rows.length > rows.length)) {
    writeResultsTo(path.join(dir, 'partial'), rows, meta);
    return { dir: path.join(dir, 'partial'), keptPrevious: true };
  }
  writeResultsTo(dir, rows, meta);
  fs.rmSync(path.join(dir, 'partial'), { recursive: true, force: true });
  return { dir, keptPrevious: false };
}

function writeResultsTo(dir: string, rows: readonly ResultRow[], meta: ResultsMeta): void {
  writeFileAtomic(path.join(dir, 'rows.csv'), rowsToCsv(rows));
  // one row per line: diffs of committed results stay readable
  writeFileAtomic(path.join(dir, 'rows.json'), '[\n' + rows.map((r) => '  ' + JSON.stringify(r)).join(',\n') + '\n]\n');
  writeJsonAtomic(path.join(dir, 'meta.json'), meta);
}

/** Read OUT/results back (for the report, notebooks and tests), validating the rows. */
export function readResults(outDir: string): { rows: ResultRow[]; meta: ResultsMeta } {
  const dir = path.join(outDir, 'results');
  const rows = validateRows(JSON.parse(fs.readFileSync(path.join(dir, 'rows.json'), 'utf8')));
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as ResultsMeta;
  return { rows, meta };
}
