// Test fixtures for src/inject: a second, non-iGSM DAG task (a workshop's build costs) with its own phrasing,
// and the verifier contract every task must pass through the shared ReasoningGraph / AnswerFormat interfaces.
import { expect } from 'vitest';
import type { Rng } from '../src/rng.js';
import { seededStream } from '../src/inject/streams.js';
import { unsolvedParents, type ReasoningGraph, type Step } from '../src/inject/graph.js';
import { renderWithPhrases, templateFormat, type AnswerFormat, type StepPhrases } from '../src/inject/format.js';
import type { Verdict, VerifyOptions } from '../src/inject/verify.js';
import type { PlannedStep } from '../src/inject/graph.js';

// ---------------------------------------------------------------------------------------------------------------
// The build-cost task: each part costs a constant, or a formula over the costs of the parts it is built from.

type Formula =
  | { kind: 'const'; c: number }
  | { kind: 'sum'; parts: string[]; c: number | null } // c + (A + B + …) or A + B + …
  | { kind: 'scaled'; parts: string[]; c: number } // c * (A + B + …) or c * A
  | { kind: 'product'; parts: [string, string]; extra: string | null }; // A * B [+ C]

interface Part {
  id: string;
  parents: string[];
  f: Formula;
  value: number;
}

const PART_NAMES = [
  'axle', 'bolt', 'cog', 'drum', 'flange', 'gear', 'hinge', 'joint', 'lever', 'nozzle', 'pulley', 'rivet',
  'spring', 'valve', 'washer', 'bracket', 'crank', 'piston', 'rotor', 'shaft',
];

function mod(v: number, m: number | null): number {
  return m === null ? v : ((v % m) + m) % m;
}

function evalFormula(f: Formula, val: (id: string) => number, m: number | null): number {
  switch (f.kind) {
    case 'const':
      return mod(f.c, m);
    case 'sum':
      return mod((f.c ?? 0) + f.parts.reduce((a, p) => a + val(p), 0), m);
    case 'scaled':
      return mod(f.c * f.parts.reduce((a, p) => a + val(p), 0), m);
    case 'product':
      return mod(val(f.parts[0]) * val(f.parts[1]) + (f.extra === null ? 0 : val(f.extra)), m);
  }
}

function writeFormula(f: Formula, operand: (id: string) => string): string {
  switch (f.kind) {
    case 'const':
      return String(f.c);
    case 'sum': {
      const inner = f.parts.map(operand).join(' + ');
      return f.c === null ? inner : f.parts.length > 1 ? `${f.c} + (${inner})` : `${f.c} + ${inner}`;
    }
    case 'scaled': {
      const inner = f.parts.map(operand).join(' + ');
      return f.parts.length > 1 ? `${f.c} * (${inner})` : `${f.c} * ${inner}`;
    }
    case 'product':
      return `${operand(f.parts[0])} * ${operand(f.parts[1])}${f.extra === null ? '' : ` + ${operand(f.extra)}`}`;
  }
}

function sayFormula(f: Formula): string {
  const list = (ps: string[]): string => (ps.length === 1 ? `the ${ps[0]}` : `the ${ps.slice(0, -1).join(', the ')} and the ${ps[ps.length - 1]} together`);
  switch (f.kind) {
    case 'const':
      return `${f.c} coins`;
    case 'sum':
      return f.c === null ? list(f.parts) : `${f.c} coins on top of ${list(f.parts)}`;
    case 'scaled':
      return `${f.c} lots of ${list(f.parts)}`;
    case 'product':
      return `the ${f.parts[0]} per ${f.parts[1]}${f.extra === null ? '' : ` plus the ${f.extra}`}`;
  }
}

export interface Workshop extends ReasoningGraph {
  parts: Map<string, Part>;
}

function drawFormula(rng: Rng, parents: string[]): Formula {
  if (parents.length === 0) return { kind: 'const', c: rng.int(0, 9) };
  const roll = rng.int(0, 3);
  if (roll === 0 && parents.length >= 2 && parents.length <= 3) {
    return { kind: 'product', parts: [parents[0], parents[1]], extra: parents[2] ?? null };
  }
  if (roll === 1) return { kind: 'scaled', parts: parents, c: rng.int(0, 9) };
  return { kind: 'sum', parts: parents, c: rng.bernoulli(0.5) ? rng.int(0, 9) : null };
}

/** A random build-cost DAG: `n` necessary parts (the last is the goal), a few redundant ones. */
export function drawWorkshop(seed: number, opts: { n?: number; redundant?: number; modulus?: number | null } = {}): Workshop {
  const rng = seededStream(seed, 'workshop');
  const n = opts.n ?? rng.int(3, 9);
  const nRed = opts.redundant ?? rng.int(0, 3);
  const modulus = opts.modulus ?? null;
  const names = rng.sample(PART_NAMES, n + nRed);
  const order = names.slice(0, n);
  const redundant = names.slice(n);
  const parents = new Map<string, string[]>();
  parents.set(order[0], []);
  for (let i = 1; i < n; i++) {
    const k = rng.bernoulli(0.25) ? 0 : rng.int(1, Math.min(3, i));
    parents.set(order[i], rng.sample(order.slice(0, i), k));
  }
  // every necessary part is needed for the goal: a part nothing uses feeds the goal
  const used = new Set([...parents.values()].flat());
  const goal = order[n - 1];
  for (const id of order.slice(0, -1)) if (!used.has(id)) parents.get(goal)!.push(id);
  for (let i = 0; i < nRed; i++) {
    const pool = [...order, ...redundant.slice(0, i)];
    parents.set(redundant[i], rng.sample(pool, rng.int(0, Math.min(2, pool.length))));
  }
  const parts = new Map<string, Part>();
  for (const id of [...order, ...redundant]) {
    const ps = parents.get(id)!;
    const f = drawFormula(rng, ps);
    const value = evalFormula(f, (p) => parts.get(p)!.value, modulus);
    parts.set(id, { id, parents: ps, f, value });
  }
  const part = (id: string): Part => {
    const p = parts.get(id);
    if (p === undefined) throw new Error(`no part ${id}`);
    return p;
  };
  return {
    parts,
    order,
    redundant,
    modulus,
    has: (id) => parts.has(id),
    parents: (id) => part(id).parents,
    analysisArity: (id) => {
      const { parents: ps, f } = part(id);
      const hasConstant = f.kind === 'scaled' || (f.kind === 'sum' && f.c !== null);
      return ps.length === 0 ? null : ps.length + (hasConstant ? 1 : 0);
    },
    statement: (id) => sayFormula(part(id).f),
    symbolic: (id, letterOf) => writeFormula(part(id).f, letterOf),
    substituted: (id) => writeFormula(part(id).f, (p) => String(part(p).value)),
    value: (id) => part(id).value,
  };
}

export const WORKSHOP_PHRASES: StepPhrases = {
  open: ['We price the parts one by one.'],
  close: ['All in, the goal part costs {answer}.'],
  boxed: ['Cost: \\boxed{{answer}}'],
  leafState: ['The catalogue lists the {name} at {value} coins.', 'A {name} sells for {value} coins.'],
  name: ['Call its cost {v}.', 'Write {v} for that.'],
  select: ['On to the {name}.', 'Take the {name}.'],
  selectName: ['Let {v} be the cost of the {name}.'],
  recall: ['We met it before as {v}.'],
  analysis: ['Its card says: {rhs}.'],
  equation: ['Then {eq}.', 'Working out, {eq}.'],
  leafEq: ['So {v} = {value}.'],
  lockedOne: ['But {v} waits for the {names}, still unpriced.'],
  lockedMany: ['But {v} waits for the {names}, all unpriced.', '{v} must wait: the {names} are unpriced.'],
};

const naming = (w: Workshop) => ({ text: (id: string) => id, resolve: (s: string) => (w.has(s) ? s : null) });

export function workshopFormat(w: Workshop): AnswerFormat {
  return templateFormat(WORKSHOP_PHRASES, naming(w));
}

export function renderWorkshop(w: Workshop, steps: readonly Step[], rng: Rng): string {
  return renderWithPhrases(w, steps, WORKSHOP_PHRASES, naming(w), rng);
}

// ---------------------------------------------------------------------------------------------------------------
// The verifier contract: the same checks for every task.

/** One task instance as the contract sees it. */
export interface TaskCase {
  label: string;
  g: ReasoningGraph;
  render(steps: readonly Step[], rng: Rng): string;
  verify(text: string, opts?: VerifyOptions): Verdict;
  /** Plan an answer (the behaviours under test). */
  plan(rng: Rng): PlannedStep[];
}

const STEP0_LINE = 3; // line 1 "<think>", line 2 the opening line

function lines(text: string): string[] {
  return text.split('\n');
}

/** A changed value on a computed line is rejected on that line as a wrong value. */
export function checkChangedValue(tc: TaskCase, rng: Rng): boolean {
  const steps = tc.plan(rng.fork('plan'));
  const computeIdx = steps.map((s, i) => (s.mode === 'compute' ? i : -1)).filter((i) => i >= 0);
  const i = rng.pick(computeIdx);
  const text = tc.render(steps, rng.fork('render'));
  const ls = lines(text);
  const line = ls[STEP0_LINE - 1 + i];
  const value = String(tc.g.value(steps[i].node));
  const at = line.lastIndexOf(` = ${value}`);
  expect(at, `${tc.label}: value ${value} on ${line}`).toBeGreaterThan(0);
  ls[STEP0_LINE - 1 + i] = `${line.slice(0, at)} = ${Number(value) + 1}${line.slice(at + 3 + value.length)}`;
  const verdict = tc.verify(ls.join('\n'));
  expect(verdict.ok, `${tc.label}: accepted ${ls[STEP0_LINE - 1 + i]}`).toBe(false);
  expect(verdict.firstBadLine).toBe(STEP0_LINE + i);
  // a copy ("v = w = 5") has no computed value after its substitution, so the substitution is what is wrong
  const copy = tc.g.parents(steps[i].node).length > 0 && /^-?[0-9]+$/.test(tc.g.substituted(steps[i].node));
  expect(verdict.kind).toBe(copy ? 'substitution' : 'value');
  return true;
}

/** A false "not solvable yet" claim (a solvable node, or a wrong list of unknowns) is rejected on its line. */
export function checkFalseLockedClaim(tc: TaskCase, rng: Rng): boolean {
  const steps = tc.plan(rng.fork('plan'));
  const candidates = steps
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.mode === 'compute' && tc.g.parents(s.node).length > 0 && !s.revisit);
  if (candidates.length === 0) return false;
  const { s, i } = rng.pick(candidates);
  const mutated = steps.slice();
  mutated[i] = { ...s, mode: 'locked', unsolved: [tc.g.parents(s.node)[0]] };
  const verdict = tc.verify(tc.render(mutated, rng.fork('render')));
  expect(verdict.ok).toBe(false);
  expect(verdict.firstBadLine).toBe(STEP0_LINE + i);
  expect(verdict.kind).toBe('locked-claim');
  return true;
}

/** A real failed attempt that lists the wrong unknowns (one dropped or one solved parent added) is rejected. */
export function checkWrongUnknowns(tc: TaskCase, rng: Rng): boolean {
  const steps = tc.plan(rng.fork('plan'));
  const lockedIdx = steps.map((s, i) => (s.mode === 'locked' ? i : -1)).filter((i) => i >= 0);
  if (lockedIdx.length === 0) return false;
  const i = rng.pick(lockedIdx);
  const s = steps[i];
  const unsolved = [...new Set(s.unsolved ?? [])]; // a parent used twice may be listed once: not a mutation
  const solvedParents = tc.g.parents(s.node).filter((p) => !unsolved.includes(p));
  let wrong: string[];
  if (unsolved.length > 1) wrong = unsolved.slice(1);
  else if (solvedParents.length > 0) wrong = [...unsolved, solvedParents[0]];
  else return false;
  const mutated = steps.slice();
  mutated[i] = { ...s, unsolved: wrong };
  const verdict = tc.verify(tc.render(mutated, rng.fork('render')));
  expect(verdict.ok).toBe(false);
  expect(verdict.firstBadLine).toBe(STEP0_LINE + i);
  expect(verdict.kind).toBe('locked-claim');
  return true;
}

/** Two adjacent step lines swapped so a node is used before it is computed: rejected where the user now sits. */
export function checkSwappedSteps(tc: TaskCase, rng: Rng): boolean {
  const steps = tc.plan(rng.fork('plan'));
  const pairs: number[] = [];
  for (let i = 0; i + 1 < steps.length; i++) {
    const [a, b] = [steps[i], steps[i + 1]];
    if (a.mode === 'compute' && b.mode === 'compute' && tc.g.parents(b.node).includes(a.node)) pairs.push(i);
  }
  if (pairs.length === 0) return false;
  const i = rng.pick(pairs);
  const ls = lines(tc.render(steps, rng.fork('render')));
  const j = STEP0_LINE - 1 + i;
  [ls[j], ls[j + 1]] = [ls[j + 1], ls[j]];
  const verdict = tc.verify(ls.join('\n'));
  expect(verdict.ok).toBe(false);
  expect(verdict.firstBadLine).toBe(STEP0_LINE + i);
  expect(['premature-use', 'unknown-variable']).toContain(verdict.kind);
  return true;
}

/** A wrong final answer (in the closing line, or in the box) is rejected on that line. */
export function checkWrongFinalAnswer(tc: TaskCase, rng: Rng): boolean {
  const steps = tc.plan(rng.fork('plan'));
  const ls = lines(tc.render(steps, rng.fork('render')));
  const answer = String(tc.g.value(tc.g.order[tc.g.order.length - 1]));
  const wrong = String(Number(answer) + rng.int(1, 5));
  const boxedAt = ls.length - 2; // "…\boxed{A}…" then "</answer>"
  const boxedText = ls.slice();
  boxedText[boxedAt] = boxedText[boxedAt].replace(`\\boxed{${answer}}`, `\\boxed{${wrong}}`);
  const v1 = tc.verify(boxedText.join('\n'));
  expect(v1.ok).toBe(false);
  expect(v1.firstBadLine).toBe(boxedAt + 1);
  expect(v1.kind).toBe('final-answer');
  const closeAt = ls.length - 5; // close, </think>, <answer>, boxed, </answer>
  const closeText = ls.slice();
  const k = closeText[closeAt].lastIndexOf(answer);
  closeText[closeAt] = closeText[closeAt].slice(0, k) + wrong + closeText[closeAt].slice(k + answer.length);
  const v2 = tc.verify(closeText.join('\n'));
  expect(v2.ok).toBe(false);
  expect(v2.firstBadLine).toBe(closeAt + 1);
  expect(v2.kind).toBe('final-answer');
  return true;
}

/** A revisit that recalls the wrong letter, and one of a node never attempted, are rejected on their line. */
export function checkBadRecall(tc: TaskCase, rng: Rng): boolean {
  const steps = tc.plan(rng.fork('plan'));
  const fresh = steps
    .map((s, i) => (!s.revisit && tc.g.parents(s.node).length > 0 ? i : -1))
    .filter((i) => i >= 0);
  if (fresh.length === 0) return false;
  const i = rng.pick(fresh);
  const mutated = steps.slice();
  mutated[i] = { ...steps[i], revisit: true };
  const verdict = tc.verify(tc.render(mutated, rng.fork('render')));
  expect(verdict.ok).toBe(false);
  expect(verdict.firstBadLine).toBe(STEP0_LINE + i);
  expect(verdict.kind).toBe('revisit');
  return true;
}

/** Replays a planned walk and checks invariants 17 and 20–22 (docs/igsm-generator.md, Invariants) on it. */
export function checkWalk(g: ReasoningGraph, steps: readonly PlannedStep[]): void {
  const solved = new Set<string>();
  const introduced = new Set<string>();
  const computedNecessary: string[] = [];
  const necessary = new Set(g.order);
  const goal = g.order[g.order.length - 1];
  let lastFailed = false;
  steps.forEach((s, i) => {
    expect(solved.has(s.node), `step ${i}: ${s.node} solved twice`).toBe(false);
    expect(s.revisit).toBe(introduced.has(s.node));
    const waiting = unsolvedParents(g, s.node, solved);
    if (s.reflection) {
      expect(i, 'a reflection before the first step').toBeGreaterThan(0);
      expect(lastFailed, 'a reflection right after a failed attempt').toBe(false);
      const left = g.order.filter((x) => !solved.has(x));
      expect(left.length > 1 || left[0] !== goal, 'a reflection when only the question is left').toBe(true);
    } else {
      // normal steps follow the order: every earlier necessary node is solved
      const rank = g.order.indexOf(s.node);
      expect(rank).toBeGreaterThanOrEqual(0);
      for (const x of g.order.slice(0, rank)) expect(solved.has(x)).toBe(true);
    }
    if (s.mode === 'locked') {
      expect(s.reflection).toBe(true);
      expect(waiting.length).toBeGreaterThan(0);
      expect(s.unsolved).toEqual(waiting);
      introduced.add(s.node);
      lastFailed = true;
    } else {
      expect(waiting).toEqual([]);
      solved.add(s.node);
      if (necessary.has(s.node)) computedNecessary.push(s.node);
      lastFailed = false;
    }
  });
  expect(new Set(computedNecessary)).toEqual(necessary);
  expect(computedNecessary.length).toBe(g.order.length);
  expect(computedNecessary[computedNecessary.length - 1]).toBe(goal);
}

