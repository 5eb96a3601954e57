// The data contract of the workbench: a problem's DAG and a dataset row, as stored in problems.jsonl.
// Every later stage (injection, tokenizer, training, probes) reads these types; change them only with care.

export type NodeKind = 'instance' | 'abstract';
export type Arith = 'exact' | 'mod23';
export type Surface = 'english' | 'compact';

/** One parameter of the dependency graph ("each X's Y"). */
export interface GraphNode {
  /** Canonical name, exactly as spoken in the English query: "each Blue Crate's Kiwi". */
  name: string;
  kind: NodeKind;
  /** X: the containing item. */
  upper: string;
  /** Y: an item (instance node) or a category name (abstract node). */
  lower: string;
  /** 0 for instance nodes; layer distance d ≥ 1 for abstract nodes. */
  level: number;
  /** Non-constant parents in operand (spoken) order. For 'sumOfProducts': [inst1, abs1, inst2, abs2, …]. */
  parents: string[];
  /** The constant c when the RNG pseudo-parent is a parent, else null. */
  constant: number | null;
  /** How c joins the parent phrase: '+' ("c more than …") or '*' ("c times …"); null without c or without parents. */
  constOp: '+' | '*' | null;
  /** How the parents combine: 'sum' (A + B + …), 'diff' (A - B, exactly two parents), 'sumOfProducts' (A * B + C * D …). */
  combine: 'sum' | 'diff' | 'sumOfProducts';
  /** Exact integer value (reduced into [0, modulus) in modular mode). */
  value: number;
  /** True for the question node and its ancestors. */
  necessary: boolean;
}

/** The machine-readable DAG stored as `graph` in each row (docs/igsm-generator.md, The graph object). */
export interface ProblemGraph {
  /** Name system the problem was drawn from. */
  system: string;
  /** Layers bottom (layer 0, most contained) to top: category name and the problem's items. */
  layers: { category: string; items: string[] }[];
  /** Structure edges [lowerItem, upperItem]: "upperItem contains lowerItem". */
  edges: [string, string][];
  /** Every node of the dependency graph, necessary and redundant, in topo then redundant order. */
  nodes: GraphNode[];
  /** Necessary node names in solution order; the question node is last. */
  topo: string[];
  /** Redundant node names in an order that is topologically valid on top of topo. */
  redundant: string[];
  /** The question node (= topo[topo.length - 1]). */
  question: string;
  /** null (exact arithmetic) or 23. */
  modulus: number | null;
}

/** Behaviour counts of one answer (src/inject fills these; vanilla answers carry zeros). */
export interface AnswerTrace {
  chars: number;
  steps: number;
  reflections: number;
  lockedSteps: number;
  revisits: number;
  earlySolved: number;
  redundantComputed: number;
  analysisSentences: number;
  subgoalSteps: number;
}

/** One line of problems.jsonl. */
export interface ProblemRow {
  id: string;
  query: string;
  /** Chain-of-thought answer: "<think>\n…\n</think>\n<answer>\n…\\boxed{A}…\n</answer>". */
  response: string;
  /** The final integer, as a string (what the reward compares against). */
  answer: string;
  numOps: number;
  graph: ProblemGraph;
  variant: string;
  surface: Surface;
  /** For augmentation rows: the id of the base problem. */
  baseProblemId?: string;
  trace?: AnswerTrace;
}
