// The base model's pretraining text (issue 5): the question followed by a terse solution — one "name = SUBST = value"
// line per necessary node — in a format that shares no template with the SFT answers (no <think>, letters, phrasing
// or \boxed), so SFT still has the answer format and the step-by-step naming to teach.
import type { ProblemGraph, Surface } from './types.js';
import { substitutedEquation } from './expr.js';
import { surfaceName } from './render.js';

/** Opening word of a terse solution; also what the tokenizer's vocabulary must contain. */
export const TERSE_OPEN = 'solution:';
export const TERSE_RESULT = 'result';

/** "solution:\nX's Y = 4\nX's Z = 3 * 4 = 12\n…\nresult 12" (no trailing newline). */
export function terseSolution(graph: ProblemGraph, surface: Surface): string {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const value = (name: string) => byName.get(name)!.value;
  const lines = [TERSE_OPEN];
  for (const name of graph.topo) {
    const node = byName.get(name)!;
    const subst = substitutedEquation(node, value);
    const v = String(node.value);
    lines.push(`${surfaceName(name, surface)} = ${subst === v ? v : `${subst} = ${v}`}`);
  }
  lines.push(`${TERSE_RESULT} ${value(graph.question)}`);
  return lines.join('\n');
}
