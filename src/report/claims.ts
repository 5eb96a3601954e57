// The paper's four claims checked against our rows: (a) BRIDGE RL gain > Vanilla RL gain, ID and OOD; (b) more
// informative queries (0 < α < 1) under the BRIDGE SFT model; (c) higher per-step influence; (d) all behaviours beat
// each single one. Each comparison is judged on the paired per-seed differences over the seeds both sides have
// (docs/method.md, How a claim is judged): supported when their 95 % CI lies above 0, not supported when below,
// inconclusive otherwise; the per-method summaries are reported next to it.
import { PAPER_CLAIMS } from './paper';
import { SINGLE_BEHAVIOURS, methodLabel, type ResultRow } from './rows';
import {
  combineVerdicts,
  formatNumber,
  formatSig,
  pairedVerdict,
  seedsForHalfWidth,
  sharedSeedDifferences,
  summarize,
  type PairedDifference,
  type SeedValue,
  type Summary,
  type Verdict,
} from './stats';
import { accuracySeedValues, influenceMeanRecords, informativeRecords } from './tables';

/** One side of a comparison: a method, its per-seed values and their summary (both null when its rows are missing). */
export interface ClaimSide {
  method: string;
  label: string;
  value: Summary | null;
  /** the per-seed values `value` summarizes, sorted by seed */
  seeds: SeedValue[] | null;
  /** why value is null */
  missing?: string;
}

/** One "a > b" comparison inside a claim, with its verdict. */
export interface Comparison {
  what: string;
  unit: string;
  a: ClaimSide;
  b: ClaimSide;
  /** a − b per seed both sides have: what the verdict is read from (null when a side has no data) */
  paired: PairedDifference | null;
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
  if (!a.seeds || !b.seeds) {
    const why = [a, b].filter((s) => !s.seeds).map((s) => `${s.label}: ${s.missing ?? 'no rows'}`).join('; ');
    return { what, unit, a, b, paired: null, verdict: 'inconclusive', reason: `no data (${why})` };
  }
  const paired = sharedSeedDifferences(a.seeds, b.seeds, `${what}: ${a.label} − ${b.label}`);
  return { what, unit, a, b, paired, ...pairedVerdict(paired) };
}

function side(method: string, get: () => SeedValue[] | undefined): ClaimSide {
  const label = methodLabel(method);
  try {
    const seeds = get();
    return seeds?.length ? { method, label, value: summarize(seeds.map((v) => v.value)), seeds } : { method, label, value: null, seeds: null, missing: 'no rows' };
  } catch (err) {
    return { method, label, value: null, seeds: null, missing: (err as Error).message };
  }
}

const gainSide = (rows: readonly ResultRow[], experiment: 'table1' | 'fig4', method: string, split: 'id' | 'ood') =>
  side(method, () => accuracySeedValues(rows, experiment, method, split).delta);

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
  const get = (m: string) => side(m, () => recs.find((r) => r.method === m)?.seeds);
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
  const get = (m: string) => side(m, () => recs.find((r) => r.method === m)?.seeds);
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

/** A number in a claim's unit: 1 decimal for % and pp, 3 significant digits for a small raw quantity (unit ''). */
const claimNumber = (x: number, unit: string) => (unit === '' ? formatSig(x) : formatNumber(x, 1));
const signedNumber = (x: number, unit: string) => {
  const t = claimNumber(x, unit);
  return t.startsWith('-') ? t : `+${t}`;
};
/** The unit of a difference: two percentages differ by percentage points. */
const differenceUnit = (unit: string) => (unit === '%' ? 'pp' : unit);

/** "BRIDGE +20.1 ± 3.2 pp (n=3)": one side of a comparison as text (unit '' = a small raw quantity, 3 significant digits). */
export function formatSide(s: ClaimSide, unit: string): string {
  if (!s.value) return `${s.label}: no data`;
  const mean = unit === 'pp' ? signedNumber(s.value.mean, unit) : claimNumber(s.value.mean, unit);
  const ci = s.value.ci === null ? '' : ` ± ${claimNumber(s.value.ci, unit)}`;
  return `${s.label} ${mean}${ci}${unit ? ' ' + unit : ''} (n=${s.value.n})`;
}

/** "seed 3 BRIDGE only; seeds 4, 5 Vanilla only": the seeds a paired comparison leaves out ('' when none). */
function unpairedSeeds(c: Comparison, d: PairedDifference): string {
  const seeds = (xs: number[]) => `seed${xs.length > 1 ? 's' : ''} ${xs.join(', ')}`;
  return [
    ...(d.onlyA.length ? [`${seeds(d.onlyA)} ${c.a.label} only`] : []),
    ...(d.onlyB.length ? [`${seeds(d.onlyB)} ${c.b.label} only`] : []),
  ].join('; ');
}

/**
 * "paired per-seed difference +18.1 ± 2.0 pp (n=3)"; when the two sides' seeds differ, "(n=2 shared seeds; seed 3
 * BRIDGE only)". '' for a comparison without data.
 */
export function formatPaired(c: Comparison): string {
  const d = c.paired;
  if (!d) return '';
  const unpaired = unpairedSeeds(c, d);
  if (!d.summary) return `paired per-seed difference: no seed in common (${unpaired})`;
  const u = differenceUnit(c.unit);
  const ci = d.summary.ci === null ? '' : ` ± ${claimNumber(d.summary.ci, c.unit)}`;
  const n = unpaired ? `n=${d.summary.n} shared seed${d.summary.n > 1 ? 's' : ''}; ${unpaired}` : `n=${d.summary.n}`;
  return `paired per-seed difference ${signedNumber(d.summary.mean, c.unit)}${ci}${u ? ' ' + u : ''} (${n})`;
}

/**
 * One comparison as a sentence: "RL gain ID: BRIDGE +20.1 ± 3.2 pp (n=3) vs Vanilla +2.0 ± 1.1 pp (n=3); paired
 * per-seed difference +18.1 ± 2.0 pp (n=3) → supported (95 % CI of the paired difference above 0)".
 */
export function formatComparison(c: Comparison): string {
  const paired = formatPaired(c);
  return `${c.what}: ${formatSide(c.a, c.unit)} vs ${formatSide(c.b, c.unit)}${paired ? '; ' + paired : ''} → ${c.verdict} (${c.reason})`;
}

/** The resolution the key comparison must reach: a 95 % CI half-width of the paired difference of at most 5 pp. */
export const KEY_HALF_WIDTH_PP = 5;

/**
 * Whether claim (a)'s paired differences (BRIDGE's RL gain − Vanilla's, ID and OOD: the key comparison) are measured
 * finely enough to decide: their 95 % CI half-width against KEY_HALF_WIDTH_PP, and, where it is wider, the seeds that
 * the measured sd would need. An interval that holds 0 and is within the target excludes any larger effect at this
 * scale, which is a result, not a failure to find one.
 */
export function powerLines(claims: readonly ClaimResult[]): string[] {
  const a = claims.find((c) => c.id === 'a');
  if (!a) return [];
  return a.comparisons.flatMap((c) => {
    const s = c.paired?.summary;
    if (!s || s.ci === null || s.sd === null) return [`${c.what}: no paired spread yet (fewer than two shared seeds), so no resolution to report.`];
    const head = `${c.what}, ${c.a.label} − ${c.b.label}: 95 % CI half-width ${formatNumber(s.ci, 1)} pp over ${s.n} seeds (sd ${formatNumber(s.sd, 1)} pp)`;
    if (s.ci <= KEY_HALF_WIDTH_PP) {
      const bound = Math.max(Math.abs(s.lo as number), Math.abs(s.hi as number));
      const holds0 = (s.lo as number) <= 0 && (s.hi as number) >= 0;
      return [`${head}: within the ${KEY_HALF_WIDTH_PP} pp target${holds0 ? `; the interval holds 0, so a difference beyond ±${formatNumber(bound, 1)} pp is excluded at this scale` : ''}.`];
    }
    const need = seedsForHalfWidth(s.sd, KEY_HALF_WIDTH_PP);
    return [`${head}: wider than the ${KEY_HALF_WIDTH_PP} pp target; at this sd ${need === null ? 'more than 1,000 seeds' : `about ${need} seeds`} would reach it.`];
  });
}
