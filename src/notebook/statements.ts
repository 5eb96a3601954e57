// The paper's statements next to ours, for the notebooks' Figure 1 and Figure 4 sections: one row per panel
// or finding, our side computed from the rows, the verdict taken from evaluateClaims where a claim covers it. Also the
// claim sections as Markdown, so no notebook cell hand-writes a number or a verdict.
import { evaluateClaims, type ClaimResult } from '../report/claims';
import { PAPER_ABLATION_PARTS, PAPER_CLAIMS } from '../report/paper';
import { FIG4_METHODS, INFORMATIVE_BINS, methodLabel, orderMethods, parseSweepMethod, sweepMethods, type ResultRow } from '../report/rows';
import { formatNumber, formatSig, formatSummary, formatSummarySig, type Summary, type Verdict } from '../report/stats';
import { VERDICT_RULE, claimMarkdown } from '../report/summary';
import {
  accuracyCell,
  alphaRecords,
  fig4Records,
  formatGain,
  influenceMeanRecords,
  influenceRecords,
  informativeRecords,
  rewardCurveRecords,
  type AccuracyCell,
  type DisplayTable,
} from '../report/tables';

type ClaimId = ClaimResult['id'];

/** One finding: what the paper says, what our rows show, and the verdict of the claim that covers it (if any). */
export interface Statement {
  panel: string;
  paper: string;
  ours: string;
  /** the claim (evaluateClaims) this finding is checked by; null where the paper makes no claim we check */
  claim: ClaimId | null;
  verdict: Verdict | null;
}

/** The claims with these ids, evaluated on the rows (evaluateClaims never throws; missing rows → inconclusive). */
export function claimsById(rows: readonly ResultRow[], ids: readonly ClaimId[]): ClaimResult[] {
  return evaluateClaims(rows).filter((c) => ids.includes(c.id));
}

/** The claims with these ids as Markdown (verdict heading, each comparison with its CI, the paper's words), then the verdict rule. */
export function claimsMarkdown(rows: readonly ResultRow[], ids: readonly ClaimId[]): string {
  const parts = claimsById(rows, ids).map(claimMarkdown);
  return [...parts, `*How verdicts are decided:* ${VERDICT_RULE}`].join('\n\n');
}

/** Run `f`; a thrown error (a missing series) becomes "no data (why)" so a statement table never fails a notebook. */
function orNoData(f: () => string): string {
  try {
    return f();
  } catch (err) {
    return `no data (${(err as Error).message})`;
  }
}

const verdictOf = (claims: ClaimResult[], id: ClaimId) => claims.find((c) => c.id === id)?.verdict ?? null;

/**
 * Reward rise per method: the mean reward over the first and over the last quarter of RL steps (at least one step
 * each; the per-step values are means over seeds), so one noisy step does not decide it.
 */
export function rewardRise(rows: readonly ResultRow[]): { method: string; label: string; early: number; late: number; rise: number }[] {
  const pts = rewardCurveRecords(rows, 'reward');
  return orderMethods(pts.map((p) => p.method)).map((method) => {
    const mine = pts.filter((p) => p.method === method);
    const k = Math.max(1, Math.floor(mine.length / 4));
    const avg = (xs: typeof mine) => xs.reduce((s, p) => s + p.value.mean, 0) / xs.length;
    const early = avg(mine.slice(0, k));
    const late = avg(mine.slice(-k));
    return { method, label: methodLabel(method), early, late, rise: late - early };
  });
}

/** "BRIDGE / Vanilla = 2.1×" when both means are positive, else null. */
function ratio(a: Summary | undefined, b: Summary | undefined): number | null {
  return a && b && a.mean > 0 && b.mean > 0 ? a.mean / b.mean : null;
}

/**
 * Figure 1's three panels, paper vs ours: reward rise per method (left; no claim), the informative share and where
 * the informative mass peaks (middle; claim b), mean influence, the BRIDGE/Vanilla ratio and the α bins where BRIDGE
 * is higher (right; claim c).
 */
export function figure1Statements(rows: readonly ResultRow[]): Statement[] {
  const claims = evaluateClaims(rows);
  const reward = orNoData(() => {
    const r = rewardRise(rows);
    if (r.length === 0) throw new Error('no GRPO reward rows');
    const best = r.reduce((a, b) => (b.rise > a.rise ? b : a));
    const each = r.map((x) => `${x.label} ${x.early.toFixed(3)} → ${x.late.toFixed(3)} (${x.rise >= 0 ? '+' : ''}${x.rise.toFixed(3)})`).join('; ');
    return `mean reward, first → last quarter of RL steps: ${each}. Largest rise: ${best.label}.`;
  });
  const informative = orNoData(() => {
    const inf = informativeRecords(rows);
    if (inf.length === 0) throw new Error('no informative_share rows');
    const bins = alphaRecords(rows);
    const peaks = inf.map((m) => {
      const mine = bins.filter((b) => b.method === m.method && INFORMATIVE_BINS.includes(b.bin));
      const top = mine.length ? mine.reduce((a, b) => (b.value.mean > a.value.mean ? b : a)) : null;
      return top && top.value.mean > 0 ? `${m.label} ${top.bin}` : `${m.label} none`;
    });
    return `share of queries with 0 < α < 1: ${inf.map((m) => `${m.label} ${formatSummary(m.value)} %`).join('; ')}. Largest informative bin: ${peaks.join(', ')}.`;
  });
  const influence = orNoData(() => {
    const means = influenceMeanRecords(rows);
    if (means.length === 0) throw new Error('no influence_mean rows');
    const get = (m: string) => means.find((x) => x.method === m)?.value;
    const r = ratio(get('bridge'), get('vanilla'));
    const bins = influenceRecords(rows).filter((b) => INFORMATIVE_BINS.includes(b.bin));
    const shared = INFORMATIVE_BINS.filter((bin) => ['bridge', 'vanilla'].every((m) => bins.some((b) => b.method === m && b.bin === bin)));
    const higher = shared.filter((bin) => {
      const v = (m: string) => (bins.find((b) => b.method === m && b.bin === bin) as { value: Summary }).value.mean;
      return v('bridge') > v('vanilla');
    });
    return (
      `mean per-step influence: ${means.map((m) => `${m.label} ${formatSummarySig(m.value)}`).join('; ')}. ` +
      (r === null ? 'BRIDGE / Vanilla: n/a. ' : `BRIDGE / Vanilla = ${formatSig(r, 2)}×. `) +
      `BRIDGE's mean is higher in ${higher.length} of the ${shared.length} informative α bins both have queries in.`
    );
  });
  return [
    { panel: 'left: training reward per RL step', paper: PAPER_CLAIMS.reward, ours: reward, claim: null, verdict: null },
    { panel: 'middle: rollout-accuracy (α) histogram', paper: PAPER_CLAIMS.informative, ours: informative, claim: 'b', verdict: verdictOf(claims, 'b') },
    { panel: 'right: per-step influence by α bin', paper: PAPER_CLAIMS.influence, ours: influence, claim: 'c', verdict: verdictOf(claims, 'c') },
  ];
}

/** "ID +20.1 ± 3.0 vs +5.0 ± 2.0 pp (difference +15.1)": two RL gains on one split. */
function gainVs(a: AccuracyCell, b: AccuracyCell): string {
  const d = a.delta.mean - b.delta.mean;
  return `${formatGain(a.delta)} vs ${formatGain(b.delta)} pp (difference ${d >= 0 ? '+' : ''}${formatNumber(d, 1)})`;
}

/** BRIDGE's RL gain against one reduced behaviour set, ID and OOD. */
function removal(rows: readonly ResultRow[], other: string): string {
  return orNoData(() => {
    const parts = (['id', 'ood'] as const).map((split) => {
      const b = accuracyCell(rows, 'fig4', 'bridge', split);
      const o = accuracyCell(rows, 'fig4', other, split);
      return `${split.toUpperCase()} ${gainVs(b, o)}`;
    });
    return `RL gain BRIDGE vs ${methodLabel(other)}: ${parts.join('; ')}.`;
  });
}

/**
 * Figure 4 (and Figure 5), paper vs ours: the behaviour sets ranked by RL gain (claim d), BRIDGE against exploitation
 * only (= without exploration) and against reflection only (= without exploitation), and the p-sweep gains when the
 * rows hold sweep arms. `methods` are the behaviour sets of the run (default: the paper's six).
 */
export function figure4Statements(rows: readonly ResultRow[], methods: readonly string[] = FIG4_METHODS): Statement[] {
  const claims = evaluateClaims(rows);
  const ranking = orNoData(() => {
    const recs = fig4Records(rows, methods).filter((r) => parseSweepMethod(r.method) === null);
    const rank = (split: 'id' | 'ood') =>
      [...recs]
        .sort((a, b) => b[split].delta.mean - a[split].delta.mean)
        .map((r) => `${r.label} ${formatGain(r[split].delta)}`)
        .join(' > ');
    return `behaviour sets by mean RL gain (pp): ID ${rank('id')}; OOD ${rank('ood')}.`;
  });
  const arms = sweepMethods(rows);
  const sweep = arms.length
    ? orNoData(() =>
        arms
          .map((m) => {
            const s = parseSweepMethod(m) as { key: string; value: number };
            const g = (split: 'id' | 'ood') => orNoData(() => formatGain(accuracyCell(rows, 'fig4', m, split).delta));
            return `${s.key} = ${s.value}: ID ${g('id')}, OOD ${g('ood')} pp`;
          })
          .join('; ') + '.',
      )
    : 'no sweep arms in these results (a preset with `sweep` set runs them).';
  return [
    { panel: 'all behaviours vs each single one', paper: PAPER_CLAIMS.ablation, ours: ranking, claim: 'd', verdict: verdictOf(claims, 'd') },
    { panel: 'without exploration (exploitation only)', paper: PAPER_ABLATION_PARTS.withoutExploration, ours: removal(rows, 'exploit'), claim: null, verdict: null },
    { panel: 'without exploitation (reflection only)', paper: PAPER_ABLATION_PARTS.withoutExploitation, ours: removal(rows, 'explore'), claim: null, verdict: null },
    { panel: 'injection probability p (Fig. 5)', paper: PAPER_CLAIMS.sweep, ours: sweep, claim: null, verdict: null },
  ];
}

/** Statements as a display table (columns: panel, the paper, ours, verdict "(b) supported" or "—"). */
export function statementsTable(st: readonly Statement[]): DisplayTable {
  return {
    columns: ['panel', 'the paper', 'ours', 'verdict'],
    rows: st.map((s) => [s.panel, s.paper, s.ours, s.claim ? `(${s.claim}) ${s.verdict}` : null]),
  };
}
