// The mechanism in the rollouts (docs/method.md, The mechanism in the rollouts): from the verifier's line-by-line
// replay of each completion, how often a model reflects, how often a reflection ends in a correct answer, and which
// kind of error comes first in the wrong ones. Pure counting over texts — no tfjs — so evaluation, GRPO metrics,
// the report and the notebooks share it.
import { reward } from '../igsm/answer';
import type { ProblemRow } from '../igsm/types';
import { verifyAnswer, type Verdict, type VerdictKind } from '../inject';

/** The error classes a reader can act on, and the verifier kinds each one gathers. */
export const ERROR_CLASSES = {
  /** the wrong quantity, parents, values or statement taken from the question */
  retrieval: ['unknown-node', 'equation', 'substitution', 'unknown-variable', 'analysis', 'revisit', 'letter'],
  /** the right expression computed to a wrong value */
  arithmetic: ['value', 'subgoal'],
  /** the right quantities in a wrong order: used too early, computed twice, a wrong "not yet", or stopped early */
  ordering: ['premature-use', 'repeat', 'locked-claim', 'incomplete'],
  /** the answer format: unparsable lines, a step written in the wrong form, a closing answer unlike the chain */
  format: ['format', 'step-form', 'final-answer', 'internal'],
} as const satisfies Record<string, readonly VerdictKind[]>;

export type ErrorClass = keyof typeof ERROR_CLASSES;
const CLASS_OF = new Map<string, ErrorClass>(
  (Object.entries(ERROR_CLASSES) as [ErrorClass, readonly string[]][]).flatMap(([c, kinds]) => kinds.map((k) => [k, c] as const)),
);

/** The class of a verifier kind. A wrong final answer after a chain the verifier accepts is a format error. */
export const errorClassOf = (kind: string): ErrorClass => CLASS_OF.get(kind) ?? 'format';

/** One completion: the text the model wrote after the prompt's "<think>", and the problem it answers. */
export interface MechanismRollout {
  row: ProblemRow;
  completion: string;
}

export interface MechanismSummary {
  rollouts: number;
  correct: number;
  /** Completions with at least one "not solvable yet" step (the exploration behaviour: attempt, notice, back off). */
  withReflection: number;
  /** …of which the final answer is right: a reflection followed by a correct recovery. */
  reflectionRecovered: number;
  /** Correct completions among those without a reflection (what a recovery rate is compared with). */
  correctWithoutReflection: number;
  /** Completions with any reflection in the verifier's sense: a "not yet" step, a node solved ahead of order, or a distractor computed. */
  withAnyReflection: number;
  /** Wrong completions by the class of their first error. */
  firstError: Record<ErrorClass, number>;
  /** Wrong completions by the verifier's kind of their first error. */
  firstErrorKinds: Record<string, number>;
}

/** Shares derived from a summary (NaN where the denominator is 0). */
export function mechanismShares(m: MechanismSummary) {
  const wrong = m.rollouts - m.correct;
  const noRefl = m.rollouts - m.withReflection;
  return {
    accuracy: m.correct / m.rollouts,
    reflectionShare: m.withReflection / m.rollouts,
    recoveryRate: m.withReflection ? m.reflectionRecovered / m.withReflection : NaN,
    accuracyWithoutReflection: noRefl ? m.correctWithoutReflection / noRefl : NaN,
    anyReflectionShare: m.withAnyReflection / m.rollouts,
    firstError: Object.fromEntries(Object.entries(m.firstError).map(([k, v]) => [k, wrong ? v / wrong : NaN])) as Record<ErrorClass, number>,
  };
}

export function emptyMechanism(): MechanismSummary {
  return {
    rollouts: 0,
    correct: 0,
    withReflection: 0,
    reflectionRecovered: 0,
    correctWithoutReflection: 0,
    withAnyReflection: 0,
    firstError: { retrieval: 0, arithmetic: 0, ordering: 0, format: 0 },
    firstErrorKinds: {},
  };
}

/** Add one completion to `m`, from the verifier's verdict on it and whether its answer is right (the reward's view). */
export function addRollout(m: MechanismSummary, v: Verdict, correct: boolean): void {
  const reflects = v.trace.lockedSteps > 0;
  m.rollouts++;
  if (correct) m.correct++;
  if (reflects) m.withReflection++;
  if (reflects && correct) m.reflectionRecovered++;
  if (!reflects && correct) m.correctWithoutReflection++;
  if (v.trace.reflections > 0) m.withAnyReflection++;
  if (!correct) {
    const kind = v.ok ? 'final-answer' : (v.kind ?? 'internal');
    m.firstErrorKinds[kind] = (m.firstErrorKinds[kind] ?? 0) + 1;
    m.firstError[errorClassOf(kind)]++;
  }
}

/** The verifier's verdict on a completion (the text after the prompt's "<think>"). */
export const verifyCompletion = (row: ProblemRow, completion: string): Verdict =>
  verifyAnswer(row.graph, completion, { completion: true, surface: row.surface });

/**
 * Count the mechanism over completions; correctness is the reward's (the boxed answer), as in accuracy. Callers that
 * already hold the rewards and verdicts (evaluation, GRPO) use addRollout instead of replaying them again.
 */
export function mechanismOf(rollouts: readonly MechanismRollout[]): MechanismSummary {
  const m = emptyMechanism();
  for (const { row, completion } of rollouts) addRollout(m, verifyCompletion(row, completion), reward(completion, row.answer) >= 1);
  return m;
}
