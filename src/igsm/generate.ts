// One problem draw (docs/igsm-generator.md, One draw, end to end): difficulty → structure → dependency graph (with
// retries) → equations → values → filters. Works on integer ids; names and the ProblemGraph object are built only for
// a draw that passes.
import { z } from 'zod';
import type { Rng } from '../rng.js';
import type { Arith, GraphNode, ProblemGraph } from './types.js';
import { HIERARCHY } from './hierarchy.js';
import { MAX_W, buildParams, buildStructure, drawDifficulty, type Params, type Structure } from './structure.js';
import { buildDependency, type Dependency } from './dependency.js';
import { mod } from './expr.js';
import * as random from './random.js';
import { paramName } from './render.js';

// direct references: tsx routes every cross-module call through an export getter, measurable in these loops
const coin = random.coin;
const randInt = random.randInt;
const sampleInPlace = random.sampleInPlace;
const shuffleInPlace = random.shuffleInPlace;

/**
 * Largest op target accepted. With ≤ 20 edges the share of accepted draws falls steeply with the target (measured,
 * forced, exact: op 20 → 28 %, op 25 → 14 %, op 40 → 2.7 %, op 60 → 0.14 %), so 60 is where a split still fills.
 */
export const MAX_OPS = 60;
/** Structure edges (= condition sentences) are capped at 20 so that 20 instance + 24 abstract nodes fit 52 letters. */
export const MAX_INSTANCE_PARAMS = 20;

export interface GenConfig {
  /**
   * Op-count range; the target is min of two uniforms in [minOps, maxOps] (docs/igsm-generator.md, Target op count).
   */
  minOps: number;
  maxOps: number;
  /** Target exactly maxOps. */
  force: boolean;
  /**
   * exact: constants 0–9, integers; mod23: constants 0–22, every value reduced mod 23 (docs/igsm-generator.md,
   * Arithmetic and filters).
   */
  arith: Arith;
  /** Reject a problem when |answer| ≥ maxSolution (exact mode). */
  maxSolution: number;
  /** Reject a zero answer with probability zeroRejectProb (default on iff minOps > 20). */
  reduceZeroAnswer: boolean;
  zeroRejectProb: number;
  /** Stage-3 retries per draw (docs/igsm-generator.md, Retries and failures). */
  maxAttempts: number;
  /** At most this many structure edges (= instance parameters = condition sentences). */
  maxInstanceParams: number;
  /** Shuffle the condition lines of the query. */
  shuffleQuery: boolean;
  /** Add the redundant (distractor) nodes and state them (stage 5). Off: unused edges are dropped from the structure. */
  redundantQuery: boolean;
  /** mod23 only: allow 0 as the constant of "c times" (the original iGSM draws multipliers from 1–22). */
  zeroMultiplier: boolean;
}

const int = (name: string, lo: number, hi: number) =>
  z.number({ error: `${name} must be an integer in [${lo}, ${hi}]` }).int(`${name} must be an integer in [${lo}, ${hi}]`)
    .min(lo, `${name} must be an integer in [${lo}, ${hi}]`).max(hi, `${name} must be an integer in [${lo}, ${hi}]`);
const bool = (name: string) => z.boolean({ error: `${name} must be true or false` });

/** The generator config's schema: defaults, bounds and one line per field (flags of `bridge data` derive from it). */
export const GenConfigSchema = z
  .object({
    minOps: int('minOps', 1, MAX_OPS).default(15).describe('smallest target op count'),
    maxOps: int('maxOps', 1, MAX_OPS).default(20).describe('largest target op count; the target is the min of two uniform draws in [minOps, maxOps]'),
    force: bool('force').default(false).describe('target exactly maxOps'),
    arith: z.enum(['exact', 'mod23'], { error: 'arith must be one of exact, mod23' }).default('exact').describe('arithmetic: exact integers, or every value mod 23'),
    maxSolution: int('maxSolution', 1, 1_000_000_000).default(1000).describe('reject a problem when |answer| ≥ maxSolution (exact mode)'),
    reduceZeroAnswer: bool('reduceZeroAnswer').optional().describe('reject zero answers with probability zeroRejectProb (default: on iff minOps > 20)'),
    zeroRejectProb: z.number({ error: 'zeroRejectProb must be a number in [0, 1]' }).min(0, 'zeroRejectProb must be a number in [0, 1]')
      .max(1, 'zeroRejectProb must be a number in [0, 1]').default(0.6).describe('probability of rejecting a zero answer when reduceZeroAnswer is on'),
    maxAttempts: int('maxAttempts', 1, 10_000).default(50).describe('dependency-graph retries per draw'),
    maxInstanceParams: int('maxInstanceParams', 12, MAX_INSTANCE_PARAMS).default(20).describe('at most this many structure edges (= condition sentences)'),
    shuffleQuery: bool('shuffleQuery').default(true).describe('shuffle the condition sentences of the question'),
    redundantQuery: bool('redundantQuery').default(true).describe('state the redundant (distractor) sentences'),
    zeroMultiplier: bool('zeroMultiplier').default(false).describe('mod23 only: allow 0 as the constant of "c times"'),
  })
  .strict()
  .refine((c) => c.minOps <= c.maxOps, { message: 'minOps must be ≤ maxOps', path: ['minOps'] });

/** The rule of every `--ops` flag. */
export const OPS_RULE = `A-B (or A) with integers 1 ≤ A ≤ B ≤ ${MAX_OPS}`;

/** An op range [minOps, maxOps]: what `--ops` sets and what the reproduce presets' op ranges hold. */
export const OpRangeSchema = z
  .tuple([int('minOps', 1, MAX_OPS), int('maxOps', 1, MAX_OPS)])
  .refine(([a, b]) => a <= b, 'must be [lo, hi] with lo ≤ hi')
  .describe('op-count range; the target is the min of two uniform draws in it');

/** "A-B" or "A" → [A, B] with 1 ≤ A ≤ B ≤ MAX_OPS: the one parser of every `--ops` flag; otherwise one line naming the flag. */
export function parseOps(raw: string, flag = '--ops'): [number, number] {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(raw);
  if (!m) throw new Error(`${flag} must be ${OPS_RULE}, got "${raw}"`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > MAX_OPS) throw new Error(`${flag} must be ${OPS_RULE} (at most ${MAX_OPS} ops fit in ≤ ${MAX_INSTANCE_PARAMS} edges), got "${raw}"`);
  if (a > b) throw new Error(`${flag}: min ${a} > max ${b}; must be ${OPS_RULE}`);
  return [a, b];
}

/** Validate and complete a generator config; throws one line naming the field and its allowed range. */
export function validateGenConfig(c: Partial<GenConfig>): GenConfig {
  const r = GenConfigSchema.safeParse(c);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.');
    const msg = issue.code === 'unrecognized_keys' ? `unknown config field(s): ${issue.keys.join(', ')}` : issue.message;
    throw new Error(field && !msg.startsWith(field) ? `${field}: ${msg}` : msg);
  }
  const v = r.data;
  return { ...v, reduceZeroAnswer: v.reduceZeroAnswer ?? v.minOps > 20 };
}

export type DrawFailure = 'stage3' | 'stage4' | 'filter' | 'zero' | 'unsafe';
export type DrawResult = { ok: true; graph: ProblemGraph; numOps: number } | { ok: false; reason: DrawFailure };

/** Everything a draw decides, by parameter id, before names are attached. */
interface Solved {
  s: Structure;
  p: Params;
  dep: Dependency;
  constant: Int32Array;
  constOp: Uint8Array; // 0 none, 1 '+', 2 '*'
  diff: Uint8Array;
  value: Float64Array;
}

/**
 * The render choices of docs/igsm-generator.md, Condition sentence, made in the graph stage so sentence and equation
 * always agree: c, +/×, operand order, sum/diff.
 */
function chooseEquations(dep: Dependency, p: Params, cfg: GenConfig, rng: Rng, constant: Int32Array, constOp: Uint8Array, diff: Uint8Array): void {
  const cMax = cfg.arith === 'mod23' ? 22 : 9;
  const T = dep.topo.length;
  for (let i = 0; i < T + dep.redundant.length; i++) {
    const x = i < T ? dep.topo[i] : dep.redundant[i - T];
    if (p.isAbs[x]) continue;
    const ps = dep.parents[x];
    if (dep.hasRng[x]) {
      if (ps.length > 0) {
        const times = coin(rng);
        constOp[x] = times ? 2 : 1;
        constant[x] = times && cfg.arith === 'mod23' && !cfg.zeroMultiplier ? randInt(rng, 1, cMax) : randInt(rng, 0, cMax);
      } else constant[x] = randInt(rng, 0, cMax);
    }
    if (ps.length >= 2) {
      shuffleInPlace(rng, ps as number[]); // lists of ≥ 2 instance parents are fresh arrays owned by this draw
      if (ps.length === 2 && coin(rng)) diff[x] = 1;
    }
  }
}

/** Every partial result is checked, so an overflow can never cancel back into a wrong "safe" value. */
function safe(v: number): number {
  return Number.isSafeInteger(v) ? v : NaN;
}

/** Values in solution order; NaN marks an exact-mode value whose computation left the safe-integer range. */
function evaluate(order: readonly number[], dep: Dependency, p: Params, modulus: number | null, constant: Int32Array, constOp: Uint8Array, diff: Uint8Array, value: Float64Array): void {
  for (const x of order) {
    const ps = dep.parents[x];
    let v: number;
    if (p.isAbs[x]) {
      v = 0;
      if (p.level[x] === 1) for (const q of ps) v = safe(v + value[q]);
      else for (let i = 0; i < ps.length; i += 2) v = safe(v + safe(value[ps[i]] * value[ps[i + 1]]));
    } else if (ps.length === 0) {
      v = constant[x];
    } else {
      if (diff[x]) v = safe(value[ps[0]] - value[ps[1]]);
      else {
        v = 0;
        for (const q of ps) v = safe(v + value[q]);
      }
      if (constOp[x] === 1) v = safe(constant[x] + v);
      else if (constOp[x] === 2) v = safe(constant[x] * v);
    }
    // + 0 turns -0 (from 0 × a negative) into 0, so stored values compare and print as plain integers
    value[x] = modulus === null ? v + 0 : mod(v, modulus);
  }
}

/**
 * One draw. Hyper-parameters are drawn once; the structure + graph are rebuilt up to maxAttempts times on a stage-3
 * failure. Successful graphs are filtered: 'unsafe' (a value beyond 2^53), 'filter' (|answer| ≥ maxSolution),
 * 'zero' (the zero-answer rule).
 */
export function drawProblem(cfg: GenConfig, rng: Rng): DrawResult {
  const diffy = drawDifficulty(cfg, rng);
  let solved: Solved | null = null;
  for (let attempt = 0; attempt < cfg.maxAttempts && !solved; attempt++) {
    const s = buildStructure(diffy, rng);
    const p = buildParams(s);
    const dep = buildDependency(diffy, p, rng, cfg.redundantQuery);
    if (dep === 'stage4') return { ok: false, reason: 'stage4' };
    if (dep === 'stage3') continue;
    const n = p.count;
    solved = { s, p, dep, constant: new Int32Array(n), constOp: new Uint8Array(n), diff: new Uint8Array(n), value: new Float64Array(n) };
  }
  if (!solved) return { ok: false, reason: 'stage3' };
  const { p, dep, constant, constOp, diff, value } = solved;
  chooseEquations(dep, p, cfg, rng, constant, constOp, diff);
  const modulus = cfg.arith === 'mod23' ? 23 : null;
  evaluate(dep.topo, dep, p, modulus, constant, constOp, diff, value);
  evaluate(dep.redundant, dep, p, modulus, constant, constOp, diff, value);
  const answer = value[dep.topo[dep.topo.length - 1]];
  for (const x of dep.topo) if (Number.isNaN(value[x])) return { ok: false, reason: 'unsafe' };
  for (const x of dep.redundant) if (Number.isNaN(value[x])) return { ok: false, reason: 'unsafe' };
  if (Math.abs(answer) >= cfg.maxSolution) return { ok: false, reason: 'filter' };
  if (answer === 0 && cfg.reduceZeroAnswer && rng.next() < cfg.zeroRejectProb) return { ok: false, reason: 'zero' };
  return { ok: true, graph: assemble(solved, modulus, rng), numOps: diffy.finalOps };
}

/**
 * docs/igsm-generator.md, Names: pick the name system, one subcategory per category, the layer window, and item names
 * per layer.
 */
function assemble(sv: Solved, modulus: number | null, rng: Rng): ProblemGraph {
  const { s, p, dep } = sv;
  const sys = HIERARCHY[randInt(rng, 0, HIERARCHY.length - 1)];
  const pools = sys.categories.map((c) => c.subcategories[randInt(rng, 0, c.subcategories.length - 1)].items);
  const offset = randInt(rng, 0, 4 - s.L);
  const layers: ProblemGraph['layers'] = [];
  const itemName: string[] = [];
  for (let i = 0; i < s.L; i++) {
    const cat = 3 - (offset + i); // categories are stored top → bottom; layer 0 is the lowest of the window
    const items = sampleInPlace(rng, pools[cat].slice(), s.sizes[i]);
    layers.push({ category: sys.categories[cat].name, items });
    for (let j = 0; j < items.length; j++) itemName[i * MAX_W + j] = items[j];
  }
  // one string per parameter, shared by the node and every parent list that names it
  const names: string[] = new Array(p.count);
  const name = (x: number): string =>
    names[x] ?? (names[x] = paramName(itemName[p.upper[x]], p.isAbs[x] ? layers[p.lower[x]].category : itemName[p.lower[x]]));
  const stated = new Uint8Array(p.numInst);
  const nodes: GraphNode[] = [];
  const make = (x: number, necessary: boolean): void => {
    const ps = dep.parents[x];
    const abs = p.isAbs[x] === 1;
    if (!abs) stated[x] = 1;
    const hasC = !abs && dep.hasRng[x] === 1;
    nodes.push({
      name: name(x),
      kind: abs ? 'abstract' : 'instance',
      upper: itemName[p.upper[x]],
      lower: abs ? layers[p.lower[x]].category : itemName[p.lower[x]],
      level: p.level[x],
      parents: ps.map(name),
      constant: hasC ? sv.constant[x] : null,
      constOp: hasC && ps.length > 0 ? (sv.constOp[x] === 2 ? '*' : '+') : null,
      combine: abs ? (p.level[x] === 1 ? 'sum' : 'sumOfProducts') : sv.diff[x] ? 'diff' : 'sum',
      value: sv.value[x],
      necessary,
    });
  };
  for (const x of dep.topo) make(x, true);
  for (const x of dep.redundant) make(x, false);
  // without redundant sentences, unstated edges leave the structure so "children of X" stays what the text says
  const edges: [string, string][] = [];
  for (let e = 0; e < p.numInst; e++) if (stated[e]) edges.push([itemName[s.edgeLower[e]], itemName[s.edgeUpper[e]]]);
  return {
    system: sys.name,
    layers,
    edges,
    nodes,
    topo: dep.topo.map(name),
    redundant: dep.redundant.map(name),
    question: name(dep.topo[dep.topo.length - 1]),
    modulus,
  };
}
