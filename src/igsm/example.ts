// The worked example of docs/igsm-generator.md, Worked example, as a hand-built graph: a fixed point for rendering, CoT
// and verifier tests.
import type { GraphNode, ProblemGraph } from './types.js';

function node(p: Partial<GraphNode> & Pick<GraphNode, 'name' | 'upper' | 'lower' | 'value'>): GraphNode {
  return { kind: 'instance', level: 0, parents: [], constant: null, constOp: null, combine: 'sum', necessary: true, ...p };
}

export function exampleGraph(): ProblemGraph {
  const K = "each Red Crate's Kiwi";
  const M = "each Blue Crate's Mango";
  const B = "each Blue Crate's Kiwi";
  const T = "each Blue Crate's Fruit";
  const R = "each Red Crate's Mango";
  return {
    system: 'Example',
    layers: [
      { category: 'Fruit', items: ['Mango', 'Kiwi'] },
      { category: 'Crate', items: ['Blue Crate', 'Red Crate'] },
    ],
    edges: [
      ['Mango', 'Blue Crate'],
      ['Kiwi', 'Blue Crate'],
      ['Kiwi', 'Red Crate'],
      ['Mango', 'Red Crate'],
    ],
    nodes: [
      node({ name: K, upper: 'Red Crate', lower: 'Kiwi', constant: 4, value: 4 }),
      node({ name: M, upper: 'Blue Crate', lower: 'Mango', parents: [K], constant: 3, constOp: '*', value: 12 }),
      node({ name: B, upper: 'Blue Crate', lower: 'Kiwi', parents: [M, K], constant: 2, constOp: '+', combine: 'diff', value: 10 }),
      node({ name: T, kind: 'abstract', level: 1, upper: 'Blue Crate', lower: 'Fruit', parents: [M, B], value: 22 }),
      node({ name: R, upper: 'Red Crate', lower: 'Mango', parents: [B, K], value: 14, necessary: false }),
    ],
    topo: [K, M, B, T],
    redundant: [R],
    question: T,
    modulus: null,
  };
}
