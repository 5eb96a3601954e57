// Public API of the injection stage: variants and baselines for `bridge data`, the verifier for rollouts, traces for
// `bridge stats`, and the task-agnostic core for other DAG tasks.
export { injectRow, injectRows, variantFn } from './inject.js';
export { resolveVariant, VARIANT_NAMES, BEHAVIOUR_VARIANTS, BASELINES, DEFAULT_K, VariantOptionsSchema } from './variants.js';
export type { VariantSpec, VariantOverrides, VariantName } from './variants.js';
export { verifyAnswer, computeTrace, detectSurface, igsmGraph, igsmFormat, writeSteps, writeStepsUnchecked } from './igsm.js';
export type { IgsmVerifyOptions, TraceOptions } from './igsm.js';
export { verifyWith, traceOf, emptyTrace } from './verify.js';
export type { Verdict, VerdictKind, VerifyOptions } from './verify.js';
export { summarizeTraces } from './stats.js';
export type { TraceSummary } from './stats.js';
export { planAnswer, reflectionWalk, addAnalysis, addSubgoals, orderedSteps, ANALYSIS_PROBS, analysisProbability } from './behaviours.js';
export type { BehaviourKnobs } from './behaviours.js';
export { randomTopoOrder, alternativeTopoOrder, isTopologicalOrder, hasAlternativeOrder, shuffledQueries } from './baselines.js';
export { reduceOnce, reductionChain } from './arith.js';
export type { ReasoningGraph, Step, PlannedStep } from './graph.js';
export { templateFormat, renderWithPhrases, parseSkeleton } from './format.js';
export type { AnswerFormat, StepPhrases, Naming, ParsedAnswer, StepClaim } from './format.js';
export { seededStream, substream } from './streams.js';
