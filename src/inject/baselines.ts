// The paper's two augmentation baselines (docs/igsm-generator.md, PP-Aug and RC-Aug): PP-Aug re-shuffles the premises,
// RC-Aug re-orders the reasoning chain along random topological orders. Both keep the problem; only the query order or
// the answer order changes.
import type { Rng } from '../rng.js';
import type { ReasoningGraph } from './graph.js';

/**
 * A uniformly random Kahn order of the necessary nodes: at each step one of the ready nodes (all necessary parents
 * placed) is picked uniformly. The goal comes last because every other necessary node is its ancestor.
 */
export function randomTopoOrder(g: ReasoningGraph, rng: Rng): string[] {
  const nodes = g.order;
  const inSet = new Set(nodes);
  const missing = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const id of nodes) {
    const ps = [...new Set(g.parents(id))].filter((p) => inSet.has(p));
    missing.set(id, ps.length);
    for (const p of ps) children.set(p, [...(children.get(p) ?? []), id]);
  }
  const ready = nodes.filter((id) => missing.get(id) === 0);
  const out: string[] = [];
  while (ready.length > 0) {
    const [id] = ready.splice(rng.int(0, ready.length - 1), 1);
    out.push(id);
    for (const c of children.get(id) ?? []) {
      const left = (missing.get(c) ?? 0) - 1;
      missing.set(c, left);
      if (left === 0) ready.push(c);
    }
  }
  if (out.length !== nodes.length) throw new Error('randomTopoOrder: the necessary nodes contain a cycle');
  return out;
}

/** Every node of g.order exactly once, each after all its (necessary) parents. */
export function isTopologicalOrder(g: ReasoningGraph, order: readonly string[]): boolean {
  if (order.length !== g.order.length || new Set(order).size !== order.length) return false;
  const necessary = new Set(g.order);
  const placed = new Set<string>();
  for (const id of order) {
    if (!necessary.has(id)) return false;
    if (g.parents(id).some((p) => necessary.has(p) && !placed.has(p))) return false;
    placed.add(id);
  }
  return true;
}

/** A DAG has exactly one topological order iff each node of one order is a parent of the next. */
export function hasAlternativeOrder(g: ReasoningGraph): boolean {
  for (let i = 0; i + 1 < g.order.length; i++) if (!g.parents(g.order[i + 1]).includes(g.order[i])) return true;
  return false;
}

function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * A random Kahn order that differs from g.order whenever the graph admits another order (redrawn until it does;
 * each draw repeats g.order with probability ≤ 1/2, so this ends quickly). Orders are not de-duplicated otherwise.
 */
export function alternativeTopoOrder(g: ReasoningGraph, rng: Rng): string[] {
  const canDiffer = hasAlternativeOrder(g);
  for (;;) {
    const order = randomTopoOrder(g, rng);
    if (!canDiffer || !sameOrder(order, g.order)) return order;
  }
}

/**
 * PP-Aug queries: the original plus k − 1 successive in-place re-shuffles of its condition lines (the question line
 * stays last; the lines themselves, and the separator, are untouched). `separator` is the surface's line separator.
 */
export function shuffledQueries(query: string, separator: string, k: number, rng: Rng): string[] {
  const lines = query.split(separator);
  const question = lines.pop();
  if (question === undefined || lines.length === 0) return Array.from({ length: k }, () => query);
  const out = [query];
  for (let i = 1; i < k; i++) {
    rng.shuffle(lines);
    out.push([...lines, question].join(separator));
  }
  return out;
}
