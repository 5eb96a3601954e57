// Property tests of the generator over ≥ 500 seeds per arithmetic mode (docs/igsm-generator.md, Invariants, items 1–17).
// The query round trip uses a parser and an evaluator written here: nothing from render.ts, expr.ts or generate.ts
// evaluation code is used to check the answers.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../src/rng.js';
import { drawProblem, validateGenConfig, type GenConfig } from '../src/igsm/generate.js';
import { vanillaRow } from '../src/igsm/dataset.js';
import { HIERARCHY } from '../src/igsm/hierarchy.js';
import type { GraphNode, ProblemGraph, ProblemRow, Surface } from '../src/igsm/types.js';

// ---------------------------------------------------------------------------------------------------------------
// Independent helpers

const modOf = (x: number, m: number | null): number => (m === null ? x + 0 : ((x % m) + m) % m); // + 0: -0 → 0

/** Evaluate "3 * (-5 + 2) - -4"-style integer expressions (+, -, *, parentheses, negative literals). */
function evalExpr(src: string): number {
  const toks = src.match(/-?\d+|[-+*()]/g) ?? [];
  // a "-" directly followed by digits is a negative literal only where an operand is expected
  const fixed: string[] = [];
  for (const t of toks) {
    const prev = fixed[fixed.length - 1];
    const operandExpected = prev === undefined || prev === '(' || prev === '+' || prev === '-' || prev === '*';
    if (/^-\d+$/.test(t) && !operandExpected) fixed.push('-', t.slice(1));
    else fixed.push(t);
  }
  let i = 0;
  const atom = (): number => {
    const t = fixed[i++];
    if (t === '(') {
      const v = sum();
      if (fixed[i++] !== ')') throw new Error(`unbalanced: ${src}`);
      return v;
    }
    if (t === undefined || !/^-?\d+$/.test(t)) throw new Error(`bad token ${t} in ${src}`);
    return Number(t);
  };
  const prod = (): number => {
    let v = atom();
    while (fixed[i] === '*') {
      i++;
      v *= atom();
    }
    return v;
  };
  const sum = (): number => {
    let v = prod();
    while (fixed[i] === '+' || fixed[i] === '-') {
      const op = fixed[i++];
      const r = prod();
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  if (i !== fixed.length) throw new Error(`trailing tokens in ${src}`);
  return v;
}

/** A parsed condition: param "each X's Y" = c (op) combination of parents. */
interface Parsed {
  upper: string;
  lower: string;
  constant: number | null;
  constOp: '+' | '*' | null;
  combine: 'sum' | 'diff';
  parents: string[];
}

function splitParam(p: string, surface: Surface): [string, string] {
  const m = (surface === 'english' ? /^each (.+?)'s (.+)$/ : /^(.+?)'s (.+)$/).exec(p);
  if (!m) throw new Error(`not a parameter: "${p}"`);
  return [m[1], m[2]];
}
const canon = (x: string, y: string): string => `each ${x}'s ${y}`;

function parseEnglishRhs(rhs: string): Omit<Parsed, 'upper' | 'lower'> {
  let constant: number | null = null;
  let constOp: '+' | '*' | null = null;
  let rest = rhs;
  let m = /^(\d+)$/.exec(rest);
  if (m) return { constant: Number(m[1]), constOp: null, combine: 'sum', parents: [] };
  m = /^(\d+) (more than|times) (.+)$/.exec(rest);
  if (m) {
    constant = Number(m[1]);
    constOp = m[2] === 'times' ? '*' : '+';
    rest = m[3];
  }
  let parents: string[];
  let combine: 'sum' | 'diff' = 'sum';
  if ((m = /^the difference of (.+) and (.+)$/.exec(rest))) {
    combine = 'diff';
    parents = [m[1], m[2]];
  } else if ((m = /^the sum of (.+)$/.exec(rest))) {
    const k = m[1].lastIndexOf(' and ');
    parents = [...m[1].slice(0, k).split(', '), m[1].slice(k + 5)];
  } else parents = [rest];
  return { constant, constOp, combine, parents: parents.map((p) => canon(...splitParam(p, 'english'))) };
}

function parseCompactRhs(rhs: string): Omit<Parsed, 'upper' | 'lower'> {
  let m = /^(\d+)$/.exec(rhs);
  if (m) return { constant: Number(m[1]), constOp: null, combine: 'sum', parents: [] };
  let constant: number | null = null;
  let constOp: '+' | '*' | null = null;
  let rest = rhs;
  m = /^(\d+) ([+*]) (.+)$/.exec(rest);
  if (m) {
    constant = Number(m[1]);
    constOp = m[2] as '+' | '*';
    rest = m[3];
    if (rest.startsWith('(')) {
      if (!rest.endsWith(')')) throw new Error(`unbalanced: ${rhs}`);
      rest = rest.slice(1, -1);
    }
  }
  const diff = rest.split(' - ');
  if (diff.length === 2) return { constant, constOp, combine: 'diff', parents: diff.map((p) => canon(...splitParam(p, 'compact'))) };
  return { constant, constOp, combine: 'sum', parents: rest.split(' + ').map((p) => canon(...splitParam(p, 'compact'))) };
}

/** Parse a query into its conditions and question, per surface. */
function parseQuery(query: string, surface: Surface): { conds: Map<string, Parsed>; question: [string, string]; lines: string[] } {
  const lines = query.split('\n');
  const conds = new Map<string, Parsed>();
  const last = lines[lines.length - 1];
  for (const line of lines.slice(0, -1)) {
    let m: RegExpExecArray | null;
    let parsed: Parsed;
    if (surface === 'english') {
      m = /^The number of each (.+?)'s (.+?) equals (.+)\.$/.exec(line);
      if (!m) throw new Error(`unparseable line: ${line}`);
      parsed = { upper: m[1], lower: m[2], ...parseEnglishRhs(m[3]) };
    } else {
      m = /^(.+?)'s (.+?) = (.+)$/.exec(line);
      if (!m) throw new Error(`unparseable line: ${line}`);
      parsed = { upper: m[1], lower: m[2], ...parseCompactRhs(m[3]) };
    }
    const key = canon(parsed.upper, parsed.lower);
    if (conds.has(key)) throw new Error(`two sentences for ${key}`);
    conds.set(key, parsed);
  }
  const q = surface === 'english' ? /^How many (.+) does each (.+) have\?$/.exec(last) : /^(.+?)'s (.+) = \?$/.exec(last);
  if (!q) throw new Error(`unparseable question: ${last}`);
  return { conds, question: surface === 'english' ? [q[2], q[1]] : [q[1], q[2]], lines };
}

/** Rebuild the DAG from the parsed text + graph.layers and evaluate every parameter the question needs. */
function solveFromText(query: string, surface: Surface, layers: ProblemGraph['layers'], modulus: number | null) {
  const { conds, question } = parseQuery(query, surface);
  const itemLayer = new Map<string, number>();
  const catLayer = new Map<string, number>();
  layers.forEach((l, i) => {
    catLayer.set(l.category, i);
    for (const it of l.items) itemLayer.set(it, i);
  });
  const children = new Map<string, string[]>(); // X -> items Y with a sentence "each X's Y"
  for (const c of conds.values()) {
    if (catLayer.has(c.lower)) throw new Error(`a sentence states an abstract parameter: ${c.upper}'s ${c.lower}`);
    const ul = itemLayer.get(c.upper);
    const ll = itemLayer.get(c.lower);
    if (ul === undefined || ll === undefined || ul !== ll + 1) throw new Error(`sentence about a non-edge: ${c.upper}'s ${c.lower}`);
    children.set(c.upper, [...(children.get(c.upper) ?? []), c.lower]);
  }
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const value = (x: string, y: string): number => {
    const key = canon(x, y);
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    if (visiting.has(key)) throw new Error(`cycle at ${key}`);
    visiting.add(key);
    let v: number;
    const c = conds.get(key);
    if (c) {
      const vals = c.parents.map((p) => value(...splitParam(p, 'english')));
      let e = c.combine === 'diff' ? vals[0] - vals[1] : vals.reduce((a, b) => a + b, 0);
      if (c.constant !== null) e = vals.length === 0 ? c.constant : c.constOp === '*' ? c.constant * e : c.constant + e;
      v = modOf(e, modulus);
    } else {
      const cl = catLayer.get(y);
      const xl = itemLayer.get(x);
      if (cl === undefined || xl === undefined || cl >= xl) throw new Error(`no sentence and not abstract: ${key}`);
      let e = 0;
      for (const z of children.get(x) ?? []) e += xl - cl === 1 ? value(x, z) : value(x, z) * value(z, y);
      v = modOf(e, modulus);
    }
    visiting.delete(key);
    memo.set(key, v);
    return v;
  };
  const answer = value(question[0], question[1]);
  return { answer, conds, question: canon(question[0], question[1]), memo, children };
}

/** Independent evaluation of the stored graph: every node from its stored equation, in topo + redundant order. */
function evalGraph(g: ProblemGraph): Map<string, number> {
  const val = new Map<string, number>();
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  for (const name of [...g.topo, ...g.redundant]) {
    const n = byName.get(name)!;
    const ps = n.parents.map((p) => {
      const v = val.get(p);
      if (v === undefined) throw new Error(`${name} uses ${p} before it is computed`);
      return v;
    });
    let e: number;
    if (n.combine === 'sumOfProducts') {
      e = 0;
      for (let i = 0; i < ps.length; i += 2) e += ps[i] * ps[i + 1];
    } else if (n.combine === 'diff') e = ps[0] - ps[1];
    else e = ps.reduce((a, b) => a + b, 0);
    if (n.constant !== null) e = ps.length === 0 ? n.constant : n.constOp === '*' ? n.constant * e : n.constant + e;
    val.set(name, modOf(e, g.modulus));
  }
  return val;
}

const opOf = (n: GraphNode): number => {
  const k = n.parents.length;
  if (n.kind === 'abstract') return n.level === 1 ? Math.max(1, k - 1) : k - 1;
  return Math.max(1, k + (n.constant !== null ? 1 : 0) - 1);
};

function firstAccepted(cfg: GenConfig, seed: number): { graph: ProblemGraph; numOps: number; rng: Rng } {
  const rng = new Rng(seed);
  for (let i = 0; i < 100_000; i++) {
    const r = drawProblem(cfg, rng);
    if (r.ok) return { graph: r.graph, numOps: r.numOps, rng };
  }
  throw new Error(`no problem accepted for seed ${seed}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The invariants of one problem

const subcatOf = new Map<string, string>();
for (const s of HIERARCHY) for (const c of s.categories) for (const sc of c.subcategories) for (const it of sc.items) subcatOf.set(it, `${s.name}/${c.name}/${sc.name}`);

function checkProblem(row: ProblemRow, cfg: GenConfig): void {
  const g = row.graph;
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const L = g.layers.length;
  // 1. layers and widths
  expect([2, 3, 4]).toContain(L);
  for (const l of g.layers) expect(l.items.length).toBeGreaterThanOrEqual(2), expect(l.items.length).toBeLessThanOrEqual(4);
  // 3. names unique, one subcategory per layer, categories a contiguous window of one system
  const items = g.layers.flatMap((l) => l.items);
  expect(new Set(items).size).toBe(items.length);
  for (const l of g.layers) expect(new Set(l.items.map((it) => subcatOf.get(it))).size).toBe(1);
  const sys = HIERARCHY.find((s) => s.name === g.system)!;
  const cats = sys.categories.map((c) => c.name).reverse(); // bottom → top
  const off = cats.indexOf(g.layers[0].category);
  expect(g.layers.map((l) => l.category)).toEqual(cats.slice(off, off + L));
  // 2. edges adjacent, unique, every non-bottom item has a child, ≤ maxInstanceParams
  const layerOf = new Map<string, number>();
  g.layers.forEach((l, i) => l.items.forEach((it) => layerOf.set(it, i)));
  const edgeKeys = g.edges.map(([lo, up]) => `${up}>${lo}`);
  expect(new Set(edgeKeys).size).toBe(edgeKeys.length);
  for (const [lo, up] of g.edges) expect(layerOf.get(up)! - layerOf.get(lo)!).toBe(1);
  if (cfg.redundantQuery) for (const l of g.layers.slice(1)) for (const it of l.items) expect(g.edges.some(([, up]) => up === it)).toBe(true);
  expect(g.edges.length).toBeLessThanOrEqual(cfg.maxInstanceParams);
  // 10. every edge is exactly one instance node; sentences = edges
  const inst = g.nodes.filter((n) => n.kind === 'instance');
  expect(inst.map((n) => `${n.upper}>${n.lower}`).sort()).toEqual([...edgeKeys].sort());
  // 5–7. topo valid, question last, ancestors, no redundant parent of a necessary node
  expect(g.question).toBe(g.topo[g.topo.length - 1]);
  expect(g.nodes.map((n) => n.name)).toEqual([...g.topo, ...g.redundant]);
  const pos = new Map([...g.topo, ...g.redundant].map((n, i) => [n, i]));
  for (const n of g.nodes) for (const p of n.parents) expect(pos.get(p)!, `${p} before ${n.name}`).toBeLessThan(pos.get(n.name)!);
  for (const n of g.nodes) expect(n.necessary).toBe(pos.get(n.name)! < g.topo.length);
  const anc = new Set<string>([g.question]);
  for (let i = g.topo.length - 1; i >= 0; i--) if (anc.has(g.topo[i])) for (const p of byName.get(g.topo[i])!.parents) anc.add(p);
  expect(anc.size).toBe(g.topo.length);
  // 8–9. in-degrees, caps, exact op count
  const t0 = byName.get(g.topo[0])!;
  expect(t0.parents).toEqual([]);
  expect(t0.constant).not.toBeNull();
  g.topo.forEach((name, i) => {
    const n = byName.get(name)!;
    if (n.kind === 'instance') {
      expect(n.parents.length + (n.constant !== null ? 1 : 0)).toBeLessThanOrEqual(4);
      expect(opOf(n)).toBeLessThanOrEqual(Math.min(3, Math.max(1, i)));
    }
  });
  const ops = g.topo.reduce((a, t) => a + opOf(byName.get(t)!), 0);
  expect(ops).toBe(row.numOps);
  if (cfg.force) expect(row.numOps).toBe(cfg.maxOps);
  else expect(row.numOps).toBeGreaterThanOrEqual(cfg.minOps), expect(row.numOps).toBeLessThanOrEqual(cfg.maxOps);
  // 13. constants and value ranges
  const cMax = g.modulus === null ? 9 : 22;
  for (const n of g.nodes) {
    if (n.constant !== null) expect(n.constant).toBeGreaterThanOrEqual(n.constOp === '*' && g.modulus !== null ? 1 : 0), expect(n.constant).toBeLessThanOrEqual(cMax);
    if (g.modulus !== null) expect(n.value).toBeGreaterThanOrEqual(0), expect(n.value).toBeLessThan(g.modulus);
    expect(Number.isSafeInteger(n.value)).toBe(true);
  }
  if (g.modulus === null) expect(Math.abs(Number(row.answer))).toBeLessThan(cfg.maxSolution);
  // stored values = independent evaluation of the stored equations; answer = question value
  const val = evalGraph(g);
  for (const n of g.nodes) expect(n.value, n.name).toBe(val.get(n.name));
  expect(row.answer).toBe(String(val.get(g.question)));
  // 11, 12, 14. the text parses back to the stored equations and evaluates to the answer
  const solved = solveFromText(row.query, row.surface, g.layers, g.modulus);
  expect(String(solved.answer)).toBe(row.answer);
  expect(solved.question).toBe(g.question);
  expect(solved.conds.size).toBe(g.edges.length);
  for (const n of inst) {
    const c = solved.conds.get(n.name)!;
    expect(c, n.name).toBeDefined();
    expect(c.parents).toEqual(n.parents);
    expect(c.constant).toBe(n.constant);
    expect(c.constOp).toBe(n.constOp);
    if (n.parents.length === 2) expect(c.combine).toBe(n.combine);
  }
  // 4. abstract values = the structure's path counts (via the text-derived children)
  for (const n of g.nodes) if (solved.memo.has(n.name)) expect(solved.memo.get(n.name), n.name).toBe(n.value);
  for (const n of g.nodes.filter((x) => x.kind === 'abstract')) {
    // parents follow X's structure edges in stored order; the text must state exactly those children
    const kids = g.edges.filter(([, up]) => up === n.upper).map(([lo]) => lo);
    expect([...(solved.children.get(n.upper) ?? [])].sort()).toEqual([...kids].sort());
    const expected = n.level === 1 ? kids.map((z) => `each ${n.upper}'s ${z}`) : kids.flatMap((z) => [`each ${n.upper}'s ${z}`, `each ${z}'s ${n.lower}`]);
    expect(n.parents).toEqual(expected);
  }
  checkVanillaAnswer(row, val);
}

// 16–19 for vanilla answers
function checkVanillaAnswer(row: ProblemRow, val: Map<string, number>): void {
  const g = row.graph;
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const lines = row.response.split('\n');
  expect(lines[0]).toBe('<think>');
  expect(lines.slice(-4, -2)).toEqual(['</think>', '<answer>']);
  expect(lines[lines.length - 1]).toBe('</answer>');
  expect(row.response.match(/\\boxed\{/g)).toHaveLength(1);
  expect(/\\boxed\{([^}]*)\}/.exec(row.response)![1]).toBe(row.answer);
  expect(/^<think>.*?<\/think>\s*<answer>.*?<\/answer>$/ms.test(row.response)).toBe(true);
  expect(/(-?\d+)\.?$/.exec(lines[lines.length - 5])![1]).toBe(row.answer); // CLOSE line
  const steps = lines.filter((l) => l.startsWith('- '));
  expect(steps).toHaveLength(g.topo.length);
  const letterOf = new Map<string, string>();
  steps.forEach((line, i) => {
    const n = byName.get(g.topo[i])!;
    const shown = row.surface === 'english' ? n.name : n.name.slice('each '.length);
    expect(line).toContain(shown);
    const m = /(?:^|\s)([A-Za-z]) = (.+)\.$/.exec(line);
    expect(m, line).not.toBeNull();
    const v = m![1];
    expect([...letterOf.values()]).not.toContain(v);
    letterOf.set(n.name, v);
    const parts = m![2].split(' = ');
    const last = Number(parts[parts.length - 1]);
    expect(last).toBe(val.get(n.name));
    if (n.parents.length === 0) {
      expect(parts).toEqual([String(n.value)]);
      return;
    }
    // SYM: the parents' letters in stored operand order; SUBST: their values; the value follows
    const sym = parts[0];
    const symLetters = sym.match(/\b[A-Za-z]\b/g) ?? [];
    expect(symLetters).toEqual(n.parents.map((p) => letterOf.get(p)));
    const subst = parts[1];
    let expected = sym;
    // replace letters by values, one token at a time, to rebuild SUBST from SYM
    expected = sym.replace(/\b[A-Za-z]\b/g, (l) => String(val.get([...letterOf.entries()].find(([, x]) => x === l)![0])));
    expect(subst).toBe(expected);
    expect(modOf(evalExpr(subst), g.modulus)).toBe(n.value);
    if (/^-?\d+$/.test(subst)) expect(parts).toHaveLength(2);
    else expect(parts).toHaveLength(3);
  });
}

// ---------------------------------------------------------------------------------------------------------------

const opsArb = fc.tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 8 })).map(([a, w]) => [a, Math.min(60, a + w)] as const);

for (const arith of ['exact', 'mod23'] as const) {
  describe(`generator properties, ${arith}`, () => {
    it(`holds every invariant over 500 seeds (random op ranges, force on/off, both surfaces)`, () => {
      fc.assert(
        fc.property(fc.integer(), opsArb, fc.boolean(), fc.constantFrom<Surface>('english', 'compact'), (seed, [minOps, maxOps], force, surface) => {
          const cfg = validateGenConfig({ minOps, maxOps, force, arith });
          const { graph, numOps, rng } = firstAccepted(cfg, seed);
          const row = vanillaRow(graph, numOps, 'p', rng, surface);
          checkProblem(row, cfg);
        }),
        { numRuns: 500, seed: arith === 'exact' ? 2026 : 23 },
      );
    });
    it('holds at the paper settings (op 15–20) over 300 more seeds, English', () => {
      const cfg = validateGenConfig({ minOps: 15, maxOps: 20, arith });
      for (let seed = 0; seed < 300; seed++) {
        const { graph, numOps, rng } = firstAccepted(cfg, seed * 7919 + 1);
        checkProblem(vanillaRow(graph, numOps, 'p', rng, 'english'), cfg);
      }
    });
  });
}

describe('generator determinism and options', () => {
  it('same seed and config give byte-identical problems', () => {
    const cfg = validateGenConfig({ minOps: 15, maxOps: 20 });
    for (const seed of [1, 2, 99]) {
      const a = firstAccepted(cfg, seed);
      const b = firstAccepted(cfg, seed);
      expect(JSON.stringify(vanillaRow(a.graph, a.numOps, 'x', a.rng, 'english'))).toBe(JSON.stringify(vanillaRow(b.graph, b.numOps, 'x', b.rng, 'english')));
    }
    expect(JSON.stringify(firstAccepted(cfg, 1).graph)).not.toBe(JSON.stringify(firstAccepted(cfg, 2).graph));
  });
  it('english and compact render the same graph with the same answer', () => {
    const cfg = validateGenConfig({ minOps: 15, maxOps: 20 });
    for (let seed = 0; seed < 50; seed++) {
      const { graph, numOps } = firstAccepted(cfg, seed);
      const e = vanillaRow(graph, numOps, 'x', new Rng(seed), 'english');
      const c = vanillaRow(graph, numOps, 'x', new Rng(seed), 'compact');
      expect(c.answer).toBe(e.answer);
      expect(solveFromText(c.query, 'compact', graph.layers, null).answer).toBe(solveFromText(e.query, 'english', graph.layers, null).answer);
      // the compact query is much shorter in word-level tokens (every name one token)
      const names = [...graph.layers.flatMap((l) => [l.category, ...l.items])].sort((a, b) => b.length - a.length);
      const tokens = (s: string): number => {
        let t = s;
        for (const n of names) t = t.split(n).join(' N ');
        return t.split(/\s+|(?=[.,?'()=+*-])|(?<=[.,?'()=+*-])/).filter((x) => x.trim() !== '').length;
      };
      expect(tokens(c.query)).toBeLessThan(0.75 * tokens(e.query));
    }
  });
  it('zero-answer rule: on by default iff minOps > 20, and rejects zeros at about 0.6', () => {
    expect(validateGenConfig({ minOps: 21, maxOps: 25 }).reduceZeroAnswer).toBe(true);
    expect(validateGenConfig({ minOps: 20, maxOps: 20, force: true }).reduceZeroAnswer).toBe(false);
    const cfg = validateGenConfig({ minOps: 15, maxOps: 20, reduceZeroAnswer: true });
    const off = validateGenConfig({ minOps: 15, maxOps: 20 });
    const rng = new Rng(5);
    const rngOff = new Rng(5);
    let zeroRej = 0, zerosOn = 0, zerosOff = 0, okOn = 0, okOff = 0;
    for (let i = 0; i < 6000; i++) {
      const r = drawProblem(cfg, rng);
      if (!r.ok && r.reason === 'zero') zeroRej++;
      if (r.ok) okOn++, (zerosOn += r.graph.nodes[r.graph.topo.length - 1].value === 0 ? 1 : 0);
      const s = drawProblem(off, rngOff);
      if (s.ok) okOff++, (zerosOff += s.graph.nodes[s.graph.topo.length - 1].value === 0 ? 1 : 0);
    }
    const rejShare = zeroRej / (zeroRej + zerosOn);
    expect(rejShare).toBeGreaterThan(0.5);
    expect(rejShare).toBeLessThan(0.7);
    expect(zerosOn / okOn).toBeLessThan(zerosOff / okOff);
  });
  it('redundantQuery off: no distractors, and the structure keeps only stated edges', () => {
    const cfg = validateGenConfig({ minOps: 10, maxOps: 15, redundantQuery: false });
    for (let seed = 0; seed < 100; seed++) {
      const { graph, numOps, rng } = firstAccepted(cfg, seed);
      expect(graph.redundant).toEqual([]);
      checkProblem(vanillaRow(graph, numOps, 'p', rng, 'english'), cfg);
    }
  });
  it('shuffleQuery off keeps the topo order of the conditions', () => {
    const cfg = validateGenConfig({ minOps: 15, maxOps: 20 });
    const { graph, numOps } = firstAccepted(cfg, 3);
    const row = vanillaRow(graph, numOps, 'p', new Rng(1), 'english', false);
    const stated = parseQuery(row.query, 'english').lines.slice(0, -1).map((l) => /^The number of (.+?) equals/.exec(l)![1]);
    expect(stated).toEqual(graph.nodes.filter((n) => n.kind === 'instance').map((n) => n.name));
  });
});

describe('generator config validation', () => {
  const bad: [Partial<GenConfig>, RegExp][] = [
    [{ minOps: 21, maxOps: 20 }, /minOps.*≤ maxOps/],
    [{ minOps: 0 }, /minOps must be an integer in \[1, 60\]/],
    [{ maxOps: 61 }, /maxOps must be an integer in \[1, 60\]/],
    [{ minOps: 2.5 }, /minOps must be an integer/],
    [{ arith: 'mod7' as never }, /arith must be one of exact, mod23/],
    [{ maxInstanceParams: 21 }, /maxInstanceParams must be an integer in \[12, 20\]/],
    [{ zeroRejectProb: 2 }, /zeroRejectProb must be a number in \[0, 1\]/],
    [{ nope: 1 } as never, /unknown config field.*nope/],
  ];
  for (const [c, re] of bad) it(`rejects ${JSON.stringify(c)} with one clear line`, () => {
    expect(() => validateGenConfig(c)).toThrow(re);
    try {
      validateGenConfig(c);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });
  it('fills the paper defaults', () => {
    expect(validateGenConfig({})).toMatchObject({ minOps: 15, maxOps: 20, force: false, arith: 'exact', maxSolution: 1000, maxAttempts: 50, maxInstanceParams: 20, reduceZeroAnswer: false });
  });
});

describe('independent checker self-test', () => {
  it('evalExpr handles precedence, parentheses and negative literals', () => {
    expect(evalExpr('2 + (12 - 4)')).toBe(10);
    expect(evalExpr('4 - -3')).toBe(7);
    expect(evalExpr('2 * (-5 - 3)')).toBe(-16);
    expect(evalExpr('-81 * 11 + 11 * 58')).toBe(-253);
  });
  it('the round-trip check catches a wrong stored answer and a tampered sentence', () => {
    const cfg = validateGenConfig({ minOps: 15, maxOps: 20 });
    const { graph, numOps, rng } = firstAccepted(cfg, 11);
    const row = vanillaRow(graph, numOps, 'p', rng, 'english');
    expect(() => checkProblem({ ...row, answer: String(Number(row.answer) + 1) }, cfg)).toThrow();
    const leaf = graph.nodes.find((n) => n.kind === 'instance' && n.parents.length === 0)!;
    const tampered = row.query.replace(`The number of ${leaf.name} equals ${leaf.constant}.`, `The number of ${leaf.name} equals ${(leaf.constant! + 1) % 10}.`);
    expect(tampered).not.toBe(row.query);
    expect(() => checkProblem({ ...row, query: tampered }, cfg)).toThrow();
  });
});
