// Replays a written answer against its graph, line by line, and says whether it is a correct solution — and if
// not, the first wrong line and why. Task-agnostic: it sees the graph through ReasoningGraph and the text through
// an AnswerFormat. It must classify arbitrary model rollouts, so it never throws.
import type { AnswerTrace } from '../igsm/types.js';
import { evaluateTokens, formatTokens, reduceTokens, sameTokens, tokenize, type Token } from './arith.js';
import type { AnswerFormat, ParsedAnswer, StepClaim } from './format.js';
import { unsolvedParents, type ReasoningGraph } from './graph.js';

export type VerdictKind =
  | 'format' // the text does not fit the answer format
  | 'unknown-node' // a step names a quantity the problem does not have
  | 'letter' // a letter reused for another quantity, or the equation's left side is not the step's letter
  | 'revisit' // RECALL of a quantity not introduced by an earlier failed attempt (or with another letter), or re-naming one
  | 'repeat' // a quantity computed a second time
  | 'step-form' // leaf form for a derived quantity or vice versa
  | 'analysis' // analysis on a quantity that has none, or not the verbatim statement
  | 'locked-claim' // "not solvable yet" for a solvable quantity, or not exactly the unsolved parents
  | 'premature-use' // computing a quantity whose inputs are not all solved yet
  | 'unknown-variable' // the equation uses a letter never introduced
  | 'equation' // the symbolic equation is not the quantity's formula
  | 'substitution' // the value-substituted equation is not the formula with the known values
  | 'subgoal' // an intermediate expression is not one correct reduction step
  | 'value' // a computed or stated value is wrong
  | 'incomplete' // the answer closes before the question is solved
  | 'final-answer' // the closing or boxed answer is not the question's value
  | 'internal'; // the verifier itself failed (a bug; reported, never thrown)

export interface Verdict {
  ok: boolean;
  /** 1-based line of the full answer (line 1 = "<think>"). */
  firstBadLine?: number;
  kind?: VerdictKind;
  reason?: string;
  trace: AnswerTrace;
}

export interface VerifyOptions {
  /** The text is a completion that followed the prompt's "<think>": verify "<think>" + text (line numbers as if so). */
  completion?: boolean;
  /**
   * Every computation must show each reduction step (no jumps straight to the value). Default false: both forms pass.
   */
  requireSubgoal?: boolean;
}

export function emptyTrace(chars = 0): AnswerTrace {
  return {
    chars,
    steps: 0,
    reflections: 0,
    lockedSteps: 0,
    revisits: 0,
    earlySolved: 0,
    redundantComputed: 0,
    analysisSentences: 0,
    subgoalSteps: 0,
  };
}

/**
 * Behaviour counts of a parsed answer. earlySolved = necessary quantities computed while a quantity earlier in
 * `order` is still unsolved (a reflection that solved ahead of time); reflections = failed attempts + early solves +
 * computed distractors. subgoalSteps = intermediate expressions between SUBST and the value.
 */
export function traceOf(
  g: ReasoningGraph,
  format: AnswerFormat,
  parsed: ParsedAnswer,
  chars: number,
  order: readonly string[] = g.order,
): AnswerTrace {
  const t = emptyTrace(chars);
  const redundant = new Set(g.redundant);
  const solved = new Set<string>();
  const rank = new Map(order.map((id, i) => [id, i] as const));
  let firstUnsolved = 0;
  for (const c of parsed.steps) {
    t.steps++;
    if (c.intro === 'recall') t.revisits++;
    if (c.analysis !== undefined) t.analysisSentences++;
    if (c.locked !== undefined) {
      t.lockedSteps++;
      continue;
    }
    const exprs = c.exprs ?? [];
    if (c.intro !== 'leaf' && exprs.length > 3) t.subgoalSteps += exprs.length - 3;
    const id = format.resolve(c.name);
    if (id === null || solved.has(id)) continue;
    if (redundant.has(id)) t.redundantComputed++;
    else if ((rank.get(id) ?? -1) > firstUnsolved) t.earlySolved++;
    solved.add(id);
    while (firstUnsolved < order.length && solved.has(order[firstUnsolved])) firstUnsolved++;
  }
  t.reflections = t.lockedSteps + t.earlySolved + t.redundantComputed;
  return t;
}

class Reject extends Error {
  constructor(
    readonly line: number,
    readonly kind: VerdictKind,
    readonly why: string,
  ) {
    super(why);
  }
}

/** Replay `text` against `g`; see VerdictKind for what is checked. */
export function verifyWith(g: ReasoningGraph, format: AnswerFormat, text: string, opts: VerifyOptions = {}): Verdict {
  const full = opts.completion ? `<think>${text}` : text;
  let parsed: ParsedAnswer;
  try {
    parsed = format.parse(full);
  } catch (err) {
    return { ok: false, firstBadLine: 1, kind: 'internal', reason: `parser failed: ${String(err)}`, trace: emptyTrace(full.length) };
  }
  let trace: AnswerTrace;
  try {
    trace = traceOf(g, format, parsed, full.length);
  } catch {
    trace = emptyTrace(full.length);
  }
  try {
    replay(g, format, parsed, opts);
    const boxes = full.split('\\boxed{').length - 1;
    if (boxes !== 1) throw new Reject(parsed.boxed?.line ?? 1, 'format', `\\boxed{} must appear exactly once, found ${boxes}`);
    return { ok: true, trace };
  } catch (err) {
    if (err instanceof Reject) return { ok: false, firstBadLine: err.line, kind: err.kind, reason: err.why, trace };
    return { ok: false, firstBadLine: 1, kind: 'internal', reason: `verifier failed: ${String(err)}`, trace };
  }
}

interface ReplayState {
  letterOf: Map<string, string>; // node → letter
  nodeOf: Map<string, string>; // letter → node
  introduced: Set<string>; // introduced by a failed attempt, not yet solved
  solved: Set<string>;
}

function replay(g: ReasoningGraph, format: AnswerFormat, parsed: ParsedAnswer, opts: VerifyOptions): void {
  const st: ReplayState = { letterOf: new Map(), nodeOf: new Map(), introduced: new Set(), solved: new Set() };
  const goal = g.order[g.order.length - 1];
  for (const c of parsed.steps) replayStep(g, format, st, c, opts);
  if (parsed.error !== undefined) throw new Reject(parsed.error.line, 'format', parsed.error.reason);
  const closeLine = parsed.close?.line ?? 1;
  if (!st.solved.has(goal)) throw new Reject(closeLine, 'incomplete', `the question (${goal}) is never computed`);
  const answer = String(g.value(goal));
  if (parsed.close?.answer !== answer) {
    throw new Reject(closeLine, 'final-answer', `closing line says ${JSON.stringify(parsed.close?.answer)}, the answer is ${answer}`);
  }
  if (parsed.boxed?.answer !== answer) {
    throw new Reject(parsed.boxed?.line ?? closeLine, 'final-answer', `boxed ${JSON.stringify(parsed.boxed?.answer)}, the answer is ${answer}`);
  }
}

function replayStep(g: ReasoningGraph, format: AnswerFormat, st: ReplayState, c: StepClaim, opts: VerifyOptions): void {
  const bad = (kind: VerdictKind, why: string): never => {
    throw new Reject(c.line, kind, why);
  };
  const id = format.resolve(c.name);
  if (id === null || !g.has(id)) return bad('unknown-node', `no quantity named ${JSON.stringify(c.name)}`);
  if (st.solved.has(id)) return bad('repeat', `${id} is already computed`);
  const leaf = g.parents(id).length === 0;
  if (leaf !== (c.intro === 'leaf')) {
    return bad('step-form', leaf ? `${id} is stated directly but not written as such` : `${id} is not stated directly`);
  }

  // the letter: new letters must be fresh; a recall must name the letter of an earlier failed attempt
  const known = st.letterOf.get(id);
  if (c.intro === 'recall') {
    if (!st.introduced.has(id)) return bad('revisit', `${id} was not introduced by an earlier failed attempt`);
    if (known !== c.letter) return bad('revisit', `${id} was called ${known}, not ${c.letter}`);
  } else {
    if (known !== undefined) return bad('revisit', `${id} already has the letter ${known}; it must be recalled`);
    const owner = st.nodeOf.get(c.letter);
    if (owner !== undefined) return bad('letter', `letter ${c.letter} already stands for ${owner}`);
    st.letterOf.set(id, c.letter);
    st.nodeOf.set(c.letter, id);
  }
  if (c.lhs !== undefined && c.lhs !== c.letter) return bad('letter', `the step is about ${c.letter} but writes ${c.lhs}`);

  if (c.analysis !== undefined) {
    if (g.analysisArity(id) === null) return bad('analysis', `${id} has no statement to analyse`);
    if (c.analysis !== g.statement(id)) return bad('analysis', `restates ${JSON.stringify(c.analysis)}, the problem says ${JSON.stringify(g.statement(id))}`);
  }

  const waiting = unsolvedParents(g, id, st.solved);
  if (c.locked !== undefined) {
    if (waiting.length === 0) return bad('locked-claim', `${id} is solvable: all its inputs are known`);
    // every unknown parent and nothing else; a parent the formula uses twice may be listed once or twice
    const claimed = c.locked.map((n) => format.resolve(n) ?? `?${n}`);
    const distinct = [...new Set(waiting)];
    const sameNodes = distinct.every((w) => claimed.includes(w)) && claimed.every((x) => distinct.includes(x));
    const countOk = claimed.length === waiting.length || (claimed.length === distinct.length && new Set(claimed).size === claimed.length);
    if (!sameNodes || !countOk) return bad('locked-claim', `names ${JSON.stringify(c.locked)} as unknown; unknown are ${JSON.stringify(distinct)}`);
    st.introduced.add(id);
    return;
  }
  if (waiting.length > 0) return bad('premature-use', `${id} needs ${waiting.join(', ')}, not computed yet`);
  checkComputation(g, st, id, c, opts, bad);
  st.solved.add(id);
  st.introduced.delete(id);
}

function checkComputation(
  g: ReasoningGraph,
  st: ReplayState,
  id: string,
  c: StepClaim,
  opts: VerifyOptions,
  bad: (kind: VerdictKind, why: string) => never,
): void {
  const exprs = c.exprs ?? [];
  const value = String(g.value(id));
  if (c.intro === 'leaf') {
    if (c.leafValue !== undefined && c.leafValue !== value) bad('value', `${id} is ${value}, not ${c.leafValue}`);
    if (exprs.length !== 1 || exprs[0] !== value) bad('value', `${c.letter} = ${exprs.join(' = ')}, but ${id} is ${value}`);
    return;
  }
  if (exprs.length < 2) bad('format', `expected "${c.letter} = SYMBOLIC = SUBSTITUTED [= …]"`);
  const [sym, subst, ...rest] = exprs;

  const symTokens = tokenize(sym);
  if (symTokens === null) bad('format', `not an expression: ${JSON.stringify(sym)}`);
  for (const tok of symTokens as Token[]) {
    if (tok.t !== 'var') continue;
    const owner = st.nodeOf.get(tok.name);
    if (owner === undefined) bad('unknown-variable', `letter ${tok.name} was never introduced`);
    if (!st.solved.has(owner as string)) bad('premature-use', `${tok.name} (${owner}) is not computed yet`);
  }
  const wantSym = tokenize(g.symbolic(id, (p) => st.letterOf.get(p) ?? '?'));
  if (wantSym === null || !sameTokens(symTokens as Token[], wantSym)) {
    bad('equation', `${sym} is not the formula of ${id} (${wantSym === null ? '?' : formatTokens(wantSym)})`);
  }
  let prev = tokenize(subst);
  const wantSubst = tokenize(g.substituted(id));
  if (prev === null || wantSubst === null || !sameTokens(prev, wantSubst)) {
    bad('substitution', `${subst} should be ${g.substituted(id)}`);
  }
  for (let i = 0; i < rest.length; i++) {
    const next = tokenize(rest[i]);
    if (next === null) bad('format', `not an expression: ${JSON.stringify(rest[i])}`);
    const step = reduceTokens(prev as Token[], g.modulus);
    if (step !== null && sameTokens(step, next as Token[])) {
      prev = next;
      continue;
    }
    const isNumber = (next as Token[]).length === 1 && (next as Token[])[0].t === 'num';
    const isLast = i === rest.length - 1;
    if (!isNumber) bad('subgoal', `${rest[i]} does not follow from ${formatTokens(prev as Token[])} by one operation`);
    const exact = evaluateTokens(prev as Token[], g.modulus);
    if (exact === null || formatTokens(next as Token[]) !== exact.toString()) {
      bad('value', `${formatTokens(prev as Token[])} is ${exact}, not ${rest[i]}`);
    }
    if (!isLast) bad('subgoal', `${rest[i]} is already the value, but the chain goes on`);
    if (opts.requireSubgoal) bad('subgoal', `${formatTokens(prev as Token[])} = ${rest[i]} skips intermediate steps`);
    prev = next;
  }
  const final = formatTokens(prev as Token[]);
  if (final !== value) bad('value', `${c.letter} ends at ${final}, but ${id} is ${value}`);
}
