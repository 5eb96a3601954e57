// The chain-of-thought answer (spec §11): a writer that turns a list of steps into the <think>/<answer> text.
// Vanilla answers are one compute step per topo node; issue 3's behaviours build other step lists on the same writer.
import type { GraphNode, ProblemGraph, Surface } from './types.js';
import type { Rng } from '../rng.js';
import { formatEquation } from './expr.js';
import { queryRhs, surfaceName } from './render.js';

/** One step line of the answer ("- …"). */
export interface CotStep {
  /** Node name (canonical, as in graph.nodes). */
  node: string;
  /** compute = a solved step; locked = a failed attempt (§12.1 LOCKED slot). */
  mode: 'compute' | 'locked';
  /** The node was introduced earlier by a failed attempt: SELECT + RECALL instead of naming it. */
  revisit: boolean;
  /** Insert the ANALYSIS sentence (instance non-leaf nodes only). */
  analysis: boolean;
  /**
   * compute only: the expressions after SUBST, joined with " = " (subgoal computation, §12.3).
   * Default = short form: [String(value)], or nothing when SUBST is already a single number.
   */
  chain?: string[];
  /** locked only: exactly the unsolved non-constant parents, in parent order (computed when omitted). */
  unsolved?: string[];
}

/** The placeholders a phrase may contain; any other character (braces of \boxed{} included) is literal. */
export type Placeholder = 'name' | 'value' | 'v' | 'rhs' | 'eq' | 'names' | 'answer';
export const PLACEHOLDERS: readonly Placeholder[] = ['name', 'value', 'v', 'rhs', 'eq', 'names', 'answer'];

/** Every slot of §11.3. Each slot is a list of phrasings; the writer picks one uniformly at each use. */
export interface PhraseSet {
  /** OPEN: first line after <think>. */
  open: readonly string[];
  /** LEAF-STATE: {name} {value}. */
  leafState: readonly string[];
  /** NAME: introduce {v} (after LEAF-STATE or SELECT). */
  name: readonly string[];
  /** SELECT: {name} (first visit, half the time; every revisit). */
  select: readonly string[];
  /** SELECT+NAME in one sentence: {v} {name}. */
  selectName: readonly string[];
  /** RECALL: the node already has letter {v}. */
  recall: readonly string[];
  /** ANALYSIS: {rhs} = the verbatim RHS of the node's condition line (§12.2). */
  analysis: readonly string[];
  /** EQUATION: {eq} = "v = SYM = SUBST [= …] = VALUE". */
  equation: readonly string[];
  /** LEAF-EQ: {v} {value}. */
  leafEq: readonly string[];
  /** LOCKED with one unsolved parent: {v} {names}. */
  lockedOne: readonly string[];
  /** LOCKED with several unsolved parents: {v} {names} (joined by joinNames). */
  lockedMany: readonly string[];
  /** CLOSE: last line inside <think>: {answer}. */
  close: readonly string[];
  /** BOXED: the line inside <answer>, containing \boxed{{answer}}. */
  boxed: readonly string[];
}

/**
 * All phrasings per surface, as data. Names only ever sit inside {name}/{names}/{rhs}; every placeholder is followed by
 * a fixed separator that no name contains ("." or ", which"), so a verifier can turn each phrase into a regex
 * (see phraseRegex) and parse answers back.
 */
export const PHRASES: Readonly<Record<Surface, PhraseSet>> = {
  english: {
    open: ['Let me work out the needed quantities one at a time.'],
    leafState: [
      'The problem gives {value} as the number of {name}.',
      'We are told the value {value} for the number of {name}.',
    ],
    name: ['Call it {v}.', 'We write {v} for it.', 'Let {v} denote this quantity.'],
    select: ['Next comes the number of {name}.', 'Now we turn to the number of {name}.'],
    selectName: [
      'Now let {v} be the number of {name}.',
      'Next, write {v} for the number of {name}.',
      'Let {v} stand for the number of {name}.',
    ],
    recall: ['We already called this {v}.', 'This one already has the letter {v}.'],
    analysis: ['The problem says it equals {rhs}.', 'According to the question, it equals {rhs}.'],
    equation: ['Hence {eq}.', 'So {eq}.', 'Therefore {eq}.'],
    leafEq: ['Hence {v} = {value}.', 'So {v} = {value}.', 'Therefore {v} = {value}.'],
    lockedOne: [
      '{v} needs the number of {names}, which is not known yet, so {v} has to wait.',
      'To get {v} we first need the number of {names}, which is still unknown, so we leave {v} for later.',
      'Computing {v} requires the number of {names}, which we do not have yet, so {v} cannot be computed now.',
    ],
    lockedMany: [
      '{v} needs the number of {names}, which are not known yet, so {v} has to wait.',
      'To get {v} we first need the number of {names}, which are still unknown, so we leave {v} for later.',
      'Computing {v} requires the number of {names}, which we do not have yet, so {v} cannot be computed now.',
    ],
    close: ['So the answer to the question is {answer}.'],
    boxed: ['The final answer is \\boxed{{answer}}.'],
  },
  // Short fixed phrasing: one per slot, so nearly every token of a compact answer is a name, a letter or a number.
  compact: {
    open: ['steps:'],
    leafState: ['given {name} = {value}.'],
    name: ['as {v}.'],
    select: ['find {name}.'],
    selectName: ['let {v} be {name}.'],
    recall: ['again {v}.'],
    analysis: ['rule {rhs}.'],
    equation: ['{eq}.'],
    leafEq: ['{v} = {value}.'],
    lockedOne: ['{v} waits for {names}.'],
    lockedMany: ['{v} waits for {names}.'],
    close: ['answer {answer}.'],
    boxed: ['\\boxed{{answer}}'],
  },
};

const PLACEHOLDER_RE = /\{(name|value|v|rhs|eq|names|answer)\}/g;

/** Fill a phrase's placeholders. */
export function fillPhrase(template: string, vars: Partial<Record<Placeholder, string>>): string {
  return template.replace(PLACEHOLDER_RE, (m, key: Placeholder) => {
    const v = vars[key];
    if (v === undefined) throw new Error(`phrase "${template}": no value for {${key}}`);
    return v;
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A regex source matching exactly the phrase, with each placeholder as a named group (repeats as back-references).
 * Default group patterns are lazy "anything"; pass tighter ones (e.g. { v: '[A-Za-z]', value: '-?\\d+' }) to anchor.
 */
export function phraseRegex(template: string, patterns: Partial<Record<Placeholder, string>> = {}): string {
  const seen = new Set<string>();
  let out = '';
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    const key = m[1] as Placeholder;
    const at = m.index ?? 0;
    out += escapeRe(template.slice(last, at));
    if (seen.has(key)) out += `\\k<${key}>`;
    else {
      seen.add(key);
      out += `(?<${key}>${patterns[key] ?? '.+?'})`;
    }
    last = at + m[0].length;
  }
  return out + escapeRe(template.slice(last));
}

/** List format of the {names} placeholder: English "A, B and C"; compact "A, B, C". Names never contain ", " or " and ". */
export function joinNames(names: readonly string[], surface: Surface): string {
  if (surface === 'compact' || names.length <= 1) return names.join(', ');
  return names.slice(0, -1).join(', ') + ' and ' + names[names.length - 1];
}

/** Inverse of joinNames. */
export function splitNames(text: string, surface: Surface): string[] {
  if (surface === 'compact') return text.split(', ');
  const i = text.lastIndexOf(' and ');
  if (i < 0) return [text];
  return [...text.slice(0, i).split(', '), text.slice(i + ' and '.length)];
}

/** The 52 letters a–z A–Z that name the nodes (§11.2). */
export const LETTERS: readonly string[] = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];

/** One compute step per topo node, in topo order (§11.2, plain walk). */
export function vanillaSteps(graph: ProblemGraph): CotStep[] {
  return graph.topo.map((node) => ({ node, mode: 'compute' as const, revisit: false, analysis: false }));
}

const INT_RE = /^-?\d+$/;

/** A node with no non-constant parent: its step is LEAF-STATE NAME LEAF-EQ. */
export function isLeaf(node: GraphNode): boolean {
  return node.parents.length === 0;
}

/**
 * Index of a graph by node name plus per-answer letter assignment. Exposed so behaviours and the verifier can share
 * the exact letter mapping of an answer: `assignLetters` consumes the same randomness writeAnswer does first.
 */
export function assignLetters(graph: ProblemGraph, rng: Rng): Map<string, string> {
  if (graph.nodes.length > LETTERS.length) throw new Error(`graph has ${graph.nodes.length} nodes; at most ${LETTERS.length} letters`);
  const letters = rng.shuffle(LETTERS.slice());
  const out = new Map<string, string>();
  for (let i = 0; i < graph.nodes.length; i++) out.set(graph.nodes[i].name, letters[i]);
  return out;
}

/**
 * Write the full answer for `steps` (§11.1 skeleton, no trailing newline). Letters: one shuffle of a–z A–Z per answer,
 * one letter per necessary and redundant node (in graph.nodes order). Every phrasing is picked uniformly per use.
 * Throws on a step list that would state something false: computing a node before its parents, a locked claim about
 * an unlocked node, a revisit of a node that was never introduced, analysis on an abstract or leaf node, or an answer
 * that never solves the question.
 */
export function writeAnswer(graph: ProblemGraph, steps: readonly CotStep[], rng: Rng, surface: Surface): string {
  const P = PHRASES[surface];
  const byName = new Map<string, GraphNode>();
  for (const n of graph.nodes) byName.set(n.name, n);
  const letter = assignLetters(graph, rng);
  const solved = new Set<string>();
  const introduced = new Set<string>();
  const letterOf = (name: string): string => letter.get(name)!;
  const valueOf = (name: string): string => String(byName.get(name)!.value);
  const say = (slot: readonly string[], vars: Partial<Record<Placeholder, string>>): string => fillPhrase(rng.pick(slot), vars);

  const lines: string[] = ['<think>', say(P.open, {})];
  for (let si = 0; si < steps.length; si++) {
    const step = steps[si];
    const node = byName.get(step.node);
    if (!node) throw new Error(`step ${si}: unknown node "${step.node}"`);
    const v = letterOf(node.name);
    const name = surfaceName(node.name, surface);
    if (solved.has(node.name)) throw new Error(`step ${si}: node "${node.name}" is already solved`);
    if (step.revisit && !introduced.has(node.name)) throw new Error(`step ${si}: revisit of "${node.name}", which no failed attempt introduced`);
    if (!step.revisit && introduced.has(node.name)) throw new Error(`step ${si}: "${node.name}" was introduced before; the step must be a revisit`);
    const leaf = isLeaf(node);
    if (step.analysis && (leaf || node.kind !== 'instance')) throw new Error(`step ${si}: analysis is only for instance non-leaf nodes ("${node.name}")`);
    const parts: string[] = [];

    if (leaf) {
      if (step.mode !== 'compute') throw new Error(`step ${si}: leaf "${node.name}" can never be locked`);
      parts.push(say(P.leafState, { name, value: valueOf(node.name) }), say(P.name, { v }), say(P.leafEq, { v, value: valueOf(node.name) }));
    } else {
      if (step.revisit) parts.push(say(P.select, { name }), say(P.recall, { v }));
      else if (rng.bernoulli(0.5)) parts.push(say(P.select, { name }), say(P.name, { v }));
      else parts.push(say(P.selectName, { v, name }));
      if (step.analysis) parts.push(say(P.analysis, { rhs: queryRhs(node, surface) }));
      const unsolved = node.parents.filter((p) => !solved.has(p));
      if (step.mode === 'compute') {
        if (unsolved.length > 0) throw new Error(`step ${si}: "${node.name}" computed before its parent "${unsolved[0]}"`);
        const subst = formatEquation(node, valueOf);
        let eq = v + ' = ' + formatEquation(node, letterOf) + ' = ' + subst;
        const chain = step.chain ?? (INT_RE.test(subst) ? [] : [String(node.value)]);
        if (chain.length > 0) eq += ' = ' + chain.join(' = ');
        parts.push(say(P.equation, { eq }));
      } else {
        if (unsolved.length === 0) throw new Error(`step ${si}: locked claim about "${node.name}", whose parents are all solved`);
        if (step.unsolved && (step.unsolved.length !== unsolved.length || step.unsolved.some((p, i) => p !== unsolved[i]))) {
          throw new Error(`step ${si}: unsolved list of "${node.name}" must be exactly [${unsolved.join(', ')}]`);
        }
        const names = joinNames(unsolved.map((p) => surfaceName(p, surface)), surface);
        parts.push(say(unsolved.length === 1 ? P.lockedOne : P.lockedMany, { v, names }));
      }
    }
    if (step.mode === 'compute') {
      solved.add(node.name);
      introduced.delete(node.name);
    } else introduced.add(node.name);
    lines.push('- ' + parts.join(' '));
  }
  if (!solved.has(graph.question)) throw new Error(`the steps never solve the question node "${graph.question}"`);
  const answer = String(byName.get(graph.question)!.value);
  lines.push(say(P.close, { answer }), '</think>', '<answer>', say(P.boxed, { answer }), '</answer>');
  return lines.join('\n');
}
