// The task-agnostic view of a reasoning problem that the behaviours and the verifier work on: a DAG of named
// quantities, each computed from its parents by an arithmetic formula. iGSM is one such task (see igsm.ts);
// any other DAG-shaped task only implements this interface and an answer format.
import type { CotStep } from '../igsm/cot.js';

/** A DAG of quantities to be solved one at a time. Node ids are the names the answer text uses for them. */
export interface ReasoningGraph {
  /** Necessary nodes in solution order; the goal (question) is last. */
  readonly order: readonly string[];
  /** Distractor nodes in an order that is topologically valid on top of `order`. */
  readonly redundant: readonly string[];
  /** null (exact integers) or the modulus every value and intermediate result is reduced by. */
  readonly modulus: number | null;
  has(id: string): boolean;
  /** Non-constant parents in operand order; empty for a leaf. */
  parents(id: string): readonly string[];
  /** k for the analysis probability table (parents including the constant), or null when the node never gets one. */
  analysisArity(id: string): number | null;
  /** The sentence an analysis step restates verbatim (the node's stated dependency). */
  statement(id: string): string;
  /** The formula with the parents' letters ("2 + (M - K)"); for a leaf, its constant. */
  symbolic(id: string, letterOf: (parent: string) => string): string;
  /** The formula with the parents' values ("2 + (12 - 4)"); negatives as "-3". */
  substituted(id: string): string;
  /** The node's value (reduced in modular mode). */
  value(id: string): number;
}

/** One step of a written answer: the step type of the iGSM writer (src/igsm/cot.ts), so the walk's output feeds it directly. */
export type Step = CotStep;

/** A step as planned by the walk, with where it came from (for traces and tests). */
export interface PlannedStep extends Step {
  /**
   * Emitted by the walk's reflection branch: a failed attempt, an early solve or a computed distractor
   * (docs/igsm-generator.md, Reflection walk).
   */
  reflection: boolean;
}

/** Leaf = no non-constant parent (stated directly by the problem). */
export function isLeaf(g: ReasoningGraph, id: string): boolean {
  return g.parents(id).length === 0;
}

/** The parents of `id` not in `solved`, in parent order (a parent listed twice is listed twice, as the writer does). */
export function unsolvedParents(g: ReasoningGraph, id: string, solved: ReadonlySet<string>): string[] {
  return g.parents(id).filter((p) => !solved.has(p));
}
