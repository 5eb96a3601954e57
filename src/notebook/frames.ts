// The report's tables as danfo DataFrames, for the notebooks. Plain-object versions live in tables.ts;
// this file only wraps them, so report.html and summary.md never load danfo.
//
// danfo is loaded with require, not a static import: tslab compiles notebooks' imports to CommonJS with Node10
// resolution, where `import 'danfojs'` cannot find danfo's types (docs/toolchain.md, Notebooks: Jupyter and tslab).
import { createRequire } from 'node:module';
import path from 'node:path';
import { TABLE1_METHODS, type ResultRow } from '../report/rows';
import {
  alphaAboveGuessTable,
  alphaTable,
  chanceCorrectedTable,
  escapeHTML,
  fig4Table,
  formatCell,
  gradNormTable,
  influenceCosineTable,
  influenceTable,
  mechanismDuringRlTable,
  mechanismTable,
  rewardCurveTable,
  table1Table,
  type CurveSeries,
  type DisplayTable,
} from '../report/tables';

/**
 * The part of a danfo DataFrame this module relies on. The object is a full danfo DataFrame; in a notebook, cast it
 * with `as unknown as import("danfojs/dist/danfojs-browser/src/index").DataFrame` for danfo's own typings.
 */
export interface Frame {
  columns: string[];
  values: unknown[];
  shape: number[];
  [method: string]: any;
}

let danfo: any;

/** danfojs (browser build, CommonJS), loaded once: require where it exists (tslab, vitest), else from the cwd. */
export function loadDanfo(): any {
  if (danfo) return danfo;
  const req = typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'package.json'));
  danfo = req('danfojs');
  return danfo;
}

/** A display table as a DataFrame (columns in order; "—" cells become null). */
export function displayFrame(t: DisplayTable): Frame {
  const dfd = loadDanfo();
  if (t.rows.length === 0) return new dfd.DataFrame([], { columns: t.columns }) as Frame;
  return new dfd.DataFrame(t.rows, { columns: t.columns }) as Frame;
}

/** All result rows as a DataFrame (columns experiment, method, seed, stage, split, metric, step, bin, value). */
export function rowsFrame(rows: readonly ResultRow[]): Frame {
  const columns = ['experiment', 'method', 'seed', 'stage', 'split', 'metric', 'step', 'bin', 'value'] as const;
  return displayFrame({ columns: [...columns], rows: rows.map((r) => columns.map((c) => r[c])) });
}

/**
 * Table 1 as a DataFrame: per method SFT, RFT, Δ (ID and OOD, mean ± 95 % CI over seeds), SFT tokens and seconds,
 * seed count; then the paper's rows (source "paper: <model>"). Throws naming any missing cell.
 */
export function table1Frame(rows: readonly ResultRow[], opts: { methods?: readonly string[]; paper?: boolean } = {}): Frame {
  return displayFrame(table1Table(rows, opts));
}

/** A table that older results may lack as a DataFrame, or null. */
const optionalFrame = (t: DisplayTable | null): Frame | null => (t ? displayFrame(t) : null);

/** Table 1's accuracy chance-corrected ((acc − c)/(1 − c), %) as a DataFrame; null when the rows carry none. */
export function chanceCorrectedFrame(rows: readonly ResultRow[], methods: readonly string[] = TABLE1_METHODS): Frame | null {
  return optionalFrame(chanceCorrectedTable(rows, 'table1', methods));
}

/** Figure 4 as a DataFrame: per behaviour set SFT, RFT and RL gain, ID and OOD, mean ± CI. */
export function fig4Frame(rows: readonly ResultRow[], opts: { methods?: readonly string[] } = {}): Frame {
  return displayFrame(fig4Table(rows, opts));
}

/** Figure 1 middle as a DataFrame: % of probe queries per α bin and the informative share, per method. */
export function alphaFrame(rows: readonly ResultRow[]): Frame {
  return displayFrame(alphaTable(rows));
}

/** Figure 1 right as a DataFrame: mean per-step influence per α bin and overall, per method. */
export function influenceFrame(rows: readonly ResultRow[]): Frame {
  return displayFrame(influenceTable(rows));
}

/** Figure 1 middle above the guessing level as a DataFrame; null when the rows carry none (older results). */
export function alphaAboveGuessFrame(rows: readonly ResultRow[]): Frame | null {
  return optionalFrame(alphaAboveGuessTable(rows));
}

/** Figure 1 right as a cosine per α bin, as a DataFrame; null when the rows carry none (older results). */
export function influenceCosineFrame(rows: readonly ResultRow[]): Frame | null {
  return optionalFrame(influenceCosineTable(rows));
}

/** The gradient norms behind the cosine (‖ḡ⁺ − ḡ⁻‖ per α bin, ‖G_T‖) as a DataFrame; null for older results. */
export function gradNormFrame(rows: readonly ResultRow[]): Frame | null {
  return optionalFrame(gradNormTable(rows));
}

/** The mechanism in the greedy completions as a DataFrame (method × split × model); null when the rows carry none. */
export function mechanismFrame(rows: readonly ResultRow[]): Frame | null {
  return optionalFrame(mechanismTable(rows));
}

/** The mechanism in the GRPO rollouts (first and last tenth of the steps) as a DataFrame; null when the rows carry none. */
export function mechanismDuringRlFrame(rows: readonly ResultRow[]): Frame | null {
  return optionalFrame(mechanismDuringRlTable(rows));
}

/** Figure 1 left as a DataFrame: first and last GRPO step's value per method ('reward' or 'val' series). */
export function rewardCurveFrame(rows: readonly ResultRow[], series: CurveSeries = 'reward'): Frame {
  return displayFrame(rewardCurveTable(rows, series));
}

/** How frameToHTML lays a table out. */
export interface FrameHTMLOptions {
  /** at most this many rows (default 200), then a "… n more rows" note */
  maxRows?: number;
  /** 'left' for prose columns (paper vs ours statements); notebook CSS right-aligns dataframe cells, fine for numbers */
  align?: 'left' | 'right';
}

/** A DataFrame as an HTML table (danfo's browser build has no toHTML); a number is `maxRows` (the older signature). */
export function frameToHTML(df: Frame, opts: number | FrameHTMLOptions = {}): string {
  const o: FrameHTMLOptions = typeof opts === 'number' ? { maxRows: opts } : opts;
  const maxRows = o.maxRows ?? 200;
  const style = o.align === 'left' ? ' style="text-align: left; vertical-align: top"' : '';
  const head = '<tr>' + df.columns.map((c) => `<th${style}>${escapeHTML(c)}</th>`).join('') + '</tr>';
  const body = (df.values as unknown[][])
    .slice(0, maxRows)
    .map((r) => '<tr>' + r.map((v) => `<td${style}>${escapeHTML(formatCell(v as string | number | null))}</td>`).join('') + '</tr>')
    .join('\n');
  const more = df.values.length > maxRows ? `\n<p>… ${df.values.length - maxRows} more rows</p>` : '';
  return `<table class="dataframe">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>${more}`;
}
