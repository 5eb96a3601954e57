// Behaviour statistics over a set of answers (for `bridge stats` and the calibration check, docs/igsm-generator.md).
import type { AnswerTrace } from '../igsm/types.js';

export interface TraceSummary {
  answers: number;
  meanChars: number;
  maxChars: number;
  /** "- " step lines per answer. */
  stepsPerAnswer: number;
  /** Out-of-order steps (failed attempts + early solves + computed distractors) per answer. */
  reflectionsPerAnswer: number;
  shareWithReflection: number;
  lockedPerAnswer: number;
  shareWithLocked: number;
  revisitsPerAnswer: number;
  earlySolvedPerAnswer: number;
  redundantComputedTotal: number;
  analysisPerAnswer: number;
  subgoalStepsPerAnswer: number;
}

/** Means and shares over traces (zeros for an empty list). */
export function summarizeTraces(traces: readonly AnswerTrace[]): TraceSummary {
  const n = traces.length;
  const mean = (f: (t: AnswerTrace) => number): number => (n === 0 ? 0 : traces.reduce((a, t) => a + f(t), 0) / n);
  return {
    answers: n,
    meanChars: mean((t) => t.chars),
    maxChars: traces.reduce((a, t) => Math.max(a, t.chars), 0),
    stepsPerAnswer: mean((t) => t.steps),
    reflectionsPerAnswer: mean((t) => t.reflections),
    shareWithReflection: mean((t) => (t.reflections > 0 ? 1 : 0)),
    lockedPerAnswer: mean((t) => t.lockedSteps),
    shareWithLocked: mean((t) => (t.lockedSteps > 0 ? 1 : 0)),
    revisitsPerAnswer: mean((t) => t.revisits),
    earlySolvedPerAnswer: mean((t) => t.earlySolved),
    redundantComputedTotal: traces.reduce((a, t) => a + t.redundantComputed, 0),
    analysisPerAnswer: mean((t) => t.analysisSentences),
    subgoalStepsPerAnswer: mean((t) => t.subgoalSteps),
  };
}
