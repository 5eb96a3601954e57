// Behaviour injection, baselines and the verifier on real iGSM problems, both surfaces.
import { describe, expect, it } from 'vitest';
import { vanillaSteps } from '../src/igsm/cot.js';
import { exampleGraph } from '../src/igsm/example.js';
import { lineSeparator } from '../src/igsm/render.js';
import type { ProblemRow, Surface } from '../src/igsm/types.js';
import { hasAlternativeOrder, isTopologicalOrder } from '../src/inject/baselines.js';
import { planAnswer, reflectionWalk } from '../src/inject/behaviours.js';
import { computeTrace, detectSurface, igsmFormat, igsmGraph, verifyAnswer, writeSteps, writeStepsUnchecked } from '../src/inject/igsm.js';
import { injectRow, variantFn } from '../src/inject/inject.js';
import { generateSplit } from '../src/igsm/dataset.js';
import { validateGenConfig } from '../src/igsm/generate.js';
import { seededStream } from '../src/inject/streams.js';
import { VARIANT_NAMES, resolveVariant } from '../src/inject/variants.js';
import type { Step } from '../src/inject/graph.js';
import type { Rng } from '../src/rng.js';
import {
  checkBadRecall,
  checkChangedValue,
  checkFalseLockedClaim,
  checkSwappedSteps,
  checkWrongFinalAnswer,
  checkWalk,
  checkWrongUnknowns,
  type TaskCase,
} from './inject-fixtures.js';
import { baseRows } from './inject-rows.js';

const SURFACES: readonly Surface[] = ['english', 'compact'];

// ≥ 500 problems per surface: mostly small (fast), 100 at the paper's op 15–20, 60 in modular mode
const problemCache = new Map<Surface, ProblemRow[]>();
function problems(surface: Surface): ProblemRow[] {
  let rows = problemCache.get(surface);
  if (rows === undefined) {
    rows = [
      ...baseRows(360, { minOps: 3, maxOps: 10 }, surface, 1),
      ...baseRows(100, { minOps: 15, maxOps: 20 }, surface, 2),
      ...baseRows(60, { minOps: 5, maxOps: 14, arith: 'mod23' }, surface, 3),
    ];
    problemCache.set(surface, rows);
  }
  return rows;
}

function boxed(text: string): string | null {
  return /\\boxed\{([^}]*)\}/.exec(text)?.[1] ?? null;
}

/** The nodes an answer computes, in the order it computes them. */
function computedOrder(row: ProblemRow): string[] {
  const format = igsmFormat(row.graph, row.surface);
  return format
    .parse(row.response)
    .steps.filter((c) => c.locked === undefined)
    .map((c) => format.resolve(c.name) ?? '?');
}

describe('every variant of every problem verifies (≥ 500 problems per variant and surface)', () => {
  for (const surface of SURFACES) {
    for (const variant of VARIANT_NAMES) {
      it(`${variant}, ${surface}`, () => {
        const spec = resolveVariant(variant);
        const base = problems(surface);
        expect(base.length).toBeGreaterThanOrEqual(500);
        let answers = 0;
        for (const row of base) {
          const out = injectRow(row, spec, seededStream(7, row.id));
          expect(out.length).toBe(spec.k);
          const verified = new Set<string>(); // pp-aug rows share one answer text: verify each distinct text once
          for (const r of out) {
            if (!verified.has(r.response)) {
              const v = verifyAnswer(r.graph, r.response, { surface, requireSubgoal: spec.knobs.subgoal });
              if (!v.ok) expect.fail(`${variant} ${r.id}: line ${v.firstBadLine} ${v.kind}: ${v.reason}\n${r.response}`);
              verified.add(r.response);
            }
            // injection never changes the question (except pp-aug's order) or the final answer
            if (spec.kind !== 'pp-aug') expect(r.query).toBe(row.query);
            expect(r.answer).toBe(row.answer);
            expect(boxed(r.response)).toBe(row.answer);
            expect(r.graph).toBe(row.graph);
            expect(r.variant).toBe(variant);
            expect(r.trace).toBeDefined();
            expect(r.trace!.chars).toBe(r.response.length);
            answers++;
          }
        }
        expect(answers).toBe(base.length * spec.k);
      });
    }
  }
});

describe('explicit overrides verify too', () => {
  const custom: [string, Parameters<typeof resolveVariant>[1]][] = [
    ['bridge', { reflect: 0.5, analysis: 4 }],
    ['explore', { reflect: 1 }],
    ['vanilla', { analysis: 1, subgoal: true }],
  ];
  for (const surface of SURFACES) {
    for (const [name, overrides] of custom) {
      const spec = resolveVariant(name, overrides);
      it(`${spec.name}, ${surface}`, () => {
        for (const row of problems(surface)) {
          const [r] = injectRow(row, spec, seededStream(8, row.id));
          const v = verifyAnswer(r.graph, r.response, { surface, requireSubgoal: spec.knobs.subgoal });
          if (!v.ok) expect.fail(`${spec.name} ${r.id}: line ${v.firstBadLine} ${v.kind}: ${v.reason}\n${r.response}`);
          expect(r.variant).toBe(spec.name);
          expect(boxed(r.response)).toBe(row.answer);
        }
      });
    }
  }
});

describe('behaviours on iGSM', () => {
  it('the reflection walk keeps invariants 17 and 20–22 for p in {0.1, 0.5, 1}', () => {
    for (const row of problems('english')) {
      const g = igsmGraph(row.graph, 'english');
      for (const p of [0.1, 0.5, 1]) checkWalk(g, reflectionWalk(g, p, seededStream(9, `${row.id}:${p}`)));
    }
  });

  it('vanilla knobs reproduce the vanilla steps; bridge knobs are the paper settings', () => {
    for (const row of problems('english').slice(0, 50)) {
      const steps = planAnswer(igsmGraph(row.graph, 'english'), resolveVariant('vanilla').knobs, seededStream(1, row.id));
      expect(steps.map(({ node, mode, revisit, analysis }) => ({ node, mode, revisit, analysis }))).toEqual(vanillaSteps(row.graph));
    }
    expect(resolveVariant('bridge').knobs).toEqual({ reflect: 0.1, analysis: 2, subgoal: true });
  });

  it('traces count what the plan put in (and vanilla answers count zeros)', () => {
    for (const row of problems('english').slice(0, 200)) {
      const g = igsmGraph(row.graph, 'english');
      const steps = planAnswer(g, { reflect: 0.3, analysis: 3, subgoal: true }, seededStream(2, row.id));
      const text = writeSteps(row.graph, steps, seededStream(3, row.id), 'english');
      const t = computeTrace(text, row.graph);
      expect(t.steps).toBe(steps.length);
      expect(t.lockedSteps).toBe(steps.filter((s) => s.mode === 'locked').length);
      expect(t.revisits).toBe(steps.filter((s) => s.revisit).length);
      expect(t.analysisSentences).toBe(steps.filter((s) => s.analysis).length);
      expect(t.redundantComputed).toBe(steps.filter((s) => s.mode === 'compute' && row.graph.redundant.includes(s.node)).length);
      expect(t.subgoalSteps).toBe(steps.reduce((a, s) => a + Math.max(0, (s.chain?.length ?? 0) - 1), 0));
      expect(t.reflections).toBeLessThanOrEqual(steps.filter((s) => s.reflection).length);
      const v = computeTrace(row.response, row.graph);
      expect(v).toMatchObject({ reflections: 0, lockedSteps: 0, revisits: 0, analysisSentences: 0, subgoalSteps: 0, steps: row.graph.topo.length });
    }
  });

  it('detects the surface and verifies completions that followed "<think>"', () => {
    for (const surface of SURFACES) {
      const row = problems(surface)[0];
      expect(detectSurface(row.response)).toBe(surface);
      expect(verifyAnswer(row.graph, row.response.slice('<think>'.length), { completion: true }).ok).toBe(true);
    }
  });

  it('injectRow refuses rows that are not base (vanilla) rows', () => {
    const row = problems('english')[0];
    const bridged = injectRow(row, resolveVariant('bridge'), seededStream(1, row.id))[0];
    expect(() => injectRow(bridged, resolveVariant('rc-aug'), seededStream(1, row.id))).toThrow(/base \(vanilla\) rows/);
  });
});

describe('baselines', () => {
  it('pp-aug: k queries with the same lines, question last, identical answer text', () => {
    let reordered = 0;
    for (const surface of SURFACES) {
      const sep = lineSeparator(surface);
      for (const row of problems(surface)) {
        const out = injectRow(row, resolveVariant('pp-aug'), seededStream(4, row.id));
        expect(out.map((r) => r.id)).toEqual([0, 1, 2, 3].map((i) => `${row.id}-pp${i}`));
        expect(out[0].query).toBe(row.query);
        const lines = row.query.split(sep);
        const question = lines.pop();
        for (const r of out) {
          expect(r.response).toBe(row.response);
          expect(r.baseProblemId).toBe(row.id);
          const ls = r.query.split(sep);
          expect(ls.pop()).toBe(question);
          expect(ls.slice().sort()).toEqual(lines.slice().sort());
          if (r.query !== row.query) reordered++;
        }
      }
    }
    expect(reordered).toBeGreaterThan(0.9 * 3 * 2 * problems('english').length);
  });

  it('pp-aug honours k', () => {
    const row = problems('english')[5];
    expect(injectRow(row, resolveVariant('pp-aug', { k: 1 }), seededStream(1, row.id))).toHaveLength(1);
    expect(injectRow(row, resolveVariant('rc-aug', { k: 7 }), seededStream(1, row.id))).toHaveLength(7);
  });

  it('rc-aug: valid topological orders, question last, different from the original where the graph allows', () => {
    let alternatives = 0;
    let unique = 0;
    for (const surface of SURFACES) {
      for (const row of problems(surface)) {
        const g = igsmGraph(row.graph, surface);
        const out = injectRow(row, resolveVariant('rc-aug'), seededStream(5, row.id));
        expect(out[0].response).toBe(row.response);
        expect(computedOrder(out[0])).toEqual(row.graph.topo);
        for (const r of out.slice(1)) {
          const order = computedOrder(r);
          expect(isTopologicalOrder(g, order)).toBe(true);
          expect(order[order.length - 1]).toBe(row.graph.question);
          if (hasAlternativeOrder(g)) {
            expect(order).not.toEqual(row.graph.topo);
            alternatives++;
          } else {
            expect(order).toEqual(row.graph.topo);
            unique++;
          }
        }
      }
    }
    // both cases occur: small problems are often chains with a single order
    expect(alternatives).toBeGreaterThan(1000);
    expect(unique).toBeGreaterThan(0);
  });
});

function igsmCase(row: ProblemRow, seed: number): TaskCase {
  const { graph, surface } = row;
  const g = igsmGraph(graph, surface);
  return {
    label: `${row.id} (${surface})`,
    g,
    // the real writer for true steps; it refuses false ones, which the mutation checks render with the same phrasings
    render: (steps: readonly Step[], rng: Rng) => {
      try {
        return writeSteps(graph, steps, rng, surface);
      } catch {
        return writeStepsUnchecked(graph, steps, rng, surface);
      }
    },
    verify: (text, opts) => verifyAnswer(graph, text, { ...opts, surface }),
    plan: (rng) => planAnswer(g, { reflect: 0.5, analysis: 4, subgoal: seed % 2 === 0 }, rng),
  };
}

describe('verifier mutation tests on iGSM (both surfaces)', () => {
  it('the unchecked writer (used for false steps) writes the same format as writeAnswer', () => {
    for (const surface of SURFACES) {
      for (const row of problems(surface).slice(0, 100)) {
        const tc = igsmCase(row, 0);
        const text = writeStepsUnchecked(row.graph, tc.plan(seededStream(1, row.id)), seededStream(2, row.id), surface);
        expect(verifyAnswer(row.graph, text).ok).toBe(true);
      }
    }
  });

  for (const surface of SURFACES) {
    it(`changed value, false locked claim, wrong unknowns, swapped steps, wrong final answer, bad recall — ${surface}`, () => {
      const counts = { value: 0, locked: 0, unknowns: 0, swap: 0, final: 0, recall: 0 };
      const rows = problems(surface).filter((r) => r.graph.topo.length >= 4);
      for (let i = 0; i < Math.min(rows.length, 250); i++) {
        const tc = igsmCase(rows[i], i);
        const rng = seededStream(i, `mutate:${surface}`);
        if (checkChangedValue(tc, rng)) counts.value++;
        if (checkFalseLockedClaim(tc, rng)) counts.locked++;
        if (checkWrongUnknowns(tc, rng)) counts.unknowns++;
        if (checkSwappedSteps(tc, rng)) counts.swap++;
        if (checkWrongFinalAnswer(tc, rng)) counts.final++;
        if (checkBadRecall(tc, rng)) counts.recall++;
      }
      for (const [k, n] of Object.entries(counts)) expect(n, k).toBeGreaterThan(40);
    });
  }

  it('rejects a symbolic equation that uses a letter of an unsolved or unknown node, and a wrong analysis', () => {
    const graph = exampleGraph();
    const good = writeSteps(graph, vanillaSteps(graph), seededStream(1), 'english');
    expect(verifyAnswer(graph, good).ok).toBe(true);
    const lines = good.split('\n');
    // line 5 computes B = 2 + (M - K): point it at a letter that names nothing
    const bLine = lines.findIndex((l) => l.includes("each Blue Crate's Kiwi"));
    const m = /(\w) = 2 \+ \((\w) - (\w)\)/.exec(lines[bLine])!;
    const mutated = lines.slice();
    const unused = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('').find((c) => !good.includes(` ${c} `) && !good.includes(` ${c}.`))!;
    mutated[bLine] = lines[bLine].replace(m[0], `${m[1]} = 2 + (${unused} - ${m[3]})`);
    expect(verifyAnswer(graph, mutated.join('\n'))).toMatchObject({ ok: false, kind: 'unknown-variable', firstBadLine: bLine + 1 });
    // operands swapped: not the node's equation
    mutated[bLine] = lines[bLine].replace(m[0], `${m[1]} = 2 + (${m[3]} - ${m[2]})`);
    expect(verifyAnswer(graph, mutated.join('\n'))).toMatchObject({ ok: false, kind: 'equation', firstBadLine: bLine + 1 });
    // an analysis sentence that does not restate the condition verbatim
    const steps = vanillaSteps(graph).map((s) => (s.node === "each Blue Crate's Kiwi" ? { ...s, analysis: true } : s));
    const withAnalysis = writeSteps(graph, steps, seededStream(1), 'english');
    const rhs = '2 more than the difference of each Blue Crate\'s Mango and each Red Crate\'s Kiwi';
    expect(withAnalysis).toContain(rhs);
    const wrong = withAnalysis.replace(rhs, rhs.replace('2 more', '3 more'));
    expect(verifyAnswer(graph, wrong)).toMatchObject({ ok: false, kind: 'analysis' });
  });

  it('a locked sentence must name the same letter both times', () => {
    const graph = exampleGraph();
    const [K, M, B, T] = graph.topo;
    const steps: Step[] = [
      { node: K, mode: 'compute', revisit: false, analysis: false },
      { node: T, mode: 'locked', revisit: false, analysis: false, unsolved: [M, B] },
      { node: M, mode: 'compute', revisit: false, analysis: false },
      { node: B, mode: 'compute', revisit: false, analysis: false },
      { node: T, mode: 'compute', revisit: true, analysis: false },
    ];
    for (let seed = 0; seed < 12; seed++) {
      const text = writeSteps(graph, steps, seededStream(seed), 'english');
      expect(verifyAnswer(graph, text).ok).toBe(true);
      const lines = text.split('\n');
      const v = /(\w) = \w \+ \w = 12 \+ 10 = 22/.exec(text)![1];
      const other = v === 'z' ? 'y' : 'z';
      // the last stand-alone occurrence of the letter (not a letter inside a word or name)
      const hits = [...lines[3].matchAll(new RegExp(`(?<![A-Za-z'])${v}(?![A-Za-z'])`, 'g'))];
      expect(hits.length).toBeGreaterThanOrEqual(2);
      const at = hits[hits.length - 1].index!;
      lines[3] = `${lines[3].slice(0, at)}${other}${lines[3].slice(at + 1)}`;
      expect(verifyAnswer(graph, lines.join('\n'))).toMatchObject({ ok: false, kind: 'format', firstBadLine: 4 });
    }
  });

  it('rejects a subgoal step that does more or other than one operation', () => {
    const graph = exampleGraph();
    const steps = planAnswer(igsmGraph(graph, 'english'), { reflect: 0, analysis: 0, subgoal: true }, seededStream(1));
    const good = writeSteps(graph, steps, seededStream(1), 'english');
    expect(good).toContain('= 2 + (12 - 4) = 2 + 8 = 10');
    expect(verifyAnswer(graph, good.replace('= 2 + (12 - 4) = 2 + 8 = 10', '= 2 + (12 - 4) = 14 - 4 = 10'))).toMatchObject({ ok: false, kind: 'subgoal' });
    expect(verifyAnswer(graph, good.replace('= 2 + (12 - 4) = 2 + 8 = 10', '= 2 + (12 - 4) = 2 + 9 = 11'))).toMatchObject({ ok: false, kind: 'subgoal' });
    // the short form passes unless subgoal steps are required
    const short = good.replace('= 2 + (12 - 4) = 2 + 8 = 10', '= 2 + (12 - 4) = 10');
    expect(verifyAnswer(graph, short).ok).toBe(true);
    expect(verifyAnswer(graph, short, { requireSubgoal: true })).toMatchObject({ ok: false, kind: 'subgoal' });
  });

  it('never throws on arbitrary text, damaged answers or a broken graph', () => {
    const row = problems('english')[3];
    const samples = ['', '\n', '<think>', '<think>\n- x', row.response.slice(0, 200), row.response.replace(/\n/g, ' '), '\\boxed{', '- '.repeat(50)];
    for (const s of samples) {
      const v = verifyAnswer(row.graph, s);
      expect(v.ok).toBe(false);
      expect(v.kind).not.toBe('internal');
    }
    // each single line removed
    const lines = row.response.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const v = verifyAnswer(row.graph, [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n'));
      expect(v.ok).toBe(false);
      expect(v.kind).not.toBe('internal');
    }
    const broken = { ...row.graph, nodes: [] };
    expect(verifyAnswer(broken, row.response).ok).toBe(false);
  });
});

describe('variant validation', () => {
  it('names the flag and the allowed range in one line', () => {
    expect(() => resolveVariant('foo')).toThrow(/^--variant must be one of vanilla, bridge, .*pp-aug, rc-aug, got "foo"$/);
    expect(() => resolveVariant('bridge', { reflect: 1.5 })).toThrow(/^--reflect must be a number in \[0, 1\], got 1\.5$/);
    expect(() => resolveVariant('bridge', { reflect: -0.1 })).toThrow(/^--reflect must be a number in \[0, 1\]/);
    expect(() => resolveVariant('bridge', { reflect: Number.NaN })).toThrow(/^--reflect must be a number in \[0, 1\], got NaN$/);
    expect(() => resolveVariant('bridge', { analysis: 5 })).toThrow(/^--analysis must be an integer in 0–4, got 5$/);
    expect(() => resolveVariant('bridge', { analysis: 1.5 })).toThrow(/^--analysis must be an integer in 0–4/);
    expect(() => resolveVariant('pp-aug', { k: 0 })).toThrow(/^--k must be an integer ≥ 1, got 0$/);
    expect(() => resolveVariant('rc-aug', { reflect: 0.1 })).toThrow(/^--reflect does not apply to --variant rc-aug/);
    for (const bad of [() => resolveVariant('foo'), () => resolveVariant('bridge', { analysis: 9 })]) {
      try {
        bad();
      } catch (err) {
        expect(String((err as Error).message)).not.toContain('\n');
      }
    }
  });

  it('labels overridden variants by what changed', () => {
    expect(resolveVariant('bridge', { reflect: 0.2 }).name).toBe('bridge[reflect=0.2]');
    expect(resolveVariant('bridge', { reflect: 0.1 }).name).toBe('bridge');
    expect(resolveVariant('vanilla', { subgoal: true, analysis: 3 })).toMatchObject({
      name: 'vanilla[analysis=3,subgoal=on]',
      knobs: { reflect: 0, analysis: 3, subgoal: true },
    });
    expect(resolveVariant('rc-aug')).toMatchObject({ kind: 'rc-aug', k: 4 });
    expect(resolveVariant('explore').knobs).toEqual({ reflect: 0.1, analysis: 0, subgoal: false });
    expect(resolveVariant('exploit').knobs).toEqual({ reflect: 0, analysis: 2, subgoal: true });
  });
});

describe('generator hook', () => {
  it('variantFn plugs into generateSplit as its per-row variant', () => {
    const spec = resolveVariant('bridge');
    const gen = validateGenConfig({ minOps: 6, maxOps: 12 });
    const { rows } = generateSplit({ name: 'hook', n: 40, gen, seed: 5, surface: 'english' }, { variant: { name: spec.name, fn: variantFn(spec) } });
    expect(rows).toHaveLength(40);
    for (const r of rows) {
      expect(r.variant).toBe('bridge');
      expect(verifyAnswer(r.graph, r.response, { requireSubgoal: true }).ok).toBe(true);
    }
    const pp = generateSplit({ name: 'hook', n: 10, gen, seed: 5, surface: 'english' }, { variant: { name: 'pp-aug', fn: variantFn(resolveVariant('pp-aug')) } });
    expect(pp.rows).toHaveLength(40);
    expect(new Set(pp.rows.map((r) => r.baseProblemId)).size).toBe(10);
  });
});
