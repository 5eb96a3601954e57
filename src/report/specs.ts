// Vega-lite v5 specs of the paper's artifacts (Table 1 bars, Figure 1 left/middle/right, Figure 4) as plain JSON
// objects built from the tidy rows: rendered to SVG/PNG by charts.ts, shown raw in JupyterLab. Every spec has a
// title and axis titles; an optional series with no rows gives a "no data" chart instead of an error.
import {
  ALPHA_BIN_ORDER,
  FIG4_METHODS,
  INFORMATIVE_BINS,
  methodLabel,
  orderMethods,
  parseSweepMethod,
  seedValues,
  sweepMethods,
  type ResultRow,
} from './rows';
import {
  alphaAboveGuessRecords,
  alphaRecords,
  fig4Records,
  influenceCosineRecords,
  influenceRecords,
  rewardCurveRecords,
  table1Records,
  type AccuracyCell,
  type BinRecord,
  type CurvePoint,
} from './tables';
import { summarize, pairedDifferences, type Summary } from './stats';
import { PAPER_TABLE1 } from './paper';

/** A vega-lite spec as plain JSON. */
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** One figure of the report: a stable id (file names, HTML anchors), title, caption and its spec. */
export interface FigureDef {
  id: string;
  title: string;
  caption: string;
  spec: VegaLiteSpec;
  /** false when the spec is the "no data" placeholder */
  hasData: boolean;
}

/** The report's figure ids, in report order. Stable: file names figures/<id>.{vl.json,svg,png} and HTML ids fig-<id>. */
export const FIGURE_IDS = [
  'table1-accuracy',
  'fig1-reward',
  'fig1-val-accuracy',
  'fig1-reflection',
  'fig1-alpha',
  'fig1-alpha-above-guess',
  'fig1-influence',
  'fig1-influence-cosine',
  'fig4-ablation',
  'fig4-p-sweep',
] as const;
export type FigureId = (typeof FIGURE_IDS)[number];

/** Flat record of one bar/point with its CI, the shape every chart below plots. */
interface Point {
  [k: string]: string | number | null;
}

const ci = (s: Summary) => ({ mean: s.mean, lo: s.lo, hi: s.hi, n: s.n });

/** A titled placeholder chart with the same axis titles and the text "no data" (and why, in the subtitle). */
export function noDataSpec(title: string, xTitle: string, yTitle: string, why = 'no rows for this series'): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle: `no data: ${why}` },
    width: 360,
    height: 200,
    data: { values: [{ x: 0, y: 0, text: 'no data' }] },
    mark: { type: 'text', fontSize: 18, color: '#666' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, scale: { domain: [-1, 1] }, axis: { labels: false, ticks: false, grid: false } },
      y: { field: 'y', type: 'quantitative', title: yTitle, scale: { domain: [-1, 1] }, axis: { labels: false, ticks: false, grid: false } },
      text: { field: 'text' },
    },
  };
}

/** Okabe and Ito's palette, told apart under the common colour-vision deficiencies (yellow last: pale on white). */
export const COLOR_BLIND_SAFE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442'];

/** One colour per method across all figures (ordered labels as the scale domain). */
function colorScale(labels: string[]) {
  return { domain: labels, range: COLOR_BLIND_SAFE };
}

/** Grouped bars with CI rules: x = group field, xOffset/colour = series field, optional column facet. */
function groupedBars(o: {
  title: string;
  values: Point[];
  x: { field: string; title: string; sort: string[] };
  series: { field: string; title: string; sort: string[] };
  yTitle: string;
  facet?: { field: string; title: string; sort: string[] };
  background?: VegaLiteSpec[];
  /** Reference marks drawn over the bars from their own records (`kind: 'reference'`), e.g. the paper's numbers. */
  reference?: { values: Point[]; layer: (enc: Record<string, unknown>) => VegaLiteSpec };
}): VegaLiteSpec {
  // x = series (one bar per group) needs no offset; otherwise the series sit side by side inside each x band
  const offset = o.series.field !== o.x.field;
  const enc = {
    x: { field: o.x.field, type: 'nominal', title: o.x.title, sort: o.x.sort, axis: { labelAngle: -30 } },
    ...(offset ? { xOffset: { field: o.series.field, type: 'nominal', sort: o.series.sort } } : {}),
  };
  // with reference records in the data, the bars and rules read only our own records
  const ours = o.reference ? { transform: [{ filter: "datum.kind !== 'reference'" }] } : {};
  const layer = [
    ...(o.background ?? []),
    {
      ...ours,
      mark: 'bar',
      encoding: {
        ...enc,
        y: { field: 'mean', type: 'quantitative', title: o.yTitle },
        color: { field: o.series.field, type: 'nominal', title: o.series.title, scale: colorScale(o.series.sort) },
        tooltip: [
          { field: o.x.field, type: 'nominal' },
          { field: o.series.field, type: 'nominal' },
          { field: 'mean', type: 'quantitative', format: '.4~g' },
          { field: 'lo', type: 'quantitative', format: '.4~g', title: 'CI low' },
          { field: 'hi', type: 'quantitative', format: '.4~g', title: 'CI high' },
          { field: 'n', type: 'quantitative', title: 'seeds' },
        ],
      },
    },
    { ...ours, mark: { type: 'rule', color: 'black' }, encoding: { ...enc, y: { field: 'lo', type: 'quantitative', title: o.yTitle }, y2: { field: 'hi' } } },
    ...(o.reference ? [{ transform: [{ filter: "datum.kind === 'reference'" }], ...o.reference.layer(enc) }] : []),
  ];
  const values = o.reference ? [...o.values, ...o.reference.values] : o.values;
  // a fixed width, not {step}: a step conflicts with the xOffset sub-band and with background layers' x scale
  const width = Math.max(220, o.x.sort.length * (offset ? 16 * Math.max(1, o.series.sort.length) + 8 : 44));
  const inner = { width, height: 220, layer };
  if (!o.facet) return { $schema: SCHEMA, title: o.title, data: { values }, ...inner };
  return {
    $schema: SCHEMA,
    title: o.title,
    data: { values },
    facet: { column: { field: o.facet.field, type: 'nominal', title: o.facet.title, sort: o.facet.sort } },
    spec: inner,
    resolve: { scale: { y: 'shared' } },
  };
}

const SPLITS = [
  ['id', 'ID (op = train max)'],
  ['ood', 'OOD (op > train max)'],
] as const;

/** SFT vs RFT accuracy bars per method (x), ID and OOD facets, 95 % CI rules: Table 1's and Figure 4's accuracy charts. */
function accuracyBars(
  title: string,
  xTitle: string,
  recs: readonly { label: string; id: AccuracyCell; ood: AccuracyCell }[],
  reference?: Parameters<typeof groupedBars>[0]['reference'],
): VegaLiteSpec {
  const values: Point[] = [];
  for (const r of recs) {
    for (const [split, splitLabel] of SPLITS) {
      const cell: AccuracyCell = r[split];
      values.push({ method: r.label, split: splitLabel, stage: 'SFT', ...ci(cell.sft) });
      values.push({ method: r.label, split: splitLabel, stage: 'RFT (after GRPO)', ...ci(cell.rft) });
    }
  }
  return groupedBars({
    title,
    values,
    x: { field: 'method', title: xTitle, sort: recs.map((r) => r.label) },
    series: { field: 'stage', title: 'model', sort: ['SFT', 'RFT (after GRPO)'] },
    yTitle: 'greedy accuracy (%)',
    facet: { field: 'split', title: 'test split', sort: SPLITS.map((s) => s[1]) },
    reference,
  });
}

/** The legend title of the paper's marks, and one shape per paper model (Okabe-Ito black outlines, told apart by shape; open, so coinciding marks of two models both stay visible). */
export const PAPER_LEGEND = 'paper';
const PAPER_SHAPES = ['diamond', 'triangle-up', 'square', 'cross'];

/**
 * The paper's Table 1 accuracies (src/report/paper.ts) as reference records over the bars they compare with: each
 * known SFT and RFT accuracy of a method in `labels`, per paper model. The paper gives no absolute OOD accuracies
 * (only the OOD Δ of one model), so the OOD panel has no marks.
 */
export function paperTable1Points(methods: readonly string[]): Point[] {
  const out: Point[] = [];
  for (const p of PAPER_TABLE1) {
    if (!methods.includes(p.method)) continue;
    for (const [split, splitLabel] of SPLITS) {
      const cells = [['SFT', split === 'id' ? p.idSft : p.oodSft], ['RFT (after GRPO)', split === 'id' ? p.idRft : p.oodRft]] as const;
      for (const [stage, value] of cells) {
        if (value !== null) out.push({ kind: 'reference', method: methodLabel(p.method), split: splitLabel, stage, paper: value, model: p.model });
      }
    }
  }
  return out;
}

/**
 * Table 1 as grouped bars: SFT vs RFT greedy accuracy per SFT method, ID and OOD facets, 95 % CI rules.
 * Required series: throws naming a missing Table-1 cell.
 */
export function table1Spec(rows: readonly ResultRow[], methods?: readonly string[]): VegaLiteSpec {
  const recs = table1Records(rows, methods);
  const points = paperTable1Points(recs.map((r) => r.method));
  const models = [...new Set(points.map((p) => p.model as string))];
  const reference = points.length
    ? {
        values: points,
        layer: (enc: Record<string, unknown>): VegaLiteSpec => ({
          mark: { type: 'point', filled: false, size: 80, color: COLOR_BLIND_SAFE[6], opacity: 1, strokeWidth: 1.5 },
          encoding: {
            ...enc,
            y: { field: 'paper', type: 'quantitative' },
            shape: { field: 'model', type: 'nominal', title: PAPER_LEGEND, scale: { domain: models, range: PAPER_SHAPES }, legend: { symbolStrokeWidth: 1.5, symbolSize: 80 } },
            tooltip: [
              { field: 'model', type: 'nominal', title: 'paper model' },
              { field: 'method', type: 'nominal' },
              { field: 'stage', type: 'nominal' },
              { field: 'paper', type: 'quantitative', title: 'paper accuracy (%)' },
            ],
          },
        }),
      }
    : undefined;
  return accuracyBars('Table 1: greedy test accuracy before and after GRPO', 'SFT data', recs, reference);
}

/**
 * Figure 4, accuracy view: SFT vs RFT greedy accuracy per behaviour set (ID and OOD facets, 95 % CI rules); the
 * behaviour sets in `methods` are required (throws naming a missing cell), sweep arms are left to pSweepSpec.
 */
export function fig4AccuracySpec(rows: readonly ResultRow[], methods: readonly string[] = FIG4_METHODS): VegaLiteSpec {
  const recs = fig4Records(rows, methods).filter((r) => parseSweepMethod(r.method) === null);
  return accuracyBars('Figure 4: behaviour ablation, accuracy before and after GRPO', 'behaviours injected in the SFT data', recs);
}

function curveSpec(title: string, yTitle: string, pts: CurvePoint[], why: string): VegaLiteSpec {
  if (pts.length === 0) return noDataSpec(title, 'RL step', yTitle, why);
  const labels = orderMethods(pts.map((p) => p.method)).map(methodLabel);
  const values = pts.map((p) => ({ method: p.label, step: p.step, ...ci(p.value) }));
  const x = { field: 'step', type: 'quantitative', title: 'RL step' };
  const color = { field: 'method', type: 'nominal', title: 'SFT data', scale: colorScale(labels) };
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 240,
    data: { values },
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' }, color } },
      {
        mark: { type: 'line', point: pts.length <= 200 },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: yTitle },
          color,
          tooltip: [{ field: 'method' }, { field: 'step' }, { field: 'mean', format: '.3f' }, { field: 'n', title: 'seeds' }],
        },
      },
    ],
  };
}

/** Figure 1 left: GRPO training reward (batch mean) per RL step, one line per SFT method, band = 95 % CI over seeds. */
export function rewardCurveSpec(rows: readonly ResultRow[]): VegaLiteSpec {
  return curveSpec(
    'Figure 1 (left): GRPO training reward per step',
    'mean rollout reward (training batch)',
    rewardCurveRecords(rows, 'reward'),
    'experiment=fig1 stage=grpo split=rl-train metric=reward_mean',
  );
}

/** Figure 1 left, companion: greedy RL-validation accuracy (%) during GRPO, per SFT method, band = 95 % CI. */
export function valAccuracySpec(rows: readonly ResultRow[]): VegaLiteSpec {
  return curveSpec(
    'RL-validation greedy accuracy during GRPO',
    'greedy accuracy on RL-val (%)',
    rewardCurveRecords(rows, 'val'),
    'experiment=fig1 stage=grpo split=rl-val metric=accuracy',
  );
}

/** Figure 1 left, beside the reward: the share of GRPO rollouts that use a reflection, per SFT method (the mechanism). */
export function reflectionCurveSpec(rows: readonly ResultRow[]): VegaLiteSpec {
  return curveSpec(
    'Rollouts that reflect during GRPO',
    'rollouts with a reflection (%)',
    rewardCurveRecords(rows, 'reflection'),
    'experiment=fig1 stage=grpo split=rl-train metric=reflection_share',
  );
}

function binBars(title: string, yTitle: string, recs: BinRecord[], why: string, markInformative: boolean): VegaLiteSpec {
  if (recs.length === 0) return noDataSpec(title, 'rollout accuracy α of the SFT model (bin)', yTitle, why);
  const labels = orderMethods(recs.map((r) => r.method)).map(methodLabel);
  const values = recs.map((r) => ({ method: r.label, bin: r.bin, ...ci(r.value) }));
  // shade the bins with 0 < α < 1: only these queries give GRPO a non-zero advantage (docs/method.md, Rollout accuracy)
  const background: VegaLiteSpec[] = markInformative
    ? [
        {
          data: { values: INFORMATIVE_BINS.map((bin) => ({ bin, region: 'informative 0 < α < 1' })) },
          mark: { type: 'rect', color: '#f2e6b3', opacity: 0.6 },
          encoding: {
            x: { field: 'bin', type: 'nominal', sort: [...ALPHA_BIN_ORDER] },
            y: { value: 0 },
            y2: { value: { expr: 'height' } },
          },
        },
        {
          data: { values: [{ bin: INFORMATIVE_BINS[Math.floor(INFORMATIVE_BINS.length / 2)], label: 'informative region 0 < α < 1' }] },
          mark: { type: 'text', dy: -6, baseline: 'bottom', color: '#8a6d00' },
          encoding: { x: { field: 'bin', type: 'nominal', sort: [...ALPHA_BIN_ORDER] }, y: { value: 0 }, text: { field: 'label' } },
        },
      ]
    : [];
  return groupedBars({
    title,
    values,
    x: { field: 'bin', title: 'rollout accuracy α of the SFT model (bin)', sort: [...ALPHA_BIN_ORDER] },
    series: { field: 'method', title: 'SFT data', sort: labels },
    yTitle,
    background,
  });
}

/** Figure 1 middle: share of probe queries per α bin under each SFT model (ALPHA_BINS order, informative bins shaded). */
export function alphaSpec(rows: readonly ResultRow[]): VegaLiteSpec {
  return binBars(
    'Figure 1 (middle): rollout-accuracy histogram of the SFT models',
    'share of probe queries (%)',
    alphaRecords(rows),
    'experiment=fig1 stage=probe metric=alpha_share',
    true,
  );
}

/** Figure 1 middle above guessing: the queries whose α a uniform guesser reaches with probability < 1 % (and α < 1 in bin 1's place). */
export function alphaAboveGuessSpec(rows: readonly ResultRow[]): VegaLiteSpec {
  return binBars(
    'Rollout-accuracy histogram above the guessing level',
    'share of probe queries with α ≥ guessing level (%)',
    alphaAboveGuessRecords(rows),
    'experiment=fig1 stage=probe metric=alpha_share_above_guess',
    true,
  );
}

/** Figure 1 right on one scale for all models: mean cos(G_T, ḡ⁺ − ḡ⁻) per α bin, per SFT method, 95 % CI. */
export function influenceCosineSpec(rows: readonly ResultRow[]): VegaLiteSpec {
  return binBars(
    'Per-step influence as a cosine, by rollout-accuracy bin',
    'mean cos(G_T, ḡ⁺ − ḡ⁻)',
    influenceCosineRecords(rows),
    'experiment=fig1 stage=probe metric=influence_cosine',
    false,
  );
}

/** Figure 1 right: mean per-step influence (η = 1) of the probe queries in each α bin, per SFT method, 95 % CI. */
export function influenceSpec(rows: readonly ResultRow[]): VegaLiteSpec {
  return binBars(
    'Figure 1 (right): per-step influence by rollout-accuracy bin',
    'mean per-step influence (η = 1)',
    influenceRecords(rows),
    'experiment=fig1 stage=probe metric=influence',
    false,
  );
}

/**
 * Figure 4: RL gain (RFT − SFT, pp, paired per seed) per behaviour set, ID and OOD facets, 95 % CI rules. The
 * behaviour sets in `methods` are required; sweep arms are left to pSweepSpec.
 */
export function fig4Spec(rows: readonly ResultRow[], methods: readonly string[] = FIG4_METHODS): VegaLiteSpec {
  const recs = fig4Records(rows, methods).filter((r) => parseSweepMethod(r.method) === null);
  const values: Point[] = [];
  for (const r of recs) for (const [split, splitLabel] of SPLITS) values.push({ method: r.label, split: splitLabel, ...ci(r[split].delta) });
  const labels = recs.map((r) => r.label);
  return groupedBars({
    title: 'Figure 4: behaviour ablation, RL gain per behaviour set',
    values,
    x: { field: 'method', title: 'behaviours injected in the SFT data', sort: labels },
    series: { field: 'method', title: 'behaviours', sort: labels },
    yTitle: 'RL gain Δ = RFT − SFT (pp)',
    facet: { field: 'split', title: 'test split', sort: SPLITS.map((s) => s[1]) },
  });
}

/**
 * Optional Figure-5-style sweep: RL gain against the swept knob for methods named like `bridge[reflect=0.2]`
 * (experiment fig4), ID and OOD lines with 95 % CI rules; "no data" without such rows.
 */
export function pSweepSpec(rows: readonly ResultRow[]): VegaLiteSpec {
  const title = 'Figure 5: injection-probability sweep, RL gain against p';
  const arms = sweepMethods(rows);
  // the swept setting's name when there are arms (e.g. "reflect"); without them the title would read "p (p)"
  const xTitle = arms.length ? `injection probability p (${(parseSweepMethod(arms[0]) as { key: string }).key})` : 'injection probability p';
  if (arms.length === 0) return noDataSpec(title, xTitle, 'RL gain Δ = RFT − SFT (pp)', 'no fig4 rows with a method like bridge[reflect=0.2]');
  const values: Point[] = [];
  for (const method of arms) {
    const p = (parseSweepMethod(method) as { value: number }).value;
    for (const [split, splitLabel] of SPLITS) {
      const f = { experiment: 'fig4', method, split, metric: 'accuracy' } as const;
      const sft = seedValues(rows, { ...f, stage: 'sft' });
      const rft = seedValues(rows, { ...f, stage: 'rft' });
      if (!sft.length || !rft.length) continue; // a sweep arm is optional; an incomplete one is left out of the line
      const d = pairedDifferences(sft, rft, `fig4 ${method} ${split}: RFT − SFT`).map((v) => 100 * v.value);
      values.push({ p, split: splitLabel, ...ci(summarize(d)) });
    }
  }
  if (values.length === 0) return noDataSpec(title, xTitle, 'RL gain Δ = RFT − SFT (pp)', 'sweep arms lack SFT or RFT accuracy');
  const x = { field: 'p', type: 'quantitative', title: xTitle };
  const color = { field: 'split', type: 'nominal', title: 'test split', sort: SPLITS.map((s) => s[1]) };
  return {
    $schema: SCHEMA,
    title,
    width: 360,
    height: 220,
    data: { values },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: 'RL gain Δ = RFT − SFT (pp)' }, color } },
      { mark: 'rule', encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
    ],
  };
}

/** Methods the report requires per experiment (defaults: the paper's; a run's meta.experiments overrides). */
export interface ReportMethods {
  table1?: readonly string[];
  fig4?: readonly string[];
}

/** Every figure of the report, in FIGURE_IDS order. Throws (naming the series) when a required Table-1/Fig-4 cell is missing. */
export function allFigures(rows: readonly ResultRow[], methods: ReportMethods = {}): FigureDef[] {
  const defs: [FigureId, string, VegaLiteSpec][] = [
    ['table1-accuracy', 'Greedy accuracy (%) of the SFT and RFT models on the ID and OOD test sets; bars = mean over seeds, rules = 95 % CI (Student t); open black shapes = the paper\'s Table 1 accuracies, one shape per paper model (the paper gives no OOD accuracies).', table1Spec(rows, methods.table1)],
    ['fig1-reward', 'Mean 0/1 rollout reward of each GRPO training batch; line = mean over seeds, band = 95 % CI.', rewardCurveSpec(rows)],
    ['fig1-val-accuracy', 'Greedy accuracy on the RL-validation set during GRPO; line = mean over seeds, band = 95 % CI.', valAccuracySpec(rows)],
    ['fig1-reflection', 'Share of the GRPO training rollouts that use a reflection (the verifier\'s trace); line = mean over seeds, band = 95 % CI.', reflectionCurveSpec(rows)],
    ['fig1-alpha', 'Share of probe queries per rollout-accuracy bin under each SFT model; shaded: the informative bins 0 < α < 1.', alphaSpec(rows)],
    ['fig1-alpha-above-guess', 'The same histogram counting only the queries whose α is at or above the guessing level (the smallest α a uniform guesser over the answer space reaches with probability < 1 % at this group size).', alphaAboveGuessSpec(rows)],
    ['fig1-influence', 'Mean approximate per-step influence (η = 1) of the probe queries per α bin; bins {0} and {1} are 0 by construction.', influenceSpec(rows)],
    ['fig1-influence-cosine', 'The influence as a cosine: mean cos(G_T, ḡ⁺ − ḡ⁻) per α bin, the same direction as the per-step update; raw inner products are on each model\'s own gradient scale (the norms are in the Figure 1 tables).', influenceCosineSpec(rows)],
    ['fig4-ablation', 'RL gain (RFT − SFT, paired per seed) per behaviour set; rules = 95 % CI.', fig4Spec(rows, methods.fig4)],
    ['fig4-p-sweep', 'The paper\'s Figure 5: RL gain (RFT − SFT, paired per seed) against the reflection probability p of BRIDGE\'s SFT data (p = 0 is the exploitation-only arm, p = 0.1 BRIDGE itself); rules = 95 % CI. Optional: a run without sweep arms says "no data".', pSweepSpec(rows)],
  ];
  return defs.map(([id, caption, spec]) => {
    const t = spec.title as string | { text: string; subtitle?: string };
    const title = typeof t === 'string' ? t : t.text;
    const hasData = !(typeof t === 'object' && typeof t.subtitle === 'string' && t.subtitle.startsWith('no data'));
    return { id, title, caption, spec, hasData };
  });
}
