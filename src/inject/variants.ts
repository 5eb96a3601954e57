// The named SFT-data conditions (paper Table 1 and the Fig. 4 / Fig. 5 ablations) and their validation.
import { z } from 'zod';
import { MAX_ANALYSIS_LEVEL, type BehaviourKnobs } from './behaviours.js';

/** Behaviour variants rewrite the answer; baselines multiply rows (docs/igsm-generator.md, PP-Aug and RC-Aug). */
export const BEHAVIOUR_VARIANTS = {
  vanilla: { reflect: 0, analysis: 0, subgoal: false },
  bridge: { reflect: 0.1, analysis: 2, subgoal: true },
  explore: { reflect: 0.1, analysis: 0, subgoal: false },
  exploit: { reflect: 0, analysis: 2, subgoal: true },
  subgoal: { reflect: 0, analysis: 0, subgoal: true },
  analysis: { reflect: 0, analysis: 2, subgoal: false },
} as const satisfies Record<string, BehaviourKnobs>;

export const BASELINES = ['pp-aug', 'rc-aug'] as const;

export type BehaviourVariant = keyof typeof BEHAVIOUR_VARIANTS;
export type Baseline = (typeof BASELINES)[number];
export type VariantName = BehaviourVariant | Baseline;

export const VARIANT_NAMES: readonly VariantName[] = [...(Object.keys(BEHAVIOUR_VARIANTS) as BehaviourVariant[]), ...BASELINES];

/** Default rows per problem for the baselines (the original plus k − 1 augmented copies). */
export const DEFAULT_K = 4;

/** A resolved condition: what injectRow applies to every base problem. */
export interface VariantSpec {
  /** Label written into each row's `variant`: the preset name, or e.g. "bridge[reflect=0.2]" when overridden. */
  name: string;
  base: VariantName;
  kind: 'behaviour' | 'pp-aug' | 'rc-aug';
  knobs: BehaviourKnobs;
  /** Rows per problem (baselines only; 1 for behaviour variants). */
  k: number;
}

/** Explicit overrides, as the CLI flags --reflect P --analysis L --subgoal/--no-subgoal --k K. */
export interface VariantOverrides {
  reflect?: number;
  analysis?: number;
  subgoal?: boolean;
  k?: number;
}

const allowed = VARIANT_NAMES.join(', ');
/** A variant name and its knob overrides: the schema `bridge data` derives --variant, --reflect, --analysis, --subgoal and --k from. */
export const VariantOptionsSchema = z
  .object({
    variant: z
      .enum(VARIANT_NAMES as [VariantName, ...VariantName[]], { error: `must be one of ${allowed}` })
      .default('vanilla')
      .describe('answer variant: a behaviour (BEHAVIOUR_VARIANTS) or a baseline'),
    reflect: z
      .number({ error: 'must be a number in [0, 1]' })
      .min(0, 'must be a number in [0, 1]')
      .max(1, 'must be a number in [0, 1]')
      .optional()
      .describe("override the variant's reflection (exploration) probability"),
    analysis: z
      .number({ error: `must be an integer in 0–${MAX_ANALYSIS_LEVEL}` })
      .int(`must be an integer in 0–${MAX_ANALYSIS_LEVEL}`)
      .min(0, `must be an integer in 0–${MAX_ANALYSIS_LEVEL}`)
      .max(MAX_ANALYSIS_LEVEL, `must be an integer in 0–${MAX_ANALYSIS_LEVEL}`)
      .optional()
      .describe("override the variant's information-analysis level"),
    subgoal: z.boolean({ error: 'must be true or false' }).optional().describe('turn subgoal computation on'),
    k: z
      .number({ error: 'must be an integer ≥ 1' })
      .int('must be an integer ≥ 1')
      .min(1, 'must be an integer ≥ 1')
      .max(1000, 'must be an integer in [1, 1000]')
      .optional()
      .describe(`rows per problem for pp-aug / rc-aug (default ${DEFAULT_K})`),
  })
  .strict();

/** The flag that names each field in error lines. */
const FLAG: Record<string, string> = { variant: '--variant', reflect: '--reflect', analysis: '--analysis', subgoal: '--subgoal', k: '--k' };

/**
 * Resolve a variant name plus overrides. Throws one line naming the flag and the allowed range, e.g.
 * `--reflect must be a number in [0, 1], got 1.5` or `--variant must be one of vanilla, bridge, …, got "foo"`.
 * Behaviour knobs cannot be combined with pp-aug / rc-aug (they are defined on vanilla answers).
 */
export function resolveVariant(name: string, overrides: VariantOverrides = {}): VariantSpec {
  const input = { variant: name, ...overrides };
  const r = VariantOptionsSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    if (issue.code === 'unrecognized_keys') throw new Error(`unknown variant option(s): ${issue.keys.join(', ')}`);
    const field = String(issue.path[0] ?? 'variant');
    const got = (input as Record<string, unknown>)[field];
    throw new Error(`${FLAG[field] ?? field} ${issue.message}, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`);
  }
  const base = r.data.variant;
  if (base === 'pp-aug' || base === 'rc-aug') {
    for (const knob of ['reflect', 'analysis', 'subgoal'] as const) {
      if (overrides[knob] !== undefined) throw new Error(`${FLAG[knob]} does not apply to --variant ${base} (its answers are vanilla)`);
    }
    return { name: base, base, kind: base, knobs: { ...BEHAVIOUR_VARIANTS.vanilla }, k: overrides.k ?? DEFAULT_K };
  }
  if (overrides.k !== undefined) throw new Error(`${FLAG.k} applies to --variant pp-aug or rc-aug only (a behaviour variant writes one row per problem)`);
  const preset: BehaviourKnobs = BEHAVIOUR_VARIANTS[base];
  const knobs: BehaviourKnobs = {
    reflect: overrides.reflect ?? preset.reflect,
    analysis: overrides.analysis ?? preset.analysis,
    subgoal: overrides.subgoal ?? preset.subgoal,
  };
  const changed: string[] = [];
  if (knobs.reflect !== preset.reflect) changed.push(`reflect=${knobs.reflect}`);
  if (knobs.analysis !== preset.analysis) changed.push(`analysis=${knobs.analysis}`);
  if (knobs.subgoal !== preset.subgoal) changed.push(`subgoal=${knobs.subgoal ? 'on' : 'off'}`);
  return { name: changed.length === 0 ? base : `${base}[${changed.join(',')}]`, base, kind: 'behaviour', knobs, k: 1 };
}
