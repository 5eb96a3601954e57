// Tidy result rows of `bridge reproduce` (issue 8): the schema (the contract with report and notebooks) and the
// collection of finished stages into rows.csv / rows.json / meta.json. No heavy imports: notebooks load this cheaply.
import { z } from 'zod';

/** Must equal ALPHA_BINS in src/train/grpo.ts (a test checks it); copied so this module does not load tfjs. */
export const ROW_ALPHA_BINS = ['0', '(0,0.2]', '(0.2,0.4]', '(0.4,0.6]', '(0.6,0.8]', '(0.8,1)', '1'] as const;

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
  cost: { estimatedSeconds: number; measuredSeconds: number };
  failures: string[];
}
