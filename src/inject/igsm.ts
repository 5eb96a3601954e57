// iGSM as a ReasoningGraph: the adapter between the problem DAG of src/igsm and the task-agnostic behaviours and
// verifier. Answers are written by src/igsm/cot.ts writeAnswer and read back through parsers built from its PHRASES.
import type { Rng } from '../rng.js';
import { PHRASES, joinNames, splitNames, writeAnswer, type CotStep } from '../igsm/cot.js';
import { substitutedEquation, symbolicEquation } from '../igsm/expr.js';
import { queryRhs, surfaceName } from '../igsm/render.js';
import type { AnswerTrace, GraphNode, ProblemGraph, Surface } from '../igsm/types.js';
import { templateFormat, renderWithPhrases, type AnswerFormat, type Naming } from './format.js';
import type { ReasoningGraph, Step } from './graph.js';
import { emptyTrace, traceOf, verifyWith, type Verdict, type VerifyOptions } from './verify.js';

function nodeIndex(graph: ProblemGraph): Map<string, GraphNode> {
  const byName = new Map<string, GraphNode>();
  for (const n of graph.nodes) byName.set(n.name, n);
  return byName;
}

/** The iGSM problem as a ReasoningGraph; `surface` decides how analysis sentences restate a condition. */
export function igsmGraph(graph: ProblemGraph, surface: Surface): ReasoningGraph {
  const byName = nodeIndex(graph);
  const node = (id: string): GraphNode => {
    const n = byName.get(id);
    if (n === undefined) throw new Error(`no node "${id}" in the graph`);
    return n;
  };
  const valueOf = (id: string): number => node(id).value;
  return {
    order: graph.topo,
    redundant: graph.redundant,
    modulus: graph.modulus,
    has: (id) => byName.has(id),
    parents: (id) => node(id).parents,
    // information analysis: instance non-leaf nodes only; k counts the constant pseudo-parent too
    analysisArity: (id) => {
      const n = node(id);
      return n.kind === 'instance' && n.parents.length > 0 ? n.parents.length + (n.constant === null ? 0 : 1) : null;
    },
    statement: (id) => queryRhs(node(id), surface),
    symbolic: (id, letterOf) => symbolicEquation(node(id), letterOf),
    substituted: (id) => substitutedEquation(node(id), valueOf),
    value: valueOf,
  };
}

/** How node names and name lists are written on a surface (compact drops the leading "each "). */
export function igsmNaming(graph: ProblemGraph, surface: Surface): Naming {
  const byName = nodeIndex(graph);
  return {
    text: (id) => surfaceName(id, surface),
    resolve: (written) => {
      const id = surface === 'english' ? written : `each ${written}`;
      return byName.has(id) && surfaceName(id, surface) === written ? id : null;
    },
    join: (names) => joinNames(names, surface),
    split: (text) => splitNames(text, surface),
  };
}

export function igsmFormat(graph: ProblemGraph, surface: Surface): AnswerFormat {
  return templateFormat(PHRASES[surface], igsmNaming(graph, surface));
}

/** The surface an answer was written in, from its opening line (english when neither matches). */
export function detectSurface(text: string): Surface {
  const lines = text.split('\n', 3);
  const open = lines[0] === '<think>' ? lines[1] : lines[0] === '' ? lines[1] : lines[0];
  return PHRASES.compact.open.includes(open ?? '') ? 'compact' : 'english';
}

export interface IgsmVerifyOptions extends VerifyOptions {
  /** The answer's surface; detected from the opening line when absent. */
  surface?: Surface;
}

/**
 * Replay an iGSM answer (a generated response or a model rollout) against its graph. Never throws.
 * See VerdictKind in verify.ts for the checks; `trace` holds the answer's behaviour counts.
 */
export function verifyAnswer(graph: ProblemGraph, text: string, opts: IgsmVerifyOptions = {}): Verdict {
  let surface: Surface = 'english';
  let g: ReasoningGraph;
  let format: AnswerFormat;
  try {
    surface = opts.surface ?? detectSurface(opts.completion ? `<think>${text}` : text);
    g = igsmGraph(graph, surface);
    format = igsmFormat(graph, surface);
  } catch (err) {
    return { ok: false, firstBadLine: 1, kind: 'internal', reason: `bad graph: ${String(err)}`, trace: emptyTrace(text.length) };
  }
  return verifyWith(g, format, text, opts);
}

export interface TraceOptions {
  surface?: Surface;
  /** The answer's intended solution order (RC-Aug answers follow their own); default graph.topo. */
  order?: readonly string[];
}

/** Behaviour counts of an answer text, read back with the verifier's parser (see traceOf). Never throws. */
export function computeTrace(answerText: string, graph: ProblemGraph, opts: TraceOptions = {}): AnswerTrace {
  try {
    const surface = opts.surface ?? detectSurface(answerText);
    const format = igsmFormat(graph, surface);
    return traceOf(igsmGraph(graph, surface), format, format.parse(answerText), answerText.length, opts.order);
  } catch {
    return emptyTrace(answerText.length);
  }
}

/** Write planned steps with the iGSM writer (the steps are CotSteps field for field). */
export function writeSteps(graph: ProblemGraph, steps: readonly Step[], rng: Rng, surface: Surface): string {
  const cot: CotStep[] = steps.map(({ node, mode, revisit, analysis, chain, unsolved }) => {
    const s: CotStep = { node, mode, revisit, analysis };
    if (chain !== undefined) s.chain = chain;
    if (unsolved !== undefined) s.unsolved = unsolved;
    return s;
  });
  return writeAnswer(graph, cot, rng, surface);
}

/**
 * Write steps in the iGSM answer format without writeAnswer's safety checks — for building deliberately wrong
 * answers (verifier tests, negative examples). Letters and phrasings are drawn like writeAnswer's, not identically.
 */
export function writeStepsUnchecked(graph: ProblemGraph, steps: readonly Step[], rng: Rng, surface: Surface): string {
  return renderWithPhrases(igsmGraph(graph, surface), steps, PHRASES[surface], igsmNaming(graph, surface), rng);
}
