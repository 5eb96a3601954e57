// The chain-of-thought answer (docs/igsm-generator.md, Chain-of-thought answer): a writer that turns a list of steps
// into the <think>/<answer> text. Vanilla answers are one compute step per topo node; the injected behaviours
// (src/inject) build other step lists on the same writer.
import type { GraphNode, ProblemGraph, Surface } from './types.js';
import type { Rng } from '../rng.js';
import { formatTerms } from './expr.js';
import { compactName, queryRhs } from './render.js';
import { coin, randInt } from './random.js';

/** One step line of the answer ("- …"). */
export interface CotStep {
  /** Node name (canonical, as in graph.nodes). */
  node: string;
  /** compute = a solved step; locked = a failed attempt (the LOCKED slot; docs/igsm-generator.md, Reflection walk). */
  mode: 'compute' | 'locked';
  /** The node was introduced earlier by a failed attempt: SELECT + RECALL instead of naming it. */
  revisit: boolean;
  /** Insert the ANALYSIS sentence (instance non-leaf nodes only). */
  analysis: boolean;
  /**
   * compute only: the expressions after SUBST, joined with " = " (docs/igsm-generator.md, Subgoal computation).
   * Default = short form: [String(value)], or nothing when SUBST is already a single number.
   */
  chain?: string[];
  /** locked only: exactly the unsolved non-constant parents, in parent order (computed when omitted). */
  unsolved?: string[];
}

/** The placeholders a phrase may contain; any other character (braces of \boxed{} included) is literal. */
export type Placeholder = 'name' | 'value' | 'v' | 'rhs' | 'eq' | 'names' | 'answer';
export const PLACEHOLDERS: readonly Placeholder[] = ['name', 'value', 'v', 'rhs', 'eq', 'names', 'answer'];

/**
 * Every slot of docs/igsm-generator.md, Step slots. Each slot is a list of phrasings; the writer picks one uniformly at
 * each use.
 */
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
  /** ANALYSIS: {rhs} = the verbatim RHS of the node's condition line (docs/igsm-generator.md, Information analysis). */
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

/** The 52 letters a–z A–Z that name the nodes (docs/igsm-generator.md, Letters and walk). */
export const LETTERS: readonly string[] = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];

/** One compute step per topo node, in topo order (the plain walk of docs/igsm-generator.md, Letters and walk). */
export function vanillaSteps(graph: ProblemGraph): CotStep[] {
  return graph.topo.map((node) => ({ node, mode: 'compute' as const, revisit: false, analysis: false }));
}

/** A node with no non-constant parent: its step is LEAF-STATE NAME LEAF-EQ. */
export function isLeaf(node: GraphNode): boolean {
  return node.parents.length === 0;
}

/**
 * Distinct uniformly random letters for n nodes: the first n positions of a Fisher–Yates shuffle of a–z A–Z (the same
 * distribution as shuffling all 52 and taking n, with n draws instead of 51).
 */
function drawLetters(n: number, rng: Rng): string[] {
  if (n > LETTERS.length) throw new Error(`graph has ${n} nodes; at most ${LETTERS.length} letters`);
  const pool = LETTERS.slice();
  for (let i = 0; i < n; i++) {
    const j = rInt(rng, i, pool.length - 1);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  pool.length = n;
  return pool;
}

/**
 * The letter of every node for one answer: one random letter per node, distinct, assigned in graph.nodes order
 * (topo, then redundant). writeAnswer draws exactly this first, so `assignLetters(graph, rng)` on a copy of
 * writeAnswer's rng reproduces its letters.
 */
export function assignLetters(graph: ProblemGraph, rng: Rng): Map<string, string> {
  const letters = drawLetters(graph.nodes.length, rng);
  const out = new Map<string, string>();
  for (let i = 0; i < graph.nodes.length; i++) out.set(graph.nodes[i].name, letters[i]);
  return out;
}

/** Slot index of each placeholder in the writer's value array (array reads are cheaper than keyed object reads). */
const SLOT: Record<Placeholder, number> = { name: 0, value: 1, v: 2, rhs: 3, eq: 4, names: 5, answer: 6 };
const NAME = 0, VALUE = 1, V = 2, RHS = 3, EQ = 4, NAMES = 5, ANSWER = 6;

/** A phrase split at its placeholders: text = parts[0] + vals[keys[0]] + parts[1] + …; precompiled for speed. */
interface Compiled {
  parts: string[];
  keys: number[];
}

function compile(template: string): Compiled {
  const parts: string[] = [];
  const keys: number[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    const at = m.index ?? 0;
    parts.push(template.slice(last, at));
    keys.push(SLOT[m[1] as Placeholder]);
    last = at + m[0].length;
  }
  parts.push(template.slice(last));
  return { parts, keys };
}

type CompiledSet = Record<keyof PhraseSet, Compiled[]>;
const COMPILED = {} as Record<Surface, CompiledSet>;
for (const surface of Object.keys(PHRASES) as Surface[]) {
  const set = {} as CompiledSet;
  for (const slot of Object.keys(PHRASES[surface]) as (keyof PhraseSet)[]) set[slot] = PHRASES[surface][slot].map(compile);
  COMPILED[surface] = set;
}

// direct references: tsx routes every cross-module call through an export getter, measurable on this hot path
const rInt = randInt;
const rCoin = coin;
const fmtTerms = formatTerms;

/** One uniformly chosen phrasing of a slot, filled from `vals` (indexed by SLOT). */
function say(slot: readonly Compiled[], vals: string[], rng: Rng): string {
  const c = slot[rInt(rng, 0, slot.length - 1)];
  const parts = c.parts;
  const keys = c.keys;
  let out = parts[0];
  for (let i = 0; i < keys.length; i++) out += vals[keys[i]] + parts[i + 1];
  return out;
}

/**
 * Write the full answer for `steps` (docs/igsm-generator.md, Answer skeleton; no trailing newline). Letters: one
 * shuffle of a–z A–Z per answer, one letter per necessary and redundant node (in graph.nodes order). Every phrasing is
 * picked uniformly per use. Throws on a step list that would state something false: computing a node before its
 * parents, a locked claim about an unlocked node, a revisit of a node that was never introduced, analysis on an
 * abstract or leaf node, or an answer that never solves the question.
 */
export function writeAnswer(graph: ProblemGraph, steps: readonly CotStep[], rng: Rng, surface: Surface): string {
  const P = COMPILED[surface];
  const nodes = graph.nodes;
  const N = nodes.length;
  const index = new Map<string, number>();
  for (let i = 0; i < N; i++) index.set(nodes[i].name, i);
  const letters = drawLetters(N, rng); // letters[i] names nodes[i]
  const values: string[] = new Array(N);
  for (let i = 0; i < N; i++) values[i] = String(nodes[i].value);
  // 0 = untouched, 1 = introduced by a failed attempt, 2 = solved
  const state = new Uint8Array(N);
  const vals: string[] = ['', '', '', '', '', '', ''];
  const english = surface === 'english';

  let text = '<think>\n' + say(P.open, vals, rng);
  for (let si = 0; si < steps.length; si++) {
    const step = steps[si];
    const ni = index.get(step.node);
    if (ni === undefined) throw new Error(`step ${si}: unknown node "${step.node}"`);
    const node = nodes[ni];
    if (state[ni] === 2) throw new Error(`step ${si}: node "${node.name}" is already solved`);
    if (step.revisit && state[ni] !== 1) throw new Error(`step ${si}: revisit of "${node.name}", which no failed attempt introduced`);
    if (!step.revisit && state[ni] === 1) throw new Error(`step ${si}: "${node.name}" was introduced before; the step must be a revisit`);
    const ps = node.parents;
    const leaf = ps.length === 0;
    if (step.analysis && (leaf || node.kind !== 'instance')) throw new Error(`step ${si}: analysis is only for instance non-leaf nodes ("${node.name}")`);
    vals[V] = letters[ni];
    vals[NAME] = english ? node.name : compactName(node.name);
    let line: string;
    if (leaf) {
      if (step.mode !== 'compute') throw new Error(`step ${si}: leaf "${node.name}" can never be locked`);
      vals[VALUE] = values[ni];
      line = say(P.leafState, vals, rng) + ' ' + say(P.name, vals, rng) + ' ' + say(P.leafEq, vals, rng);
    } else {
      if (step.revisit) line = say(P.select, vals, rng) + ' ' + say(P.recall, vals, rng);
      else if (rCoin(rng)) line = say(P.select, vals, rng) + ' ' + say(P.name, vals, rng);
      else line = say(P.selectName, vals, rng);
      if (step.analysis) {
        vals[RHS] = queryRhs(node, surface);
        line += ' ' + say(P.analysis, vals, rng);
      }
      const pis: number[] = new Array(ps.length);
      let unsolvedCount = 0;
      for (let j = 0; j < ps.length; j++) {
        const pi = index.get(ps[j]);
        if (pi === undefined) throw new Error(`step ${si}: "${node.name}" has unknown parent "${ps[j]}"`);
        pis[j] = pi;
        if (state[pi] !== 2) unsolvedCount++;
      }
      if (step.mode === 'compute') {
        if (unsolvedCount > 0) {
          const first = pis.find((pi) => state[pi] !== 2)!;
          throw new Error(`step ${si}: "${node.name}" computed before its parent "${nodes[first].name}"`);
        }
        const sym: string[] = new Array(ps.length);
        const sub: string[] = new Array(ps.length);
        for (let j = 0; j < ps.length; j++) {
          sym[j] = letters[pis[j]];
          sub[j] = values[pis[j]];
        }
        const subst = fmtTerms(node, sub);
        let eq = vals[V] + ' = ' + fmtTerms(node, sym) + ' = ' + subst;
        if (step.chain) {
          if (step.chain.length > 0) eq += ' = ' + step.chain.join(' = ');
        } else if (!(ps.length === 1 && node.constant === null)) eq += ' = ' + values[ni]; // a copy's SUBST is already the value
        vals[EQ] = eq;
        line += ' ' + say(P.equation, vals, rng);
      } else {
        if (unsolvedCount === 0) throw new Error(`step ${si}: locked claim about "${node.name}", whose parents are all solved`);
        const unsolved: string[] = [];
        for (let j = 0; j < ps.length; j++) if (state[pis[j]] !== 2) unsolved.push(ps[j]);
        const claimed = step.unsolved;
        if (claimed && (claimed.length !== unsolved.length || claimed.some((p, i) => p !== unsolved[i]))) {
          throw new Error(`step ${si}: unsolved list of "${node.name}" must be exactly [${unsolved.join(', ')}]`);
        }
        vals[NAMES] = joinNames(english ? unsolved : unsolved.map(compactName), surface);
        line += ' ' + say(unsolved.length === 1 ? P.lockedOne : P.lockedMany, vals, rng);
      }
    }
    state[ni] = step.mode === 'compute' ? 2 : 1;
    text += '\n- ' + line;
  }
  const qi = index.get(graph.question);
  if (qi === undefined || state[qi] !== 2) throw new Error(`the steps never solve the question node "${graph.question}"`);
  vals[ANSWER] = values[qi];
  return text + '\n' + say(P.close, vals, rng) + '\n</think>\n<answer>\n' + say(P.boxed, vals, rng) + '\n</answer>';
}
