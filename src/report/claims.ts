// The paper's four claims checked against our rows: (a) BRIDGE RL gain > Vanilla RL gain, ID and OOD; (b) more
// informative queries (0 < α < 1) under the BRIDGE SFT model; (c) higher per-step influence; (d) all behaviours beat
// each single one. A verdict needs non-overlapping 95 % CIs; anything else is reported as inconclusive, with numbers.
import { PAPER_CLAIMS } from './paper';
import { SINGLE_BEHAVIOURS, methodLabel, type ResultRow } from './rows';
import { combineVerdicts, compareGreater, formatNumber, formatSig, type Summary, type Verdict } from './stats';
import { accuracyCell, influenceMeanRecords, informativeRecords } from './tables';

/** One side of a comparison: a method and its summary over seeds (null when its rows are missing). */
export interface ClaimSide {
  method: string;
  label: string;
  value: Summary | null;
  /** why value is null */
  missing?: string;
}

/** One "a > b" comparison inside a claim, with its verdict. */
export interface Comparison {
  what: string;
  unit: string;
  a: ClaimSide;
  b: ClaimSide;
  verdict: Verdict;
  reason: string;
}

/** A paper claim with its overall verdict (any "not supported" wins, then "inconclusive"), comparisons and the paper's numbers. */
export interface ClaimResult {
  id: 'a' | 'b' | 'c' | 'd';
  title: string;
  verdict: Verdict;
  comparisons: Comparison[];
  paper: string;
}

function compare(what: string, unit: string, a: ClaimSide, b: ClaimSide): Comparison {
  if (!a.value || !b.value) {
    const why = [a, b].filter((s) => !s.value).map((s) => `${s.label}: ${s.missing ?? 'no rows'}`).join('; ');
    return { what, unit, a, b, verdict: 'inconclusive', reason: `no data (${why})` };
  }
  return { what, unit, a, b, ...compareGreater(a.value, b.value) };
}

function side(method: string, get: () => Summary | undefined): ClaimSide {
  try {
    const value = get();
    return value ? { method, label: methodLabel(method), value } : { method, label: methodLabel(method), value: null, missing: 'no rows' };
  } catch (err) {
    return { method, label: methodLabel(method), value: null, missing: (err as Error).message };
  }
}

const gainSide = (rows: readonly ResultRow[], experiment: 'table1' | 'fig4', method: string, split: 'id' | 'ood') =>
  side(method, () => accuracyCell(rows, experiment, method, split).delta);

const SPLIT_NAME = { id: 'ID', ood: 'OOD' } as const;

/** Claim (a): the BRIDGE RL gain (RFT − SFT, Table 1) exceeds Vanilla's, on ID and on OOD. */
export function claimGain(rows: readonly ResultRow[]): ClaimResult {
  const comparisons = (['id', 'ood'] as const).map((split) =>
    compare(`RL gain ${SPLIT_NAME[split]}`, 'pp', gainSide(rows, 'table1', 'bridge', split), gainSide(rows, 'table1', 'vanilla', split)),
  );
  return {
    id: 'a',
    title: 'BRIDGE gains more from RL than Vanilla (RFT − SFT), in and out of distribution',
    verdict: combineVerdicts(comparisons.map((c) => c.verdict)),
    comparisons,
    paper: PAPER_CLAIMS.gain,
  };
}

/** Claim (b): the BRIDGE SFT model has a larger share of probe queries with 0 < α < 1 than the Vanilla one. */
export function claimInformative(rows: readonly ResultRow[]): ClaimResult {
  const recs = informativeRecords(rows);
  const get = (m: string) => side(m, () => recs.find((r) => r.method === m)?.value);
  const comparisons = [compare('share of queries with 0 < α < 1', '%', get('bridge'), get('vanilla'))];
  return {
    id: 'b',
    title: 'The BRIDGE SFT model has more informative queries (0 < α < 1) than the Vanilla one',
    verdict: combineVerdicts(comparisons.map((c) => c.verdict)),
    comparisons,
    paper: PAPER_CLAIMS.informative,
  };
}

/** Claim (c): mean per-step influence over the probe queries is higher for BRIDGE than for Vanilla. */
export function claimInfluence(rows: readonly ResultRow[]): ClaimResult {
  const recs = influenceMeanRecords(rows);
  const get = (m: string) => side(m, () => recs.find((r) => r.method === m)?.value);
  const comparisons = [compare('mean per-step influence (η = 1)', '', get('bridge'), get('vanilla'))];
  return {
    id: 'c',
    title: 'BRIDGE has higher per-step influence than Vanilla',
    verdict: combineVerdicts(comparisons.map((c) => c.verdict)),
    comparisons,
    paper: PAPER_CLAIMS.influence,
  };
}

/** Claim (d): in the ablation (Figure 4), all behaviours (BRIDGE) give a larger RL gain than each single behaviour, ID and OOD. */
export function claimAblation(rows: readonly ResultRow[]): ClaimResult {
  const comparisons: Comparison[] = [];
  for (const single of SINGLE_BEHAVIOURS) {
    for (const split of ['id', 'ood'] as const) {
      comparisons.push(
        compare(`RL gain ${SPLIT_NAME[split]} vs ${methodLabel(single)}`, 'pp', gainSide(rows, 'fig4', 'bridge', split), gainSide(rows, 'fig4', single, split)),
      );
    }
  }
  return {
    id: 'd',
    title: 'All behaviours together (BRIDGE) beat each single behaviour in the ablation (RL gain)',
    verdict: combineVerdicts(comparisons.map((c) => c.verdict)),
    comparisons,
    paper: PAPER_CLAIMS.ablation,
  };
}

/** All four claims, in order (a)–(d). Never throws for missing rows: such a claim is "inconclusive (no data …)". */
export function evaluateClaims(rows: readonly ResultRow[]): ClaimResult[] {
  return [claimGain(rows), claimInformative(rows), claimInfluence(rows), claimAblation(rows)];
}

/** "BRIDGE +20.1 ± 3.2 pp (n=3)": one side of a comparison as text (unit '' = a small raw quantity, 3 significant digits). */
export function formatSide(s: ClaimSide, unit: string): string {
  if (!s.value) return `${s.label}: no data`;
  const num = (x: number) => (unit === '' ? formatSig(x) : formatNumber(x, 1));
  const m = num(s.value.mean);
  const mean = unit === 'pp' && !m.startsWith('-') ? `+${m}` : m;
  const ci = s.value.ci === null ? '' : ` ± ${num(s.value.ci)}`;
  return `${s.label} ${mean}${ci}${unit ? ' ' + unit : ''} (n=${s.value.n})`;
}

/** One comparison as a sentence: "RL gain ID: BRIDGE +20.1 ± 3.2 pp (n=3) vs Vanilla +2.0 ± 1.1 pp (n=3), difference of means +18.1 pp → supported (…)". */
export function formatComparison(c: Comparison): string {
  let diff = '';
  if (c.a.value && c.b.value) {
    const d = c.a.value.mean - c.b.value.mean;
    const txt = c.unit === '' ? formatSig(d) : formatNumber(d, 1);
    // a difference of two percentages is in percentage points
    diff = `, difference of means ${d >= 0 ? '+' : ''}${txt}${c.unit ? ' ' + (c.unit === '%' ? 'pp' : c.unit) : ''}`;
  }
  return `${c.what}: ${formatSide(c.a, c.unit)} vs ${formatSide(c.b, c.unit)}${diff} → ${c.verdict} (${c.reason})`;
}
