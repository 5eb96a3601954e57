// A node's equation as text (symbolic with letters, substituted with values) and its evaluation
// (docs/igsm-generator.md: Parameters, Condition sentence, Equation chain).
// One formatter serves every surface, so the query, the CoT and the compact form can never disagree on operand order.
import type { GraphNode } from './types.js';

/** Reduce into [0, m): differences wrap instead of going negative (docs/igsm-generator.md, Modular mode). */
export function mod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r + 0; // + 0: never -0
}

/**
 * The node's equation with its parents written as `terms` (same order as node.parents):
 * `c`, `A`, `c + A`, `c * A`, `A + B`, `A - B`, `c + (A - B)`, `c * (A + B + C)`, `A + B + C + D`, `A * B + C * D`.
 * The constant always comes first; the parent part is parenthesised only when there is a constant and ≥ 2 parents.
 */
export function formatTerms(node: GraphNode, terms: readonly string[]): string {
  const n = terms.length;
  if (n !== node.parents.length) throw new Error(`node "${node.name}": ${n} terms for ${node.parents.length} parents`);
  if (n === 0) {
    if (node.constant === null) throw new Error(`node "${node.name}": no parents and no constant`);
    return String(node.constant);
  }
  let inner: string;
  if (node.combine === 'sumOfProducts') {
    if (n % 2 !== 0) throw new Error(`node "${node.name}": sumOfProducts needs an even number of parents, got ${n}`);
    inner = terms[0] + ' * ' + terms[1];
    for (let i = 2; i < n; i += 2) inner += ' + ' + terms[i] + ' * ' + terms[i + 1];
  } else if (node.combine === 'diff') {
    if (n !== 2) throw new Error(`node "${node.name}": diff needs exactly 2 parents, got ${n}`);
    inner = terms[0] + ' - ' + terms[1];
  } else {
    inner = terms[0];
    for (let i = 1; i < n; i++) inner += ' + ' + terms[i];
  }
  if (node.constant === null) return inner;
  if (node.constOp === null) throw new Error(`node "${node.name}": constant with parents needs constOp`);
  return node.constant + ' ' + node.constOp + ' ' + (n >= 2 ? '(' + inner + ')' : inner);
}

/** formatTerms with each parent name mapped through `term`. */
export function formatEquation(node: GraphNode, term: (name: string) => string): string {
  return formatTerms(node, node.parents.map(term));
}

/** SYM: the equation with the parents' letters, e.g. "2 + (M - K)". */
export function symbolicEquation(node: GraphNode, letterOf: (name: string) => string): string {
  return formatEquation(node, letterOf);
}

/** SUBST: the equation with the parents' values, e.g. "2 + (12 - 4)"; negatives as "-3" with no parentheses of their own. */
export function substitutedEquation(node: GraphNode, valueOf: (name: string) => number): string {
  return formatEquation(node, (p) => String(valueOf(p)));
}

/**
 * The node's value from its parents' values. With a modulus the result is reduced into [0, modulus).
 * In exact mode returns NaN when any intermediate result leaves the safe-integer range (the generator rejects such draws).
 */
export function evalNode(node: GraphNode, valueOf: (name: string) => number, modulus: number | null): number {
  const ps = node.parents;
  const n = ps.length;
  let v: number;
  if (n === 0) {
    if (node.constant === null) throw new Error(`node "${node.name}": no parents and no constant`);
    v = node.constant;
  } else {
    if (node.combine === 'sumOfProducts') {
      v = 0;
      for (let i = 0; i < n; i += 2) {
        const prod = valueOf(ps[i]) * valueOf(ps[i + 1]);
        if (!Number.isSafeInteger(prod)) return NaN;
        v += prod;
        if (!Number.isSafeInteger(v)) return NaN;
      }
    } else if (node.combine === 'diff') {
      v = valueOf(ps[0]) - valueOf(ps[1]);
    } else {
      v = 0;
      for (let i = 0; i < n; i++) v += valueOf(ps[i]);
    }
    if (!Number.isSafeInteger(v)) return NaN;
    if (node.constant !== null) v = node.constOp === '*' ? node.constant * v : node.constant + v;
  }
  if (!Number.isSafeInteger(v)) return NaN;
  return modulus === null ? v + 0 : mod(v, modulus);
}
