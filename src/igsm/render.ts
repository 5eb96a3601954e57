// The question text (docs/igsm-generator.md, Query text): one condition sentence per instance node, shuffled, then the
// question. Two surfaces render the same graph: `english` is the exact grammar; `compact` states the same equations
// tersely.
import type { GraphNode, ProblemGraph, Surface } from './types.js';
import type { Rng } from '../rng.js';
import { formatEquation } from './expr.js';

const EACH = 'each ';

/** "each Blue Crate's Kiwi" → "Blue Crate's Kiwi": how the compact surface names a parameter. */
export function compactName(name: string): string {
  return name.startsWith(EACH) ? name.slice(EACH.length) : name;
}

/** How a parameter is named on a surface (English keeps the canonical node name). */
export function surfaceName(name: string, surface: Surface): string {
  return surface === 'english' ? name : compactName(name);
}

/** The canonical node name of parameter "each X's Y". */
export function paramName(upper: string, lower: string): string {
  return EACH + upper + "'s " + lower;
}

function pphrase(ps: readonly string[], combine: GraphNode['combine']): string {
  switch (ps.length) {
    case 1:
      return ps[0];
    case 2:
      return (combine === 'diff' ? 'the difference of ' : 'the sum of ') + ps[0] + ' and ' + ps[1];
    case 3:
      return 'the sum of ' + ps[0] + ', ' + ps[1] + ' and ' + ps[2];
    case 4:
      return 'the sum of ' + ps[0] + ', ' + ps[1] + ', ' + ps[2] + ' and ' + ps[3];
    default:
      throw new Error(`instance node with ${ps.length} non-constant parents cannot be stated (at most 4)`);
  }
}

/**
 * The verbatim right-hand side of the node's condition sentence: English = everything after "equals ", compact =
 * everything after " = ". This is what an ANALYSIS sentence restates (docs/igsm-generator.md, Information analysis).
 */
export function queryRhs(node: GraphNode, surface: Surface): string {
  if (node.kind !== 'instance') throw new Error(`node "${node.name}" is abstract: abstract nodes have no condition sentence`);
  if (surface === 'compact') return formatEquation(node, compactName);
  const ps = node.parents;
  if (ps.length === 0) {
    if (node.constant === null) throw new Error(`node "${node.name}": no parents and no constant`);
    return String(node.constant);
  }
  if (ps.length > 2 && node.combine !== 'sum') throw new Error(`node "${node.name}": ${ps.length} parents must combine as a sum`);
  const p = pphrase(ps, node.combine);
  if (node.constant === null) return p;
  return node.constant + (node.constOp === '*' ? ' times ' : ' more than ') + p;
}

/** One condition line, without the line's final ".": "The number of each X's Y equals …" / "X's Y = …". */
export function conditionSentence(node: GraphNode, surface: Surface): string {
  if (surface === 'compact') return compactName(node.name) + ' = ' + queryRhs(node, surface);
  return 'The number of ' + node.name + ' equals ' + queryRhs(node, surface);
}

/** The question line: "How many Y does each X have?" / "X's Y = ?". */
export function questionSentence(node: GraphNode, surface: Surface): string {
  if (surface === 'compact') return compactName(node.name) + ' = ?';
  return 'How many ' + node.lower + ' does each ' + node.upper + ' have?';
}

/**
 * Line separator of a surface: English sentences end with "." (docs/igsm-generator.md, Assembly); compact lines carry
 * no punctuation.
 */
export function lineSeparator(surface: Surface): string {
  return surface === 'english' ? '.\n' : '\n';
}

export interface RenderOptions {
  /** Shuffle the condition lines (spec: shuffleQuery, default true); false keeps topo-then-redundant order. */
  shuffle?: boolean;
}

/**
 * The full question: every instance node's condition line (necessary and redundant), shuffled, then the question.
 * English: joined with ".\n", so each condition ends with "." and the last line ends with "?"; no trailing newline.
 */
export function renderQuery(graph: ProblemGraph, rng: Rng, surface: Surface, opts: RenderOptions = {}): string {
  const lines: string[] = [];
  let q: GraphNode | undefined;
  for (const node of graph.nodes) {
    if (node.kind === 'instance') lines.push(conditionSentence(node, surface));
    if (node.name === graph.question) q = node;
  }
  if (!q) throw new Error(`graph.question "${graph.question}" is not among graph.nodes`);
  if (opts.shuffle !== false) rng.shuffle(lines);
  lines.push(questionSentence(q, surface));
  return lines.join(lineSeparator(surface));
}

/**
 * The canonical de-duplication key of a query: its condition lines sorted, then the question line
 * (docs/igsm-generator.md, Data splits).
 */
export function canonicalQueryKey(query: string, surface: Surface): string {
  const lines = query.split(lineSeparator(surface));
  const question = lines.pop() ?? '';
  lines.sort();
  lines.push(question);
  return lines.join('\n');
}
