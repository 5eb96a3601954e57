// Rendering, equations and the CoT writer on the hand-checked worked example of docs/igsm-generator.md (generated
// graphs are covered in igsm-generate).
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.js';
import { exampleGraph } from '../src/igsm/example.js';
import { evalNode, substitutedEquation, symbolicEquation } from '../src/igsm/expr.js';
import { canonicalQueryKey, conditionSentence, queryRhs, questionSentence, renderQuery } from '../src/igsm/render.js';
import { PHRASES, fillPhrase, joinNames, phraseRegex, splitNames, vanillaSteps, writeAnswer, type CotStep } from '../src/igsm/cot.js';
import type { GraphNode } from '../src/igsm/types.js';
import { scoreTerse, terseSolution } from '../src/igsm/terse.js';

const g = exampleGraph();
const byName = new Map(g.nodes.map((n) => [n.name, n]));
const nd = (short: string): GraphNode => g.nodes.find((n) => n.name.endsWith(short))!;
const letters: Record<string, string> = {
  "each Red Crate's Kiwi": 'K', "each Blue Crate's Mango": 'M', "each Blue Crate's Kiwi": 'B',
  "each Blue Crate's Fruit": 'T', "each Red Crate's Mango": 'R',
};
const valueOf = (n: string): number => byName.get(n)!.value;

describe('expr', () => {
  it('formats symbolic and substituted equations as in the worked example', () => {
    expect(symbolicEquation(nd("Blue Crate's Kiwi"), (n) => letters[n])).toBe('2 + (M - K)');
    expect(substitutedEquation(nd("Blue Crate's Kiwi"), valueOf)).toBe('2 + (12 - 4)');
    expect(symbolicEquation(nd("Blue Crate's Mango"), (n) => letters[n])).toBe('3 * K');
    expect(symbolicEquation(nd("Red Crate's Kiwi"), (n) => letters[n])).toBe('4');
    expect(symbolicEquation(nd("Blue Crate's Fruit"), (n) => letters[n])).toBe('M + B');
  });
  it('writes negative values with a bare minus sign', () => {
    const n: GraphNode = { ...nd("Blue Crate's Kiwi"), constOp: '*' };
    expect(substitutedEquation(n, (p) => (p.includes('Mango') ? -5 : 3))).toBe('2 * (-5 - 3)');
    const d: GraphNode = { ...n, constant: null, constOp: null };
    expect(substitutedEquation(d, (p) => (p.includes('Mango') ? 4 : -3))).toBe('4 - -3');
  });
  it('evaluates every example node to its stored value, and reduces mod 23', () => {
    for (const n of g.nodes) expect(evalNode(n, valueOf, null)).toBe(n.value);
    const d: GraphNode = { ...nd("Blue Crate's Kiwi"), constant: null, constOp: null };
    expect(evalNode(d, (p) => (p.includes('Mango') ? 4 : 9), 23)).toBe(18);
    const sop: GraphNode = { ...nd("Blue Crate's Fruit"), level: 2, combine: 'sumOfProducts', parents: ['a', 'b', 'c', 'd'] };
    expect(evalNode(sop, (p) => ({ a: 2, b: 3, c: 4, d: 5 })[p]!, null)).toBe(26);
    expect(symbolicEquation(sop, (p) => p.toUpperCase())).toBe('A * B + C * D');
  });
  it('returns NaN when a product leaves the safe-integer range', () => {
    const sop: GraphNode = { ...nd("Blue Crate's Fruit"), level: 2, combine: 'sumOfProducts', parents: ['a', 'b'] };
    expect(evalNode(sop, () => 2 ** 40, null)).toBeNaN();
  });
});

describe('render', () => {
  it('states each condition exactly in the query grammar', () => {
    expect(conditionSentence(nd("Blue Crate's Kiwi"), 'english')).toBe(
      "The number of each Blue Crate's Kiwi equals 2 more than the difference of each Blue Crate's Mango and each Red Crate's Kiwi");
    expect(conditionSentence(nd("Red Crate's Mango"), 'english')).toBe(
      "The number of each Red Crate's Mango equals the sum of each Blue Crate's Kiwi and each Red Crate's Kiwi");
    expect(conditionSentence(nd("Red Crate's Kiwi"), 'english')).toBe("The number of each Red Crate's Kiwi equals 4");
    expect(conditionSentence(nd("Blue Crate's Mango"), 'english')).toBe(
      "The number of each Blue Crate's Mango equals 3 times each Red Crate's Kiwi");
    expect(questionSentence(nd("Blue Crate's Fruit"), 'english')).toBe('How many Fruit does each Blue Crate have?');
  });
  it('covers the 3- and 4-parent sums and the compact surface', () => {
    const three: GraphNode = { ...nd("Red Crate's Mango"), parents: ['each A\'s X', 'each B\'s Y', 'each C\'s Z'], constant: 5, constOp: '*' };
    expect(queryRhs(three, 'english')).toBe("5 times the sum of each A's X, each B's Y and each C's Z");
    expect(queryRhs(three, 'compact')).toBe("5 * (A's X + B's Y + C's Z)");
    const four: GraphNode = { ...three, parents: [...three.parents, "each D's W"], constant: null, constOp: null };
    expect(queryRhs(four, 'english')).toBe("the sum of each A's X, each B's Y, each C's Z and each D's W");
    expect(conditionSentence(nd("Blue Crate's Kiwi"), 'compact')).toBe("Blue Crate's Kiwi = 2 + (Blue Crate's Mango - Red Crate's Kiwi)");
    expect(questionSentence(nd("Blue Crate's Fruit"), 'compact')).toBe("Blue Crate's Fruit = ?");
    expect(() => queryRhs(nd("Blue Crate's Fruit"), 'english')).toThrow(/abstract/);
  });
  it('assembles shuffled lines with ".\\n", the question last and no trailing newline', () => {
    const q = renderQuery(g, new Rng(1), 'english');
    const lines = q.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('How many Fruit does each Blue Crate have?');
    for (const l of lines.slice(0, 4)) expect(l).toMatch(/^The number of each .+ equals .+\.$/);
    expect(q.endsWith('?')).toBe(true);
    const unshuffled = renderQuery(g, new Rng(1), 'english', { shuffle: false });
    expect(canonicalQueryKey(q, 'english')).toBe(canonicalQueryKey(unshuffled, 'english'));
    // some seed must produce a different order: the shuffle is real
    const orders = new Set(Array.from({ length: 20 }, (_, s) => renderQuery(g, new Rng(s), 'english')));
    expect(orders.size).toBeGreaterThan(1);
    const c = renderQuery(g, new Rng(1), 'compact').split('\n');
    expect(c[4]).toBe("Blue Crate's Fruit = ?");
    expect(c).toContain("Red Crate's Kiwi = 4");
  });
});

describe('cot', () => {
  it('every phrasing fills cleanly and its regex parses it back', () => {
    const vars = { name: "each Blue Crate's Kiwi", value: '-12', v: 'q', rhs: '2 more than each X\'s Y', eq: 'q = 3 * K = 3 * 4 = 12',
      names: "each A's B, each C's D and each E's F", answer: '-7' };
    for (const surface of ['english', 'compact'] as const) {
      for (const [slot, list] of Object.entries(PHRASES[surface])) {
        expect(list.length, `${surface}.${slot}`).toBeGreaterThanOrEqual(1);
        if (surface === 'english' && !['open', 'close', 'boxed'].includes(slot)) expect(list.length, slot).toBeGreaterThanOrEqual(2);
        for (const t of list) {
          const text = fillPhrase(t, vars);
          const m = new RegExp('^' + phraseRegex(t, { v: '[A-Za-z]', value: '-?\\d+', answer: '-?\\d+' }) + '$').exec(text);
          expect(m, `${surface}.${slot}: ${t}`).not.toBeNull();
          for (const [k, val] of Object.entries(m!.groups ?? {})) expect(val).toBe(vars[k as keyof typeof vars]);
        }
      }
    }
    expect(fillPhrase(PHRASES.english.boxed[0], { answer: '-7' })).toContain('\\boxed{-7}');
  });
  it('joins and splits name lists', () => {
    const ns = ["each A's B", "each C's D", "each E's F"];
    for (const s of ['english', 'compact'] as const) {
      for (let k = 1; k <= 3; k++) expect(splitNames(joinNames(ns.slice(0, k), s), s)).toEqual(ns.slice(0, k));
    }
    expect(joinNames(ns, 'english')).toBe("each A's B, each C's D and each E's F");
  });
  it('writes the vanilla answer skeleton with equations, letters and the boxed tail', () => {
    const text = writeAnswer(g, vanillaSteps(g), new Rng(7), 'english');
    const lines = text.split('\n');
    expect(lines[0]).toBe('<think>');
    expect(lines[1]).toBe(PHRASES.english.open[0]);
    expect(lines.slice(2, 6).every((l) => l.startsWith('- '))).toBe(true);
    expect(lines.slice(-4)).toEqual(['</think>', '<answer>', 'The final answer is \\boxed{22}.', '</answer>']);
    expect(lines[6]).toBe('So the answer to the question is 22.');
    expect(text.match(/\\boxed\{/g)).toHaveLength(1);
    expect(/^<think>.*?<\/think>\s*<answer>.*?<\/answer>$/sm.test(text)).toBe(true);
    // letters: the leaf's letter is reused in the later equations
    const leaf = /(?:Hence|So|Therefore) ([A-Za-z]) = 4\./.exec(lines[2]);
    expect(leaf).not.toBeNull();
    const k = leaf![1];
    const m = new RegExp(`([A-Za-z]) = 3 \\* ${k} = 3 \\* 4 = 12\\.$`).exec(lines[3]);
    expect(m).not.toBeNull();
    expect(lines[4]).toMatch(new RegExp(`([A-Za-z]) = 2 \\+ \\(${m![1]} - ${k}\\) = 2 \\+ \\(12 - 4\\) = 10\\.$`));
    expect(lines[5]).toMatch(/ = 12 \+ 10 = 22\.$/);
    expect(text.endsWith('</answer>')).toBe(true);
  });
  it('is deterministic per seed and varies phrasing across seeds', () => {
    const a = writeAnswer(g, vanillaSteps(g), new Rng(3), 'english');
    expect(writeAnswer(g, vanillaSteps(g), new Rng(3), 'english')).toBe(a);
    const all = new Set(Array.from({ length: 30 }, (_, s) => writeAnswer(g, vanillaSteps(g), new Rng(s), 'english')));
    expect(all.size).toBeGreaterThan(20);
  });
  it('writes locked, revisit, analysis and chain steps, and refuses false ones', () => {
    const [K, M, B, T] = g.topo;
    const steps: CotStep[] = [
      { node: K, mode: 'compute', revisit: false, analysis: false },
      { node: T, mode: 'locked', revisit: false, analysis: false },
      { node: M, mode: 'compute', revisit: false, analysis: true },
      { node: B, mode: 'compute', revisit: false, analysis: true, chain: ['2 + 8', '10'] },
      { node: T, mode: 'compute', revisit: true, analysis: false },
    ];
    const text = writeAnswer(g, steps, new Rng(11), 'english');
    const lines = text.split('\n');
    expect(lines[3]).toMatch(/needs the number of each Blue Crate's Mango and each Blue Crate's Kiwi, which are not known yet|still unknown|do not have yet/);
    expect(lines[4]).toContain('equals 3 times each Red Crate\'s Kiwi.');
    expect(lines[5]).toContain('= 2 + (12 - 4) = 2 + 8 = 10.');
    expect(lines[6]).toMatch(/We already called this|already has the letter/);
    const compact = writeAnswer(g, steps, new Rng(11), 'compact');
    expect(compact.split('\n')[3]).toMatch(/waits for Blue Crate's Mango, Blue Crate's Kiwi\.$/);
    expect(compact.split('\n')[4]).toContain("rule 3 * Red Crate's Kiwi.");
    expect(compact).toMatch(/\\boxed\{22\}\n<\/answer>$/);

    expect(() => writeAnswer(g, [{ node: B, mode: 'compute', revisit: false, analysis: false }], new Rng(1), 'english')).toThrow(/before its parent/);
    expect(() => writeAnswer(g, [steps[0], { node: M, mode: 'locked', revisit: false, analysis: false }], new Rng(1), 'english')).toThrow(/locked claim/);
    expect(() => writeAnswer(g, [{ node: T, mode: 'compute', revisit: true, analysis: false }], new Rng(1), 'english')).toThrow(/revisit/);
    expect(() => writeAnswer(g, [{ node: K, mode: 'compute', revisit: false, analysis: true }], new Rng(1), 'english')).toThrow(/analysis/);
    expect(() => writeAnswer(g, [steps[0], { ...steps[1], unsolved: [M] }], new Rng(1), 'english')).toThrow(/exactly/);
    expect(() => writeAnswer(g, steps.slice(0, 3), new Rng(1), 'english')).toThrow(/never solve/);
  });
  it('stops a copy node chain at SUBST (v = w = 5)', () => {
    const copy: GraphNode = { ...nd("Red Crate's Mango"), parents: ["each Red Crate's Kiwi"], value: 4 };
    const g2 = { ...g, nodes: g.nodes.map((n) => (n.name === copy.name ? copy : n)) };
    const steps: CotStep[] = [...vanillaSteps(g2), { node: copy.name, mode: 'compute', revisit: false, analysis: false }];
    const text = writeAnswer(g2, steps, new Rng(5), 'english');
    expect(text.split('\n')[6]).toMatch(/([A-Za-z]) = ([A-Za-z]) = 4\.$/);
  });
});

describe('scoreTerse', () => {
  const graph = g;
  it('scores the canonical solution as exact, correct, every line good', () => {
    const sol = terseSolution(graph, 'compact');
    const s = scoreTerse(graph, 'compact', sol);
    expect(s).toEqual({ correct: true, lines: graph.topo.length, goodLines: graph.topo.length, exact: true });
  });
  it('counts a wrong line, a repeated line and a wrong result', () => {
    const lines = terseSolution(graph, 'compact').split('\n');
    const steps = lines.slice(1, -1);
    const bad = [lines[0], steps[0], steps[0], 'Nowhere = 3', ...steps.slice(1), 'result 999'].join('\n');
    const s = scoreTerse(graph, 'compact', bad);
    expect(s.correct).toBe(false);
    expect(s.exact).toBe(false);
    expect(s.lines).toBe(steps.length + 2);
    expect(s.goodLines).toBe(steps.length);
  });
  it('named lines spell out the parents and score only in their own form', () => {
    const values = terseSolution(graph, 'compact').split('\n');
    const named = terseSolution(graph, 'compact', 'named').split('\n');
    expect(named.length).toBe(values.length);
    expect(named.at(-1)).toBe(values.at(-1));
    const byName = new Map(graph.nodes.map((n) => [n.name, n]));
    graph.topo.forEach((name, i) => {
      const node = byName.get(name)!;
      const line = named[i + 1];
      // the line names every parent (compact form) and ends with the value the values form states
      for (const p of node.parents) expect(line).toContain(p.replace(/^each /, ''));
      expect(line.split(' = ').at(-1)).toBe(values[i + 1].split(' = ').at(-1));
      expect(line.startsWith(values[i + 1].split(' = ')[0] + ' = ')).toBe(true);
      if (node.parents.length === 0) expect(line).toBe(values[i + 1]);
    });
    const s = scoreTerse(graph, 'compact', named.join('\n'), 'named');
    expect(s).toEqual({ correct: true, lines: graph.topo.length, goodLines: graph.topo.length, exact: true });
    // a values-form solution is not a named-form one: lines of nodes with parents no longer count
    const withParents = graph.topo.filter((n) => byName.get(n)!.parents.length > 0).length;
    expect(withParents).toBeGreaterThan(0);
    expect(scoreTerse(graph, 'compact', values.join('\n'), 'named').goodLines).toBe(graph.topo.length - withParents);
  });
  it('without a result line the chain is not correct', () => {
    const sol = terseSolution(graph, 'compact').split('\n').slice(0, -1).join('\n');
    expect(scoreTerse(graph, 'compact', sol).correct).toBe(false);
  });
});
