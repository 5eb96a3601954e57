// Answer text ⇄ steps, task-agnostically. An answer has the shape of docs/igsm-generator.md, Answer skeleton
// (<think>, an opening line, one "- " line per step, a closing line, </think>, <answer>, a \boxed{} line, </answer>);
// each step line is built from slot phrasings with {placeholders}. From one table of phrasings this module makes both a
// writer and a parser, so a new task only supplies its phrasings and how its node names are written.
import type { Rng } from '../rng.js';
import type { ReasoningGraph, Step } from './graph.js';
import type { PhraseSet } from '../igsm/cot.js';

/** What one step line claims, as read from the text (names as written, nothing checked yet). */
export interface StepClaim {
  /** 1-based line number in the full answer (line 1 = "<think>"). */
  line: number;
  /** The node's name as written. */
  name: string;
  /** The letter the step introduces, recalls or computes. */
  letter: string;
  /** leaf: stated directly; new: introduced here; recall: introduced by an earlier failed attempt. */
  intro: 'leaf' | 'new' | 'recall';
  /** The value a leaf statement gives. */
  leafValue?: string;
  /** The restated dependency of an analysis sentence. */
  analysis?: string;
  /** A failed attempt: the names said to be unknown yet. */
  locked?: string[];
  /** A computation "L = e1 = e2 = …": L and the expressions after it (for a leaf just its value). */
  lhs?: string;
  exprs?: string[];
}

export interface ParsedAnswer {
  steps: StepClaim[];
  close?: { line: number; answer: string };
  boxed?: { line: number; answer: string };
  /** The first line that does not fit the format (parsing stops there). */
  error?: { line: number; reason: string };
}

/** How a task's answers are read back. */
export interface AnswerFormat {
  parse(text: string): ParsedAnswer;
  /** The node id a written name refers to, or null. */
  resolve(name: string): string | null;
}

/** Per-line recognisers of one surface; each returns null when the line is not of that kind. */
export interface LineParsers {
  open(line: string): boolean;
  step(line: string, lineNo: number): StepClaim | null;
  close(line: string): string | null;
  boxed(line: string): string | null;
}

/**
 * The answer skeleton, line by line. Never throws; the first misfit line ends parsing with a reason. The steps
 * parsed so far are kept, so traces of partial rollouts still count what is there.
 */
export function parseSkeleton(text: string, p: LineParsers): ParsedAnswer {
  const lines = text.split('\n');
  const out: ParsedAnswer = { steps: [] };
  const fail = (i: number, reason: string): ParsedAnswer => {
    out.error = { line: i + 1, reason };
    return out;
  };
  const expectLiteral = (i: number, lit: string): boolean => lines[i] === lit;
  if (!expectLiteral(0, '<think>')) return fail(0, 'expected "<think>"');
  if (lines.length < 2 || !p.open(lines[1])) return fail(1, 'expected the opening line');
  let i = 2;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (!line.startsWith('- ')) break;
    const claim = p.step(line, i + 1);
    if (claim === null) return fail(i, 'step line does not match any step form');
    out.steps.push(claim);
  }
  if (i >= lines.length) return fail(i, 'missing closing line');
  const closeAnswer = p.close(lines[i]);
  if (closeAnswer === null) return fail(i, 'expected a step ("- …") or the closing line');
  out.close = { line: i + 1, answer: closeAnswer };
  i++;
  if (!expectLiteral(i, '</think>')) return fail(i, 'expected "</think>"');
  i++;
  if (!expectLiteral(i, '<answer>')) return fail(i, 'expected "<answer>"');
  i++;
  const boxed = i < lines.length ? p.boxed(lines[i]) : null;
  if (boxed === null) return fail(i, 'expected the line with \\boxed{…}');
  out.boxed = { line: i + 1, answer: boxed };
  i++;
  if (!expectLiteral(i, '</answer>')) return fail(i, 'expected "</answer>"');
  if (i !== lines.length - 1) return fail(i + 1, 'text after "</answer>"');
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Phrasing tables

/**
 * Phrasings of every step slot (docs/igsm-generator.md, Step slots): the iGSM writer's PhraseSet type, which any task
 * fills with its own wording. Placeholders: {name} (a node's written name), {v} (its letter), {value}, {rhs} (the
 * restated statement), {eq} ("v = SYM = SUBST = … = VALUE"), {names} (a list of names), {answer}.
 */
export type StepPhrases = PhraseSet;

/** How a task writes node names and name lists. */
export interface Naming {
  text(id: string): string;
  resolve(written: string): string | null;
  /** Regex source of one letter variable (default one of a–z A–Z). */
  letter?: string;
  /** The {names} list format and its inverse (default "A, B and C"). */
  join?(names: readonly string[]): string;
  split?(text: string): string[];
}

/** "A", "A and B", "A, B and C". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Inverse of joinNames; names never contain ", " or " and " (docs/igsm-generator.md, Name hierarchy). */
export function splitNames(text: string): string[] {
  const lastAnd = text.lastIndexOf(' and ');
  if (lastAnd < 0) return [text];
  return [...text.slice(0, lastAnd).split(', '), text.slice(lastAnd + 5)];
}

export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (m, key: string) => (key in values ? values[key] : m));
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regex fragment whose named groups map to labels "slot.placeholder". */
interface Fragment {
  src: string;
  groups: [group: string, label: string][];
}

const PLACEHOLDER_SRC: Record<string, string> = {
  name: '.+?',
  names: '.+?',
  rhs: '.+?',
  eq: '[^=]+? = .+?', // "v = …": never mistaken for a locked sentence on a surface with bare phrasings
  value: '-?[0-9]+',
  answer: '.*?',
};

let groupCounter = 0;

/**
 * Alternation over a slot's phrasings; literal text escaped, each placeholder one named group. A placeholder that
 * repeats inside a phrasing ("{v} needs …, so {v} has to wait") must repeat the same text (a back-reference).
 */
export function slotFragment(slot: string, phrasings: readonly string[], letter: string): Fragment {
  const groups: Fragment['groups'] = [];
  const alts = phrasings.map((ph) => {
    const seen = new Map<string, string>();
    let src = '';
    let last = 0;
    for (const m of ph.matchAll(/\{(\w+)\}/g)) {
      src += escapeRegex(ph.slice(last, m.index));
      const key = m[1];
      const earlier = seen.get(key);
      if (earlier !== undefined) src += `\\k<${earlier}>`;
      else {
        const group = `g${groupCounter++}`;
        seen.set(key, group);
        groups.push([group, `${slot}.${key}`]);
        src += `(?<${group}>${key === 'v' ? letter : (PLACEHOLDER_SRC[key] ?? '.+?')})`;
      }
      last = (m.index ?? 0) + m[0].length;
    }
    return src + escapeRegex(ph.slice(last));
  });
  return { src: `(?:${alts.join('|')})`, groups };
}

export function seq(parts: readonly (Fragment | string)[]): Fragment {
  let src = '';
  const groups: Fragment['groups'] = [];
  for (const p of parts) {
    if (typeof p === 'string') src += escapeRegex(p);
    else {
      src += p.src;
      groups.push(...p.groups);
    }
  }
  return { src, groups };
}

export function optional(f: Fragment): Fragment {
  return { src: `(?:${f.src})?`, groups: f.groups };
}

export function either(fs: readonly Fragment[]): Fragment {
  return { src: `(?:${fs.map((f) => f.src).join('|')})`, groups: fs.flatMap((f) => f.groups) };
}

/** A whole-line matcher returning placeholder captures keyed "slot.placeholder". */
export function lineMatcher(f: Fragment): (line: string) => Map<string, string> | null {
  const re = new RegExp(`^${f.src}$`);
  return (line) => {
    const m = re.exec(line);
    if (m === null) return null;
    const got = new Map<string, string>();
    for (const [group, label] of f.groups) {
      const v = m.groups?.[group];
      if (v !== undefined) got.set(label, v);
    }
    return got;
  };
}

/** Split "v = e1 = e2 = …" into its left side and expressions (expressions never contain "="). */
export function splitChain(chain: string): { lhs: string; exprs: string[] } {
  const parts = chain.split(' = ');
  return { lhs: parts[0], exprs: parts.slice(1) };
}

/** A step claim from the captures of a step matcher (slots named as in StepPhrases). */
export function claimFromCaptures(got: Map<string, string>, lineNo: number, naming: Naming): StepClaim | null {
  const name = got.get('leafState.name') ?? got.get('select.name') ?? got.get('selectName.name');
  const letter = got.get('name.v') ?? got.get('selectName.v') ?? got.get('recall.v');
  if (name === undefined || letter === undefined) return null;
  const intro: StepClaim['intro'] = got.has('leafState.name') ? 'leaf' : got.has('recall.v') ? 'recall' : 'new';
  const claim: StepClaim = { line: lineNo, name, letter, intro };
  if (intro === 'leaf') {
    claim.leafValue = got.get('leafState.value');
    claim.lhs = got.get('leafEq.v');
    const value = got.get('leafEq.value');
    claim.exprs = value === undefined ? [] : [value];
    return claim;
  }
  const rhs = got.get('analysis.rhs');
  if (rhs !== undefined) claim.analysis = rhs;
  const chain = got.get('equation.eq');
  const lockedLetter = got.get('lockedOne.v') ?? got.get('lockedMany.v');
  const lockedNames = got.get('lockedOne.names') ?? got.get('lockedMany.names');
  if (chain !== undefined) {
    const { lhs, exprs } = splitChain(chain);
    claim.lhs = lhs;
    claim.exprs = exprs;
  } else if (lockedNames !== undefined) {
    claim.lhs = lockedLetter;
    claim.locked = (naming.split ?? splitNames)(lockedNames);
  } else return null;
  return claim;
}

/** The step matcher of a phrasing table: leaf, first-visit and revisit forms (docs/igsm-generator.md, Step slots). */
export function stepMatcher(ph: StepPhrases, letter: string, sep = ' '): (line: string) => Map<string, string> | null {
  const s = (slot: keyof StepPhrases): Fragment => slotFragment(slot, ph[slot], letter);
  const outcome = either([s('lockedOne'), s('lockedMany'), s('equation')]);
  const analysis = optional(seq([sep, s('analysis')]));
  const leaf = seq(['- ', s('leafState'), sep, s('name'), sep, s('leafEq')]);
  const first = seq(['- ', either([seq([s('select'), sep, s('name')]), s('selectName')]), analysis, sep, outcome]);
  const revisit = seq(['- ', s('select'), sep, s('recall'), analysis, sep, outcome]);
  const matchers = [lineMatcher(leaf), lineMatcher(first), lineMatcher(revisit)];
  return (line) => {
    for (const m of matchers) {
      const got = m(line);
      if (got !== null) return got;
    }
    return null;
  };
}

/** Parsers for a phrasing table. */
interface CompiledPhrases {
  step: (line: string) => Map<string, string> | null;
  open: Set<string>;
  close: (line: string) => Map<string, string> | null;
  boxed: (line: string) => Map<string, string> | null;
}

// compiling the line regexes costs far more than parsing one answer: once per phrasing table and letter pattern
const compiledCache = new WeakMap<StepPhrases, Map<string, CompiledPhrases>>();

function compiled(ph: StepPhrases, letter: string): CompiledPhrases {
  let byLetter = compiledCache.get(ph);
  if (byLetter === undefined) compiledCache.set(ph, (byLetter = new Map()));
  let c = byLetter.get(letter);
  if (c === undefined) {
    c = {
      step: stepMatcher(ph, letter),
      open: new Set(ph.open),
      close: lineMatcher(slotFragment('close', ph.close, letter)),
      boxed: lineMatcher(slotFragment('boxed', ph.boxed, letter)),
    };
    byLetter.set(letter, c);
  }
  return c;
}

export function templateParsers(ph: StepPhrases, naming: Naming): LineParsers {
  const { step, open, close, boxed } = compiled(ph, naming.letter ?? '[A-Za-z]');
  return {
    open: (line) => open.has(line),
    step: (line, lineNo) => {
      const got = step(line);
      return got === null ? null : claimFromCaptures(got, lineNo, naming);
    },
    close: (line) => close(line)?.get('close.answer') ?? null,
    boxed: (line) => boxed(line)?.get('boxed.answer') ?? null,
  };
}

export function templateFormat(ph: StepPhrases, naming: Naming): AnswerFormat {
  const parsers = templateParsers(ph, naming);
  return { parse: (text) => parseSkeleton(text, parsers), resolve: (name) => naming.resolve(name) };
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

export const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');

/**
 * The short computation form: "= VALUE", or nothing when SUBST already is a single number (docs/igsm-generator.md,
 * Equation chain).
 */
export function shortChain(subst: string, value: number): string[] {
  return /^-?[0-9]+$/.test(subst) ? [] : [String(value)];
}

/**
 * Write an answer from planned steps with a phrasing table: letters shuffled once per answer (one per node), one
 * phrasing drawn uniformly per slot use, SELECT NAME vs SELECT+NAME with probability 0.5
 * (docs/igsm-generator.md, Step slots).
 */
export function renderWithPhrases(
  g: ReasoningGraph,
  steps: readonly Step[],
  ph: StepPhrases,
  naming: Naming,
  rng: Rng,
): string {
  const pool = rng.shuffle(LETTERS.slice());
  const letterOf = new Map<string, string>();
  for (const id of [...g.order, ...g.redundant]) letterOf.set(id, pool[letterOf.size]);
  const v = (id: string): string => letterOf.get(id) ?? '?';
  const say = (phrasings: readonly string[], values: Record<string, string>): string => fill(rng.pick(phrasings), values);
  const lines = ['<think>', rng.pick(ph.open)];
  for (const st of steps) {
    const name = naming.text(st.node);
    const parts: string[] = [];
    if (g.parents(st.node).length === 0) {
      const value = String(g.value(st.node));
      parts.push(say(ph.leafState, { name, value }), say(ph.name, { v: v(st.node) }), say(ph.leafEq, { v: v(st.node), value }));
    } else {
      if (st.revisit) parts.push(say(ph.select, { name }), say(ph.recall, { v: v(st.node) }));
      else if (rng.bernoulli(0.5)) parts.push(say(ph.select, { name }), say(ph.name, { v: v(st.node) }));
      else parts.push(say(ph.selectName, { v: v(st.node), name }));
      if (st.analysis) parts.push(say(ph.analysis, { rhs: g.statement(st.node) }));
      if (st.mode === 'locked') {
        const waiting = st.unsolved ?? [];
        const names = (naming.join ?? joinNames)(waiting.map((w) => naming.text(w)));
        parts.push(say(waiting.length === 1 ? ph.lockedOne : ph.lockedMany, { v: v(st.node), names }));
      } else {
        const subst = g.substituted(st.node);
        const tail = st.chain ?? shortChain(subst, g.value(st.node));
        const eq = [v(st.node), g.symbolic(st.node, v), subst, ...tail].join(' = ');
        parts.push(say(ph.equation, { eq }));
      }
    }
    lines.push(`- ${parts.join(' ')}`);
  }
  const answer = String(g.value(g.order[g.order.length - 1]));
  lines.push(say(ph.close, { answer }), '</think>', '<answer>', say(ph.boxed, { answer }), '</answer>');
  return lines.join('\n');
}
