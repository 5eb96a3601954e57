// The report's tables as plain objects: per-method summaries over seeds (records, numbers) and display tables
// (strings "mean ± CI"). report.html, summary.md and the danfo frames (frames.ts) are all built from these.
import { PAPER_TABLE1 } from './paper';
import {
  ALPHA_BIN_ORDER,
  FIG4_METHODS,
  TABLE1_METHODS,
  describeFilter,
  methodLabel,
  methodsOf,
  orderMethods,
  requireSeedValues,
  seedValues,
  type ResultRow,
  type RowFilter,
} from './rows';
import { ERROR_CLASSES, type ErrorClass } from '../train/mechanism';
import { formatNumber, formatSummary, formatSummarySig, pairedDifferences, summarize, type SeedValue, type Summary } from './stats';

/** A table ready for display: column names and rows of cells (strings, numbers, or null for "—"). */
export interface DisplayTable {
  columns: string[];
  rows: (string | number | null)[][];
}

/** SFT and RFT accuracy (%) and the RL gain Δ = RFT − SFT (percentage points, paired per seed) on one test split. */
export interface AccuracyCell {
  sft: Summary;
  rft: Summary;
  delta: Summary;
}

/** The six display cells of an ID/OOD pair: SFT %, RFT %, Δ pp for ID, then for OOD. */
function sftRftCells(r: { id: AccuracyCell; ood: AccuracyCell }): string[] {
  return [r.id, r.ood].flatMap((c) => [formatSummary(c.sft), formatSummary(c.rft), formatGain(c.delta)]);
}

/** One Table-1 method: ID and OOD cells, SFT tokens seen and SFT seconds (means over seeds), seed count. */
export interface Table1Record {
  method: string;
  label: string;
  seeds: number[];
  id: AccuracyCell;
  ood: AccuracyCell;
  tokens: Summary;
  seconds: Summary | null;
}

/** Accuracy rows hold fractions in [0, 1]; the report shows percent. Anything else is a producer bug. */
function percent(vs: SeedValue[], f: RowFilter): SeedValue[] {
  for (const v of vs) {
    if (!(v.value >= 0 && v.value <= 1)) {
      throw new Error(`accuracy must be a fraction in [0, 1], got ${v.value} for seed ${v.seed} at ${describeFilter(f)}`);
    }
  }
  return vs.map((v) => ({ seed: v.seed, value: 100 * v.value }));
}

/** Per-seed SFT and RFT accuracy (%) and RL gain RFT − SFT (pp) for one (experiment, method, split); throws naming a missing cell. */
export function accuracySeedValues(
  rows: readonly ResultRow[],
  experiment: ResultRow['experiment'],
  method: string,
  split: 'id' | 'ood',
): { sft: SeedValue[]; rft: SeedValue[]; delta: SeedValue[] } {
  const fs: RowFilter = { experiment, method, stage: 'sft', split, metric: 'accuracy' };
  const fr: RowFilter = { experiment, method, stage: 'rft', split, metric: 'accuracy' };
  const sft = percent(requireSeedValues(rows, fs), fs);
  const rft = percent(requireSeedValues(rows, fr), fr);
  return { sft, rft, delta: pairedDifferences(sft, rft, `${experiment} ${method} ${split}: RFT − SFT`) };
}

const summarizeSeeds = (vs: readonly SeedValue[]): Summary => summarize(vs.map((v) => v.value));

/** SFT/RFT accuracy and paired gain for one (experiment, method, split); throws naming a missing cell. */
export function accuracyCell(rows: readonly ResultRow[], experiment: ResultRow['experiment'], method: string, split: 'id' | 'ood'): AccuracyCell {
  const v = accuracySeedValues(rows, experiment, method, split);
  return { sft: summarizeSeeds(v.sft), rft: summarizeSeeds(v.rft), delta: summarizeSeeds(v.delta) };
}

/**
 * Table 1 per method (default: Vanilla, PP-Aug, RC-Aug, BRIDGE): SFT, RFT and Δ (RFT − SFT per seed, then averaged)
 * on ID and OOD as mean ± 95 % CI, SFT tokens seen and seconds. A missing cell throws an error naming it.
 */
export function table1Records(rows: readonly ResultRow[], methods: readonly string[] = TABLE1_METHODS): Table1Record[] {
  return methods.map((method) => {
    const id = accuracyCell(rows, 'table1', method, 'id');
    const ood = accuracyCell(rows, 'table1', method, 'ood');
    const tokens = requireSeedValues(rows, { experiment: 'table1', method, stage: 'sft', split: 'sft', metric: 'tokens' });
    const seconds = seedValues(rows, { experiment: 'table1', method, stage: 'sft', split: 'sft', metric: 'seconds' });
    const seeds = seedValues(rows, { experiment: 'table1', method, stage: 'sft', split: 'id', metric: 'accuracy' }).map((v) => v.seed);
    return {
      method,
      label: methodLabel(method),
      seeds,
      id,
      ood,
      tokens: summarize(tokens.map((v) => v.value)),
      seconds: seconds.length ? summarize(seconds.map((v) => v.value)) : null,
    };
  });
}

const signed = (s: string) => (s.startsWith('-') ? s : `+${s}`);
/** "+12.3 ± 4.5" for gains (the sign matters when reading a Δ column). */
export function formatGain(s: Summary, digits = 1): string {
  return signed(formatSummary(s, digits));
}
const paperCell = (x: number | null, gain = false) => (x === null ? null : gain ? signed(x.toFixed(1)) : x.toFixed(1));

/** Table 1 for display: our rows ("ours (n seeds)"), then the paper's rows (its three models) unless `paper` is false. */
export function table1Table(rows: readonly ResultRow[], opts: { methods?: readonly string[]; paper?: boolean } = {}): DisplayTable {
  const recs = table1Records(rows, opts.methods);
  const columns = ['source', 'method', 'ID SFT %', 'ID RFT %', 'ID Δ pp', 'OOD SFT %', 'OOD RFT %', 'OOD Δ pp', 'SFT tokens', 'SFT seconds', 'seeds'];
  const out: DisplayTable['rows'] = recs.map((r) => [
    'ours',
    r.label,
    ...sftRftCells(r),
    Math.round(r.tokens.mean),
    r.seconds ? Math.round(r.seconds.mean) : null,
    r.id.delta.n,
  ]);
  if (opts.paper !== false) {
    for (const p of PAPER_TABLE1) {
      out.push([
        `paper: ${p.model}`,
        methodLabel(p.method),
        paperCell(p.idSft),
        paperCell(p.idRft),
        paperCell(p.idDelta, true),
        paperCell(p.oodSft),
        paperCell(p.oodRft),
        paperCell(p.oodDelta, true),
        null,
        null,
        null,
      ]);
    }
  }
  return { columns, rows: out };
}

/**
 * Chance-corrected accuracy ((acc − c)/(1 − c), c = a uniform guesser's accuracy; in %) of SFT and RFT models, ID and
 * OOD, per method of one experiment, mean ± 95 % CI over seeds; null when the rows carry none (older results).
 */
export function chanceCorrectedTable(rows: readonly ResultRow[], experiment: ResultRow['experiment'], methods: readonly string[]): DisplayTable | null {
  const metric = 'accuracy_chance_corrected';
  if (!rows.some((r) => r.experiment === experiment && r.metric === metric)) return null;
  const cell = (method: string, stage: 'sft' | 'rft', split: 'id' | 'ood') => {
    const vs = seedValues(rows, { experiment, method, stage, split, metric });
    return vs.length ? formatSummary(summarize(vs.map((v) => 100 * v.value))) : null;
  };
  return {
    columns: ['method', 'ID SFT %', 'ID RFT %', 'OOD SFT %', 'OOD RFT %', 'seeds'],
    rows: methods.map((m) => [
      methodLabel(m),
      cell(m, 'sft', 'id'),
      cell(m, 'rft', 'id'),
      cell(m, 'sft', 'ood'),
      cell(m, 'rft', 'ood'),
      seedValues(rows, { experiment, method: m, stage: 'sft', split: 'id', metric }).length,
    ]),
  };
}

/** One Figure-4 behaviour set: SFT, RFT accuracy (%) and RL gain (pp) on ID and OOD. */
export interface Fig4Record {
  method: string;
  label: string;
  id: AccuracyCell;
  ood: AccuracyCell;
}

/**
 * Figure 4 per behaviour set. `methods` (default: vanilla, reflection, analysis, subgoal, exploitation, BRIDGE) are
 * required and throw when missing; other methods in the fig4 rows with all four cells (e.g. p-sweep arms) follow.
 */
export function fig4Records(rows: readonly ResultRow[], methods: readonly string[] = FIG4_METHODS): Fig4Record[] {
  // extra (optional) arms are listed only when all four accuracy cells exist; required ones throw when missing
  const complete = (method: string) =>
    (['sft', 'rft'] as const).every((stage) =>
      (['id', 'ood'] as const).every((split) => seedValues(rows, { experiment: 'fig4', method, stage, split, metric: 'accuracy' }).length > 0),
    );
  const extra = methodsOf(rows, 'fig4').filter((m) => !methods.includes(m) && complete(m));
  const all = orderMethods([...methods, ...extra], methods);
  return all.map((method) => ({
    method,
    label: methodLabel(method),
    id: accuracyCell(rows, 'fig4', method, 'id'),
    ood: accuracyCell(rows, 'fig4', method, 'ood'),
  }));
}

/** Figure 4 for display: RFT accuracy and RL gain (mean ± CI), ID and OOD, per behaviour set. */
export function fig4Table(rows: readonly ResultRow[], opts: { methods?: readonly string[] } = {}): DisplayTable {
  const recs = fig4Records(rows, opts.methods);
  return {
    columns: ['behaviours', 'ID SFT %', 'ID RFT %', 'ID gain pp', 'OOD SFT %', 'OOD RFT %', 'OOD gain pp', 'seeds'],
    rows: recs.map((r) => [
      r.label,
      ...sftRftCells(r),
      r.id.delta.n,
    ]),
  };
}

/** A per-(method, α bin) summary over seeds. */
export interface BinRecord {
  method: string;
  label: string;
  bin: string;
  value: Summary;
}

/** Per-method scalar over seeds (informative share, mean influence): the per-seed values and their summary. */
export interface MethodRecord {
  method: string;
  label: string;
  value: Summary;
  /** one value per seed, sorted by seed, on the scale of `value` (what paired claims compare) */
  seeds: SeedValue[];
}

function byBin(rows: readonly ResultRow[], metric: string, scale: number): BinRecord[] {
  const sel = rows.filter((r) => r.experiment === 'fig1' && r.stage === 'probe' && r.metric === metric && r.bin !== null);
  const out: BinRecord[] = [];
  for (const method of orderMethods(sel.map((r) => r.method))) {
    for (const bin of ALPHA_BIN_ORDER) {
      const vs = seedValues(sel, { method, bin: bin as ResultRow['bin'] });
      if (vs.length) out.push({ method, label: methodLabel(method), bin, value: summarize(vs.map((v) => scale * v.value)) });
    }
  }
  return out;
}

function perMethod(rows: readonly ResultRow[], metric: string, scale: number): MethodRecord[] {
  const sel = rows.filter((r) => r.experiment === 'fig1' && r.stage === 'probe' && r.metric === metric && r.bin === null);
  return orderMethods(sel.map((r) => r.method)).map((method) => {
    const seeds = seedValues(sel, { method }).map((v) => ({ seed: v.seed, value: scale * v.value }));
    return { method, label: methodLabel(method), value: summarizeSeeds(seeds), seeds };
  });
}

/** Figure 1 middle: share of probe queries (%) per α bin of the SFT model, per method, mean ± CI over seeds. */
export function alphaRecords(rows: readonly ResultRow[]): BinRecord[] {
  return byBin(rows, 'alpha_share', 100);
}

/** Figure 1 middle without what a guesser reaches: share of probe queries (%) per α bin with α ≥ the guessing level. */
export function alphaAboveGuessRecords(rows: readonly ResultRow[]): BinRecord[] {
  return byBin(rows, 'alpha_share_above_guess', 100);
}

/** Share of probe queries (%) with 0 < α < 1 under the SFT model, per method, mean ± CI over seeds. */
export function informativeRecords(rows: readonly ResultRow[]): MethodRecord[] {
  return perMethod(rows, 'informative_share', 100);
}

/** Share of probe queries (%) with guessing level ≤ α < 1 (src/train/alpha.ts), per method; empty for older results. */
export function informativeAboveGuessRecords(rows: readonly ResultRow[]): MethodRecord[] {
  return perMethod(rows, 'informative_share_above_guess', 100);
}

/** Figure 1 right: per-step influence I_q (η = 1) averaged per α bin, per method, mean ± CI over seeds. */
export function influenceRecords(rows: readonly ResultRow[]): BinRecord[] {
  return byBin(rows, 'influence', 1);
}

/** Figure 1 right on a shared scale: mean cos(G_T, ḡ⁺ − ḡ⁻) per α bin, per method, mean ± CI over seeds. */
export function influenceCosineRecords(rows: readonly ResultRow[]): BinRecord[] {
  return byBin(rows, 'influence_cosine', 1);
}

/** ‖G_T‖ of each SFT model (the target gradient of the influence probe), per method, mean ± CI over seeds. */
export function targetGradNormRecords(rows: readonly ResultRow[]): MethodRecord[] {
  return perMethod(rows, 'target_grad_norm', 1);
}

/** Mean ‖ḡ⁺ − ḡ⁻‖ of the probe queries per α bin, per method. */
export function contrastNormRecords(rows: readonly ResultRow[]): BinRecord[] {
  return byBin(rows, 'contrast_grad_norm', 1);
}

/** Mean per-step influence over all probe queries, per method, mean ± CI over seeds. */
export function influenceMeanRecords(rows: readonly ResultRow[]): MethodRecord[] {
  return perMethod(rows, 'influence_mean', 1);
}

/** Bins as columns, then one column per named per-method total (a total with no records at all is left out). */
function binTable(bins: BinRecord[], totals: [name: string, records: MethodRecord[]][], fmt: (s: Summary) => string): DisplayTable {
  const present = totals.filter(([, recs]) => recs.length > 0);
  const methods = orderMethods([...bins.map((b) => b.method), ...present.flatMap(([, recs]) => recs.map((t) => t.method))]);
  return {
    columns: ['method', ...ALPHA_BIN_ORDER.map((b) => `α ${b}`), ...present.map(([name]) => name), 'seeds'],
    rows: methods.map((m) => {
      const tots = present.map(([, recs]) => recs.find((t) => t.method === m));
      const mine = bins.filter((b) => b.method === m);
      return [
        methodLabel(m),
        ...ALPHA_BIN_ORDER.map((bin) => {
          const r = mine.find((b) => b.bin === bin);
          return r ? fmt(r.value) : null;
        }),
        ...tots.map((tot) => (tot ? fmt(tot.value) : null)),
        Math.max(...tots.map((tot) => tot?.value.n ?? 0), ...mine.map((b) => b.value.n)),
      ];
    }),
  };
}

/** Figure 1 middle for display: % of queries per α bin and the informative share, per method. */
export function alphaTable(rows: readonly ResultRow[]): DisplayTable {
  return binTable(
    alphaRecords(rows),
    [['informative (0<α<1) %', informativeRecords(rows)], ['above guessing %', informativeAboveGuessRecords(rows)]],
    (s) => formatSummary(s, 1),
  );
}

/** Figure 1 right for display: mean influence per α bin and over all queries, per method. */
export function influenceTable(rows: readonly ResultRow[]): DisplayTable {
  return binTable(influenceRecords(rows), [['mean over queries', influenceMeanRecords(rows)]], (s) => formatSummarySig(s, 3));
}

/** The α histogram above the guessing level for display (null when the rows carry none: older results). */
export function alphaAboveGuessTable(rows: readonly ResultRow[]): DisplayTable | null {
  const recs = alphaAboveGuessRecords(rows);
  return recs.length ? binTable(recs, [['above guessing %', informativeAboveGuessRecords(rows)]], (s) => formatSummary(s, 1)) : null;
}

/** The influence as a cosine per α bin, for display (null when the rows carry none: older results). */
export function influenceCosineTable(rows: readonly ResultRow[]): DisplayTable | null {
  const recs = influenceCosineRecords(rows);
  return recs.length ? binTable(recs, [], (s) => formatSummarySig(s, 3)) : null;
}

/** The gradient norms the cosine divides out: mean ‖ḡ⁺ − ḡ⁻‖ per α bin and ‖G_T‖ (null for older results). */
export function gradNormTable(rows: readonly ResultRow[]): DisplayTable | null {
  const recs = contrastNormRecords(rows);
  return recs.length ? binTable(recs, [['‖G_T‖', targetGradNormRecords(rows)]], (s) => formatSummarySig(s, 3)) : null;
}

/**
 * Figure 1's tables in report order, each with an id (HTML anchors) and a caption: the reward curve's ends, the α
 * histogram raw and above guessing, the influence raw and as a cosine, and the gradient norms. The views that older
 * results lack are left out.
 */
export function figure1Tables(rows: readonly ResultRow[]): { id: string; caption: string; table: DisplayTable }[] {
  const opt = (id: string, caption: string, table: DisplayTable | null) => (table ? [{ id, caption, table }] : []);
  return [
    { id: 'table-fig1-reward', caption: 'Mean training reward at the first and the last GRPO step.', table: rewardCurveTable(rows, 'reward') },
    { id: 'table-fig1-alpha', caption: 'Share of probe queries (%) per α bin under each SFT model.', table: alphaTable(rows) },
    ...opt('table-fig1-alpha-above-guess', 'The same, counting only queries at or above the guessing level (α a uniform guesser reaches with probability < 1 %).', alphaAboveGuessTable(rows)),
    { id: 'table-fig1-influence', caption: 'Mean per-step influence (η = 1) per α bin: raw inner products, on each model\'s own gradient scale.', table: influenceTable(rows) },
    ...opt('table-fig1-influence-cosine', 'The influence as a cosine, mean cos(G_T, ḡ⁺ − ḡ⁻) per α bin: one scale for every model.', influenceCosineTable(rows)),
    ...opt('table-fig1-grad-norms', 'The norms the cosine divides out: mean ‖ḡ⁺ − ḡ⁻‖ per α bin and the target gradient ‖G_T‖.', gradNormTable(rows)),
  ];
}

/** One point of a GRPO curve: mean ± CI over seeds at one step. */
export interface CurvePoint {
  method: string;
  label: string;
  step: number;
  value: Summary;
}

/** The GRPO curves of Figure 1: training reward, RL-val accuracy (%), and the share of rollouts that reflect (%). */
export type CurveSeries = 'reward' | 'val' | 'reflection';
const CURVE_SERIES: Record<CurveSeries, { split: string; metric: string; scale: number }> = {
  reward: { split: 'rl-train', metric: 'reward_mean', scale: 1 },
  val: { split: 'rl-val', metric: 'accuracy', scale: 100 },
  reflection: { split: 'rl-train', metric: 'reflection_share', scale: 100 },
};

/**
 * Figure 1 left: GRPO curves per method and step, mean ± CI over seeds. `series` 'reward' = training batch mean
 * reward (0–1, rl-train); 'val' = greedy accuracy on RL-val (%).
 */
export function rewardCurveRecords(rows: readonly ResultRow[], series: CurveSeries = 'reward'): CurvePoint[] {
  const f = CURVE_SERIES[series];
  const sel = rows.filter((r) => r.experiment === 'fig1' && r.stage === 'grpo' && r.split === f.split && r.metric === f.metric && r.step !== null);
  const out: CurvePoint[] = [];
  for (const method of orderMethods(sel.map((r) => r.method))) {
    const mine = sel.filter((r) => r.method === method);
    for (const step of [...new Set(mine.map((r) => r.step as number))].sort((a, b) => a - b)) {
      const vs = seedValues(mine, { step });
      out.push({ method, label: methodLabel(method), step, value: summarize(vs.map((v) => f.scale * v.value)) });
    }
  }
  return out;
}

/** Figure 1 left for display: the first and last step's value per method (the whole curve is in the chart). */
export function rewardCurveTable(rows: readonly ResultRow[], series: CurveSeries = 'reward'): DisplayTable {
  const pts = rewardCurveRecords(rows, series);
  const digits = series === 'reward' ? 3 : 1;
  return {
    columns: ['method', 'first step', 'first value', 'last step', 'last value', 'seeds'],
    rows: orderMethods(pts.map((p) => p.method)).map((m) => {
      const mine = pts.filter((p) => p.method === m);
      const a = mine[0];
      const b = mine[mine.length - 1];
      return [methodLabel(m), a.step, formatSummary(a.value, digits), b.step, formatSummary(b.value, digits), b.value.n];
    }),
  };
}

/**
 * The mechanism rows of the greedy test completions (docs/method.md, The mechanism in the rollouts) with their column
 * names: reflection share, recovery rate, then the share of the wrong completions whose first error is of each class
 * (the classes of src/train/mechanism.ts; rows named first_error_<class> by src/experiments/results.ts).
 */
export const MECHANISM_METRICS: readonly { metric: string; column: string }[] = [
  { metric: 'reflection_share', column: 'reflection %' },
  { metric: 'recovery_rate', column: 'recovery %' },
  ...(Object.keys(ERROR_CLASSES) as ErrorClass[]).map((cls) => ({ metric: `first_error_${cls}`, column: `first error: ${cls} %` })),
];

/** What the mechanism table shows, for its caption in the report, the summary and notebook 03. */
export const MECHANISM_CAPTION =
  'The greedy test completions of each SFT model and of its RFT model after GRPO, replayed line by line by the ' +
  'verifier (docs/method.md, The mechanism in the rollouts). Reflection % = completions with at least one "not ' +
  'solvable yet" step; recovery % = reflecting completions whose answer is right; first error % = the share of the ' +
  'wrong completions whose first error is of that class. Mean ± 95 % CI over seeds; "(n=k)" where fewer seeds define ' +
  'a cell (no reflection: no recovery rate; no wrong answer: no first error).';

/** The one line shown instead of the mechanism table when the rows carry none. */
export const NO_MECHANISM = 'These results carry no mechanism metrics: they were written before evaluation recorded them.';

/** One (method, split, model) of the mechanism table: a summary over seeds per metric (null where no seed has it). */
export interface MechanismRecord {
  method: string;
  label: string;
  split: 'id' | 'ood';
  stage: 'sft' | 'rft';
  values: Record<string, Summary | null>;
  /** seeds with a reflection share (every evaluated seed has one) */
  seeds: number;
}

const isMechanism = (r: ResultRow) => MECHANISM_METRICS.some((m) => m.metric === r.metric) && (r.stage === 'sft' || r.stage === 'rft');

/**
 * Each evaluated method once, with the experiment its mechanism rows are read from: Table 1's arms, then Figure 4's
 * others. A (method, seed) chain is one set of stages whichever experiments list it, so their rows are the same.
 */
function mechanismSources(rows: readonly ResultRow[]): { method: string; experiment: ResultRow['experiment'] }[] {
  const sel = rows.filter(isMechanism);
  const seen = new Set<string>();
  const out: { method: string; experiment: ResultRow['experiment'] }[] = [];
  for (const experiment of ['table1', 'fig4'] as const) {
    for (const method of methodsOf(sel, experiment)) {
      if (seen.has(method)) continue;
      seen.add(method);
      out.push({ method, experiment });
    }
  }
  return out;
}

/** The mechanism per method, split (ID, OOD) and model (SFT, RFT), in percent; [] for rows without mechanism metrics. */
export function mechanismRecords(rows: readonly ResultRow[]): MechanismRecord[] {
  const out: MechanismRecord[] = [];
  for (const { method, experiment } of mechanismSources(rows)) {
    for (const split of ['id', 'ood'] as const) {
      for (const stage of ['sft', 'rft'] as const) {
        const at = (metric: string) => seedValues(rows, { experiment, method, stage, split, metric }).map((v) => 100 * v.value);
        const per = MECHANISM_METRICS.map(({ metric }) => [metric, at(metric)] as const);
        if (per.every(([, vs]) => vs.length === 0)) continue; // e.g. an RFT model not evaluated yet
        const values = Object.fromEntries(per.map(([metric, vs]) => [metric, vs.length ? summarize(vs) : null]));
        out.push({ method, label: methodLabel(method), split, stage, values, seeds: at('reflection_share').length });
      }
    }
  }
  return out;
}

/** "50.0 ± 24.8", with "(n=k)" when fewer than the row's seeds define the cell; null (shown "—") when none does. */
function mechanismCell(s: Summary | null, seeds: number): string | null {
  if (!s) return null;
  return s.n < seeds && s.n > 1 ? `${formatSummary(s)} (n=${s.n})` : formatSummary(s);
}

/** The mechanism table for display (rows: method × split × model); null when the rows carry no mechanism metrics. */
export function mechanismTable(rows: readonly ResultRow[]): DisplayTable | null {
  const recs = mechanismRecords(rows);
  if (recs.length === 0) return null;
  return {
    columns: ['method', 'split', 'model', ...MECHANISM_METRICS.map((m) => m.column), 'seeds'],
    rows: recs.map((r) => [
      r.label,
      r.split === 'id' ? 'ID' : 'OOD',
      r.stage === 'sft' ? 'SFT' : 'RFT (after GRPO)',
      ...MECHANISM_METRICS.map(({ metric }) => mechanismCell(r.values[metric], r.seeds)),
      r.seeds,
    ]),
  };
}

/** Escape text for HTML. */
export function escapeHTML(v: unknown): string {
  return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One display cell as text: null → "—", integers with thousands separators, other numbers to 3 decimals. */
export function formatCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : formatNumber(v, 3);
  return v;
}

/** A display table as an HTML <table> (null cells as "—"); `id` makes it addressable from tests and links. */
export function tableToHTML(t: DisplayTable, id?: string): string {
  const cell = formatCell;
  const head = '<tr>' + t.columns.map((c) => `<th>${escapeHTML(c)}</th>`).join('') + '</tr>';
  const body = t.rows.map((r) => '<tr>' + r.map((v) => `<td>${escapeHTML(cell(v))}</td>`).join('') + '</tr>').join('\n');
  return `<table class="dataframe"${id ? ` id="${escapeHTML(id)}"` : ''}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** A display table as a GitHub-flavoured Markdown table (null cells as "—", pipes escaped). */
export function tableToMarkdown(t: DisplayTable): string {
  const cell = (v: string | number | null) => formatCell(v).replace(/\|/g, '\\|');
  const lines = ['| ' + t.columns.map(cell).join(' | ') + ' |', '|' + t.columns.map(() => '---').join('|') + '|'];
  for (const r of t.rows) lines.push('| ' + r.map(cell).join(' | ') + ' |');
  return lines.join('\n');
}

/** What the mechanism-during-RL table shows, for its caption in the report, the summary and notebook 03. */
export const MECHANISM_RL_CAPTION =
  'The same counts on the GRPO training rollouts (sampled at T = 1), per method: the mean of the per-step shares over ' +
  'the first and over the last tenth of the RL steps, then mean ± 95 % CI over seeds. How RL moves the reflection ' +
  'share, the recovery rate and where wrong rollouts first go wrong.';

/**
 * The mechanism during GRPO (rows stage grpo, split rl-train, one per step): per Figure 1 method and window (first /
 * last tenth of the steps) the per-seed window means, summarised over seeds; null when the rows carry none.
 */
export function mechanismDuringRlTable(rows: readonly ResultRow[]): DisplayTable | null {
  const sel = rows.filter((r) => r.experiment === 'fig1' && r.stage === 'grpo' && r.split === 'rl-train' && r.step !== null && MECHANISM_METRICS.some((m) => m.metric === r.metric));
  if (sel.length === 0) return null;
  const out: (string | number | null)[][] = [];
  for (const method of orderMethods(sel.map((r) => r.method))) {
    const mine = sel.filter((r) => r.method === method);
    const steps = [...new Set(mine.map((r) => r.step as number))].sort((a, b) => a - b);
    const w = Math.max(1, Math.floor(steps.length / 10));
    const seeds = [...new Set(mine.map((r) => r.seed))];
    for (const [name, window] of [['first tenth', new Set(steps.slice(0, w))], ['last tenth', new Set(steps.slice(-w))]] as const) {
      const cells = MECHANISM_METRICS.map(({ metric }) => {
        const perSeed = seeds.flatMap((seed) => {
          const vs = mine.filter((r) => r.seed === seed && r.metric === metric && window.has(r.step as number)).map((r) => 100 * r.value);
          return vs.length ? [vs.reduce((a, b) => a + b, 0) / vs.length] : [];
        });
        return perSeed.length ? mechanismCell(summarize(perSeed), seeds.length) : null;
      });
      out.push([methodLabel(method), `${name} (steps ${[...window][0]}–${[...window][window.size - 1]})`, ...cells, seeds.length]);
    }
  }
  return { columns: ['method', 'GRPO steps', ...MECHANISM_METRICS.map((m) => m.column), 'seeds'], rows: out };
}
