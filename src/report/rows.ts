// Selecting per-seed values out of the tidy result rows (src/experiments/results.ts), with the method names, orders
// and labels every table and figure shares. Cheap to import (no danfo, no vega, no tfjs).
import { ROW_ALPHA_BINS, type ResultRow, type ResultsMeta } from '../experiments/results';
import type { SeedValue } from './stats';

export type { ResultRow, ResultsMeta };

/** A run's meta.json (src/experiments), or any plain object of provenance fields (command, preset, revision …). */
export type ReportMeta = ResultsMeta | Record<string, unknown>;

/** The meta as a plain record, for reading optional fields defensively. */
export const metaRecord = (meta: ReportMeta | undefined): Record<string, unknown> => (meta ?? {}) as Record<string, unknown>;

/** α bins in display order (= ALPHA_BINS of src/train/grpo.ts, via the row schema). */
export const ALPHA_BIN_ORDER: readonly string[] = ROW_ALPHA_BINS;

/** The informative bins 0 < α < 1: the only queries whose GRPO group has a non-zero advantage. */
export const INFORMATIVE_BINS: readonly string[] = ROW_ALPHA_BINS.filter((b) => b !== '0' && b !== '1');

/** Table 1's SFT conditions, in the paper's row order. */
export const TABLE1_METHODS = ['vanilla', 'pp-aug', 'rc-aug', 'bridge'] as const;

/** Figure 4's behaviour sets: none, the three single behaviours, exploitation (analysis + subgoal), all. */
export const FIG4_METHODS = ['vanilla', 'explore', 'analysis', 'subgoal', 'exploit', 'bridge'] as const;

/** The single behaviours that claim (d) compares BRIDGE (all behaviours) against. */
export const SINGLE_BEHAVIOURS = ['explore', 'analysis', 'subgoal'] as const;

const LABELS: Record<string, string> = {
  vanilla: 'Vanilla',
  'pp-aug': 'PP-Aug',
  'rc-aug': 'RC-Aug',
  bridge: 'BRIDGE',
  explore: 'reflection only',
  analysis: 'analysis only',
  subgoal: 'subgoal only',
  exploit: 'exploitation (analysis + subgoal)',
};

/** Display name of a method: "BRIDGE", "reflection only", "BRIDGE [reflect=0.2]"; unknown names pass through. */
export function methodLabel(method: string): string {
  const sweep = parseSweepMethod(method);
  if (sweep) return `${methodLabel(sweep.base)} [${sweep.key}=${sweep.value}]`;
  return LABELS[method] ?? method;
}

/** A sweep arm named like `bridge[reflect=0.2]`: its base method, knob and numeric value; null for plain names. */
export function parseSweepMethod(method: string): { base: string; key: string; value: number } | null {
  const m = /^([^[\]]+)\[([^=\]]+)=([^\]]+)\]$/.exec(method);
  if (!m) return null;
  const value = Number(m[3]);
  return Number.isFinite(value) ? { base: m[1], key: m[2], value } : null;
}

/** Order methods: those in `preferred` first in that order, the rest alphabetically (sweep arms by value). */
export function orderMethods(methods: Iterable<string>, preferred: readonly string[] = [...TABLE1_METHODS, ...FIG4_METHODS]): string[] {
  const uniq = [...new Set(methods)];
  const rank = (m: string) => {
    const i = preferred.indexOf(m);
    return i < 0 ? preferred.length : i;
  };
  return uniq.sort((a, b) => {
    const d = rank(a) - rank(b);
    if (d !== 0) return d;
    const sa = parseSweepMethod(a);
    const sb = parseSweepMethod(b);
    if (sa && sb && sa.base === sb.base && sa.key === sb.key) return sa.value - sb.value;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Which rows a selection wants; unset fields match anything, `null` matches only null (step/bin). */
export type RowFilter = Partial<Pick<ResultRow, 'experiment' | 'method' | 'stage' | 'split' | 'metric' | 'step' | 'bin' | 'seed'>>;

/** Rows matching every field of `f`. */
export function selectRows(rows: readonly ResultRow[], f: RowFilter): ResultRow[] {
  const keys = Object.keys(f) as (keyof RowFilter)[];
  return rows.filter((r) => keys.every((k) => f[k] === undefined || r[k] === f[k]));
}

/** Human-readable name of a selection, for error messages: "experiment=table1 method=bridge stage=rft …". */
export function describeFilter(f: RowFilter): string {
  return (Object.keys(f) as (keyof RowFilter)[])
    .filter((k) => f[k] !== undefined)
    .map((k) => `${k}=${f[k]}`)
    .join(' ');
}

/**
 * One value per seed for a selection, sorted by seed. Throws naming the selection when a seed has two rows (the
 * filter is not specific enough, or the rows hold duplicates); returns [] when nothing matches.
 */
export function seedValues(rows: readonly ResultRow[], f: RowFilter): SeedValue[] {
  const out = new Map<number, number>();
  for (const r of selectRows(rows, f)) {
    if (out.has(r.seed)) throw new Error(`duplicate rows for seed ${r.seed} at ${describeFilter(f)}`);
    out.set(r.seed, r.value);
  }
  return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([seed, value]) => ({ seed, value }));
}

/** Like seedValues, but a missing series is an error naming it (a required table cell or claim input). */
export function requireSeedValues(rows: readonly ResultRow[], f: RowFilter): SeedValue[] {
  const v = seedValues(rows, f);
  if (v.length === 0) throw new Error(`missing required series: no rows with ${describeFilter(f)}`);
  return v;
}

/** The Figure-4 sweep arms present in the rows (methods like `bridge[reflect=0.2]`), ordered by base, knob and value. */
export function sweepMethods(rows: readonly ResultRow[]): string[] {
  return orderMethods(rows.filter((r) => r.experiment === 'fig4' && parseSweepMethod(r.method)).map((r) => r.method));
}

/** The distinct methods present in the rows of one experiment, ordered for display. */
export function methodsOf(rows: readonly ResultRow[], experiment: ResultRow['experiment']): string[] {
  return orderMethods(rows.filter((r) => r.experiment === experiment).map((r) => r.method));
}
