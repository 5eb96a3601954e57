// The base model's pretraining text (docs/method.md, Pipeline): the question followed by a terse solution — one "name = SUBST = value"
// line per necessary node — in a format that shares no template with the SFT answers (no <think>, letters, phrasing
// or \boxed), so SFT still has the answer format and the step-by-step naming to teach.
import type { ProblemGraph, Surface } from './types.js';
import { formatEquation, substitutedEquation } from './expr.js';
import { surfaceName } from './render.js';
import { answerOf } from './dataset.js';

/** Opening word of a terse solution; also what the tokenizer's vocabulary must contain. */
export const TERSE_OPEN = 'solution:';
export const TERSE_RESULT = 'result';

/**
 * How much of each step a terse line spells out (docs/method.md, Pipeline):
 * - `values`: "name = SUBST = value" — the parents are implicit, only their values appear;
 * - `named`: "name = SYM = SUBST = value" — the parents are named too (SYM with the parents' names instead of letters),
 *   so each line is a copy from the question, a look-up of earlier lines and one computation. Neither form uses the
 *   SFT answers' letters, phrasing or behaviours.
 */
export type TerseForm = 'values' | 'named';

/** "solution:\nX's Y = 4\nX's Z = 3 * 4 = 12\n…\nresult 12" (no trailing newline). */
export function terseSolution(graph: ProblemGraph, surface: Surface, form: TerseForm = 'values'): string {
  return [TERSE_OPEN, ...terseLines(graph, surface, form).map((l) => l.text), `${TERSE_RESULT} ${answerOf(graph)}`].join('\n');
}

/** One line per necessary node, in solution order; equal parts (a leaf's "4 = 4") are written once. */
function terseLines(graph: ProblemGraph, surface: Surface, form: TerseForm): { name: string; text: string }[] {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const value = (name: string) => byName.get(name)!.value;
  return graph.topo.map((name) => {
    const node = byName.get(name)!;
    const parts = [surfaceName(name, surface)];
    if (form === 'named') parts.push(formatEquation(node, (p) => surfaceName(p, surface)));
    parts.push(substitutedEquation(node, value), String(node.value));
    const text = parts.filter((x, i) => i === 0 || x !== parts[i - 1]).join(' = ');
    return { name, text };
  });
}

/** How a terse completion scores against its problem: the base model's own skill, before any SFT. */
export interface TerseScore {
  /** "result N" names the question node's value. */
  correct: boolean;
  /** Solution lines written (between "solution:" and "result"). */
  lines: number;
  /** Lines equal to the canonical line of a necessary node not already written. */
  goodLines: number;
  /** The whole solution equals terseSolution(graph) (same order too). */
  exact: boolean;
}

/**
 * Score a terse completion (the text after the question's newline). A line is good when it is exactly the canonical
 * "name = SUBST = value" line of a necessary node written for the first time, so goodLines / lines is the per-step
 * accuracy and `correct` the chain accuracy. Linear in the completion's length.
 */
export function scoreTerse(graph: ProblemGraph, surface: Surface, completion: string, form: TerseForm = 'values'): TerseScore {
  const canonical = new Map(terseLines(graph, surface, form).map((l) => [l.text, l.name]));
  const text = completion.trim();
  const all = text.split('\n');
  let lines = 0;
  let goodLines = 0;
  let result: string | null = null;
  const seen = new Set<string>();
  for (const raw of all) {
    const line = raw.trim();
    if (line === TERSE_OPEN || line === '') continue;
    if (line.startsWith(`${TERSE_RESULT} `)) {
      result = line.slice(TERSE_RESULT.length + 1).trim();
      break;
    }
    lines++;
    const node = canonical.get(line);
    if (node !== undefined && !seen.has(node)) {
      seen.add(node);
      goodLines++;
    }
  }
  return {
    correct: result !== null && result === String(answerOf(graph)),
    lines,
    goodLines,
    exact: text === terseSolution(graph, surface, form),
  };
}
