// Calibration statistics of a generated split (docs/igsm-generator.md, Calibration), computed from its rows and
// manifest counts.
import type { AnswerTrace, ProblemRow } from './types.js';
import type { SplitCounts } from './dataset.js';

export interface SplitStats {
  rows: number;
  problems: number;
  /** Share of draws that failed to build a graph (stage 3 exhausted or stage 4). Spec: ≈ 0.19 at op 15–20. */
  failedDrawShare: number | null;
  /** Share of successful draws (a graph was built) rejected by |answer| ≥ maxSolution. */
  filterRejectionShare: number | null;
  /**
   * The same rejections as a share of all draws. The authors' "≈ 42 %" matches this reading: this port measures
   * ≈ 51 % of successful draws and ≈ 41 % of all draws (docs/igsm-generator.md, Calibration).
   */
  filterRejectionShareOfDraws: number | null;
  /** Share of successful draws rejected for a value beyond 2^53 (exact mode; not in the spec's Python). */
  unsafeShare: number | null;
  /** Share of draws passing the filter that the zero-answer rule rejected. */
  zeroRejectedShare: number | null;
  meanNecessary: number;
  meanAbstractNecessary: number;
  meanRedundant: number;
  /** Share of problems with L = 2, 3, 4 layers. */
  layerShares: Record<'2' | '3' | '4', number>;
  /** Condition sentences (= structure edges): min, median, max. */
  conditions: { min: number; median: number; max: number };
  zeroAnswerShare: number;
  negativeAnswerShare: number;
  meanAnswerChars: number;
  maxAnswerChars: number;
  meanQueryChars: number;
  /** Step lines ("- ") per answer. */
  meanSteps: number;
  meanNumOps: number;
  /** Mean of every numeric trace field over rows that carry a trace (the behaviour counts of src/inject). */
  trace: Partial<Record<keyof AnswerTrace, number>>;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export function splitStats(rows: readonly ProblemRow[], counts?: SplitCounts): SplitStats {
  // graph statistics count each base problem once, even when a variant emitted several rows for it
  const seen = new Set<string>();
  const problems: ProblemRow[] = [];
  for (const r of rows) {
    const key = r.baseProblemId ?? r.id;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(r);
    }
  }
  const nec = problems.map((r) => r.graph.topo.length);
  const byName = (r: ProblemRow) => new Map(r.graph.nodes.map((n) => [n.name, n]));
  const absNec = problems.map((r) => {
    const m = byName(r);
    return r.graph.topo.filter((t) => m.get(t)?.kind === 'abstract').length;
  });
  const L = problems.map((r) => r.graph.layers.length);
  const edges = problems.map((r) => r.graph.edges.length).sort((a, b) => a - b);
  const answers = problems.map((r) => Number(r.answer));
  const share = (pred: (x: number) => boolean, xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.filter(pred).length / xs.length);
  const chars = rows.map((r) => r.response.length);
  const trace: Partial<Record<keyof AnswerTrace, number>> = {};
  const traced = rows.filter((r) => r.trace);
  if (traced.length > 0) {
    for (const k of Object.keys(traced[0].trace!) as (keyof AnswerTrace)[]) trace[k] = mean(traced.map((r) => Number(r.trace![k]) || 0));
  }
  let failedDrawShare: number | null = null;
  let filterRejectionShare: number | null = null;
  let filterRejectionShareOfDraws: number | null = null;
  let unsafeShare: number | null = null;
  let zeroRejectedShare: number | null = null;
  if (counts && counts.draws > 0) {
    const failed = counts.failedDraws.stage3 + counts.failedDraws.stage4;
    const built = counts.draws - failed;
    failedDrawShare = failed / counts.draws;
    filterRejectionShare = built > 0 ? counts.rejectedByFilter / built : null;
    filterRejectionShareOfDraws = counts.rejectedByFilter / counts.draws;
    unsafeShare = built > 0 ? counts.unsafeRejected / built : null;
    const passed = built - counts.rejectedByFilter - counts.unsafeRejected;
    zeroRejectedShare = passed > 0 ? counts.zeroRejected / passed : null;
  }
  return {
    rows: rows.length,
    problems: problems.length,
    failedDrawShare,
    filterRejectionShare,
    filterRejectionShareOfDraws,
    unsafeShare,
    zeroRejectedShare,
    meanNecessary: mean(nec),
    meanAbstractNecessary: mean(absNec),
    meanRedundant: mean(problems.map((r) => r.graph.redundant.length)),
    layerShares: { '2': share((x) => x === 2, L), '3': share((x) => x === 3, L), '4': share((x) => x === 4, L) },
    conditions: { min: edges[0] ?? 0, median: edges.length ? edges[Math.floor((edges.length - 1) / 2)] : 0, max: edges[edges.length - 1] ?? 0 },
    zeroAnswerShare: share((x) => x === 0, answers),
    negativeAnswerShare: share((x) => x < 0, answers),
    meanAnswerChars: mean(chars),
    maxAnswerChars: chars.reduce((a, b) => Math.max(a, b), 0),
    meanQueryChars: mean(problems.map((r) => r.query.length)),
    meanSteps: mean(rows.map((r) => r.response.split('\n').filter((l) => l.startsWith('- ')).length)),
    meanNumOps: mean(problems.map((r) => r.numOps)),
    trace,
  };
}
