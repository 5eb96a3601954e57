// The three injected behaviours (docs/igsm-generator.md, Injected behaviours) on any ReasoningGraph: the reflection
// walk (exploration), information analysis and subgoal computation (exploitation).
import type { Rng } from '../rng.js';
import { reductionChain } from './arith.js';
import { isLeaf, unsolvedParents, type PlannedStep, type ReasoningGraph } from './graph.js';
import { substream } from './streams.js';

/**
 * Information analysis: probability of an analysis sentence by level (row) and parents-including-the-constant k
 * (column).
 */
export const ANALYSIS_PROBS: readonly (readonly number[])[] = [
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  [0, 0, 0.1, 0.4, 0.8, 1, 1, 1, 1, 1, 1],
  [0, 0.1, 0.4, 0.8, 1, 1, 1, 1, 1, 1, 1],
  [0, 0.4, 0.8, 1, 1, 1, 1, 1, 1, 1, 1],
  [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
];

export const MAX_ANALYSIS_LEVEL = ANALYSIS_PROBS.length - 1;

export function analysisProbability(level: number, k: number): number {
  const row = ANALYSIS_PROBS[level];
  if (row === undefined) throw new Error(`analysis level must be an integer in 0–${MAX_ANALYSIS_LEVEL}, got ${level}`);
  return row[Math.max(0, Math.min(k, row.length - 1))];
}

/** The three knobs (BRIDGE: reflect 0.1, analysis 2, subgoal on). */
export interface BehaviourKnobs {
  /** reflectionProb ∈ [0, 1]. */
  reflect: number;
  /** analysisLevel ∈ 0–4. */
  analysis: number;
  /** detailedComputation: write every reduction step (docs/igsm-generator.md, Subgoal computation). */
  subgoal: boolean;
}

export const NO_BEHAVIOUR: BehaviourKnobs = { reflect: 0, analysis: 0, subgoal: false };

/**
 * The reflection walk (docs/igsm-generator.md, Reflection walk): in `order`, but after a successful step, while neither
 * the first nor only the last node is due, with probability `p` attempt a node ahead of time — a redundant one with
 * probability 0.3 when any exist, else a uniformly chosen later necessary node (the goal included). A solved target is
 * redrawn silently; an unlocked one is solved now (and skipped later); a locked one gets a failed attempt, never two in
 * a row. Steps carry no analysis and the short computation form; see `planAnswer` for the full behaviour set.
 */
export function reflectionWalk(g: ReasoningGraph, p: number, rng: Rng): PlannedStep[] {
  const order = g.order;
  const n = order.length;
  const solved = new Set<string>();
  const introduced = new Set<string>();
  const steps: PlannedStep[] = [];
  let cur = 0;
  let lastOk = false;

  const emit = (node: string, reflection: boolean): boolean => {
    const waiting = unsolvedParents(g, node, solved);
    const revisit = introduced.has(node);
    if (waiting.length > 0) {
      steps.push({ node, mode: 'locked', revisit, analysis: false, unsolved: waiting, reflection });
      introduced.add(node);
      return false;
    }
    steps.push({ node, mode: 'compute', revisit, analysis: false, reflection });
    solved.add(node);
    return true;
  };
  // With every candidate solved a reflection can emit nothing: going straight to the normal branch gives the same
  // text as redrawing (only the stream position differs) and keeps p = 1 from looping forever.
  const anyCandidate = (): boolean =>
    g.redundant.some((r) => !solved.has(r)) || order.slice(cur + 1).some((x) => !solved.has(x));

  for (;;) {
    // the pseudo-code's "solved early: cur += 1" skip, hoisted: cur always points at the first unsolved necessary
    // node, so "only the question is left" (cur = n − 1) holds exactly when it is true
    while (cur < n && solved.has(order[cur])) cur++;
    if (cur >= n) break;
    if (cur > 0 && cur < n - 1 && lastOk && p > 0 && rng.bernoulli(p) && anyCandidate()) {
      const target =
        g.redundant.length > 0 && rng.bernoulli(0.3) ? rng.pick(g.redundant) : order[rng.int(cur + 1, n - 1)];
      if (solved.has(target)) continue;
      lastOk = emit(target, true);
    } else {
      const node = order[cur];
      if (!emit(node, false)) throw new Error(`reflectionWalk: ${node} is locked at its place in the order`);
      cur++;
      lastOk = true;
    }
  }
  return steps;
}

/**
 * Information analysis (docs/igsm-generator.md): decide per step (first visits, revisits, reflections and failed
 * attempts alike) whether to analyse.
 */
export function addAnalysis(g: ReasoningGraph, steps: PlannedStep[], level: number, rng: Rng): PlannedStep[] {
  return steps.map((s) => {
    const k = g.analysisArity(s.node);
    if (k === null || isLeaf(g, s.node)) return s;
    const hit = rng.bernoulli(analysisProbability(level, k));
    return hit ? { ...s, analysis: true } : s;
  });
}

/**
 * Subgoal computation (docs/igsm-generator.md): every computed non-leaf step writes its full one-operation-at-a-time
 * reduction.
 */
export function addSubgoals(g: ReasoningGraph, steps: PlannedStep[]): PlannedStep[] {
  return steps.map((s) =>
    s.mode === 'compute' && !isLeaf(g, s.node) ? { ...s, chain: reductionChain(g.substituted(s.node), g.modulus) } : s,
  );
}

/**
 * All behaviours at once. Each behaviour draws from its own forked stream, so variants that share a knob (bridge
 * and explore share the reflection walk) make the same choices for it on the same problem.
 */
export function planAnswer(g: ReasoningGraph, knobs: BehaviourKnobs, rng: Rng): PlannedStep[] {
  const walkRng = substream(rng, 'reflect');
  const analysisRng = substream(rng, 'analysis');
  let steps = reflectionWalk(g, knobs.reflect, walkRng);
  if (knobs.analysis > 0) steps = addAnalysis(g, steps, knobs.analysis, analysisRng);
  if (knobs.subgoal) steps = addSubgoals(g, steps);
  return steps;
}

/** The plain walk: one computed step per necessary node, in order (vanilla, and each RC-Aug order). */
export function orderedSteps(order: readonly string[]): PlannedStep[] {
  return order.map((node) => ({ node, mode: 'compute', revisit: false, analysis: false, reflection: false }));
}
