// SFT-data statistics per answer variant, and a seeded example problem (notebook 01). The numbers are the
// ones `bridge stats` prints (splitStats, summarizeTraces, canonical-tokenizer length), here for every variant of
// the same problems at once.
import { generateSplit, type SplitSpec } from '../igsm/dataset';
import { validateGenConfig } from '../igsm/generate';
import { splitStats } from '../igsm/stats';
import type { Arith, ProblemRow, Surface } from '../igsm/types';
import { computeTrace, resolveVariant, summarizeTraces, variantFn, VARIANT_NAMES } from '../inject/index';
import { canonicalTokenizer } from '../text/vocab';

export interface DataStatsOptions {
  /** Base problems per variant (default 300). */
  n?: number;
  /** Split seed (default 1); every variant sees the same problems. */
  seed?: number;
  /** Op-count range (default [15, 20], the paper's SFT split). */
  ops?: [number, number];
  arith?: Arith;
  surface?: Surface;
  /** Variant names (default: all of VARIANT_NAMES). */
  variants?: readonly string[];
}

/** One variant's statistics; per-answer means are over its rows (a baseline has several rows per problem). */
export interface VariantDataStats {
  variant: string;
  problems: number;
  rows: number;
  meanChars: number;
  /** Answer length in tokens of the canonical tokenizer (what SFT trains on). */
  meanTokens: number;
  /** meanChars relative to the vanilla answers of the same problems (1 for vanilla; null if vanilla is not in the set). */
  charsVsVanilla: number | null;
  stepsPerAnswer: number;
  reflectionsPerAnswer: number;
  shareWithReflection: number;
  failedAttemptsPerAnswer: number;
  analysisPerAnswer: number;
  subgoalStepsPerAnswer: number;
}

function splitSpec(o: DataStatsOptions, name: string): SplitSpec {
  const [minOps, maxOps] = o.ops ?? [15, 20];
  const n = o.n ?? 300;
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be an integer ≥ 1, got ${n}`);
  return { name, n, gen: validateGenConfig({ minOps, maxOps, force: false, arith: o.arith ?? 'exact' }), seed: o.seed ?? 1, surface: o.surface ?? 'english' };
}

/**
 * The rows of one variant for the split described by `o` — exactly the rows `bridge data --split NAME --n N --ops A-B
 * --seed S --variant V` writes (same problems for every variant: the generator forks one stream per problem).
 */
export function variantRows(variant: string, o: DataStatsOptions = {}, name = 'demo'): ProblemRow[] {
  const spec = splitSpec(o, name);
  if (variant === 'vanilla') return generateSplit(spec).rows;
  return generateSplit(spec, { variant: { name: variant, fn: variantFn(resolveVariant(variant)) } }).rows;
}

/** The statistics of one variant's rows, computed as `bridge stats` does. */
export function statsOfRows(variant: string, rows: readonly ProblemRow[], arith: Arith): Omit<VariantDataStats, 'charsVsVanilla'> {
  const s = splitStats(rows);
  const tok = canonicalTokenizer(arith);
  const tokens = rows.reduce((a, r) => a + tok.encode(r.response).length, 0) / Math.max(1, rows.length);
  const b = summarizeTraces(rows.map((r) => r.trace ?? computeTrace(r.response, r.graph, { surface: r.surface })));
  return {
    variant,
    problems: s.problems,
    rows: s.rows,
    meanChars: s.meanAnswerChars,
    meanTokens: tokens,
    stepsPerAnswer: b.stepsPerAnswer,
    reflectionsPerAnswer: b.reflectionsPerAnswer,
    shareWithReflection: b.shareWithReflection,
    failedAttemptsPerAnswer: b.lockedPerAnswer,
    analysisPerAnswer: b.analysisPerAnswer,
    subgoalStepsPerAnswer: b.subgoalStepsPerAnswer,
  };
}

/**
 * Generate the same `n` problems under every variant and return each variant's statistics (vanilla first when
 * present). Deterministic in the options. About 1 s per 1000 rows on one core.
 */
export function variantDataStats(o: DataStatsOptions = {}): VariantDataStats[] {
  const variants = o.variants ?? VARIANT_NAMES;
  for (const v of variants) resolveVariant(v); // one clear error for an unknown name before any work
  const stats = variants.map((v) => statsOfRows(v, variantRows(v, o), o.arith ?? 'exact'));
  const vanilla = stats.find((s) => s.variant === 'vanilla');
  return stats.map((s) => ({ ...s, charsVsVanilla: vanilla ? s.meanChars / vanilla.meanChars : null }));
}

/** The statistics as a display table (columns in reading order; shares in %). Feed it to frames.ts `displayFrame`. */
export function variantStatsTable(stats: readonly VariantDataStats[]): { columns: string[]; rows: (string | number | null)[][] } {
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    columns: ['variant', 'problems', 'rows', 'chars', 'tokens', '× vanilla chars', 'steps', 'reflections', '% with reflection', 'failed attempts', 'analysis', 'subgoal steps'],
    rows: stats.map((s) => [
      s.variant,
      s.problems,
      s.rows,
      r2(s.meanChars),
      r2(s.meanTokens),
      s.charsVsVanilla === null ? null : r2(s.charsVsVanilla),
      r2(s.stepsPerAnswer),
      r2(s.reflectionsPerAnswer),
      r2(100 * s.shareWithReflection),
      r2(s.failedAttemptsPerAnswer),
      r2(s.analysisPerAnswer),
      r2(s.subgoalStepsPerAnswer),
    ]),
  };
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Bar chart: mean answer length in tokens per variant (axis titles "variant" and "answer tokens (mean)"). */
export function answerTokensSpec(stats: readonly VariantDataStats[]): Record<string, unknown> {
  return {
    $schema: SCHEMA,
    title: 'Answer length per variant',
    width: 420,
    height: 220,
    data: { values: stats.map((s) => ({ variant: s.variant, tokens: s.meanTokens })) },
    mark: { type: 'bar', color: '#1565c0' },
    encoding: {
      x: { field: 'variant', type: 'nominal', sort: stats.map((s) => s.variant), title: 'variant', axis: { labelAngle: 0 } },
      y: { field: 'tokens', type: 'quantitative', title: 'answer tokens (mean)' },
      tooltip: [{ field: 'variant' }, { field: 'tokens', format: '.1f' }],
    },
  };
}

/** Grouped bars: reflections, analysis sentences and subgoal steps per answer, per variant. */
export function behaviourCountsSpec(stats: readonly VariantDataStats[]): Record<string, unknown> {
  const values = stats.flatMap((s) => [
    { variant: s.variant, behaviour: 'reflections', perAnswer: s.reflectionsPerAnswer },
    { variant: s.variant, behaviour: 'analysis sentences', perAnswer: s.analysisPerAnswer },
    { variant: s.variant, behaviour: 'subgoal steps', perAnswer: s.subgoalStepsPerAnswer },
  ]);
  return {
    $schema: SCHEMA,
    title: 'Injected behaviours per answer',
    width: 420,
    height: 220,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'variant', type: 'nominal', sort: stats.map((s) => s.variant), title: 'variant', axis: { labelAngle: 0 } },
      xOffset: { field: 'behaviour' },
      y: { field: 'perAnswer', type: 'quantitative', title: 'count per answer (mean)' },
      color: { field: 'behaviour', type: 'nominal', title: 'behaviour' },
      tooltip: [{ field: 'variant' }, { field: 'behaviour' }, { field: 'perAnswer', format: '.2f' }],
    },
  };
}

/**
 * A seeded example for display: the first of up to `tries` problems whose BRIDGE answer shows every behaviour (a
 * failed attempt, an analysis sentence, a subgoal step), as its vanilla and BRIDGE rows. Falls back to the problem
 * with the most behaviours. The rows are what `bridge data` writes for that split and seed.
 */
export function exampleProblem(o: Omit<DataStatsOptions, 'n' | 'variants'> & { tries?: number } = {}): { vanilla: ProblemRow; bridge: ProblemRow } {
  const opts = { ...o, n: o.tries ?? 50 };
  const vanilla = variantRows('vanilla', opts, 'example');
  const bridge = variantRows('bridge', opts, 'example');
  const score = (r: ProblemRow) => {
    const t = r.trace ?? computeTrace(r.response, r.graph, { surface: r.surface });
    return Number(t.lockedSteps > 0) + Number(t.analysisSentences > 0) + Number(t.subgoalSteps > 0);
  };
  let best = 0;
  for (let i = 0; i < bridge.length; i++) {
    if (score(bridge[i]) === 3) return { vanilla: vanilla[i], bridge: bridge[i] };
    if (score(bridge[i]) > score(bridge[best])) best = i;
  }
  return { vanilla: vanilla[best], bridge: bridge[best] };
}
