// The DAG drawing of notebook 01: every node drawn in its role's colour, explicit/implicit edges solid/dashed, and
// the output is well-formed SVG that a real SVG parser (resvg) renders.
import { describe, expect, it } from 'vitest';
import { generateSplit } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import type { ProblemGraph } from '../src/igsm/types';
import { svgToPNG } from '../src/report/charts';
import { DAG_COLORS, dagEdges, nodeRoles, problemGraphSVG } from '../src/notebook/dag';

function problem(seed: number, ops: [number, number] = [8, 12]) {
  const gen = validateGenConfig({ minOps: ops[0], maxOps: ops[1], force: false, arith: 'exact' });
  return generateSplit({ name: 'dag', n: 1, gen, seed, surface: 'english' }).rows[0];
}

/** Attribute-aware tag balance: every opened element closes, in order (a cheap XML well-formedness check). */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name);
  }
  return stack.length === 0;
}

const nodeGroups = (svg: string) => [...svg.matchAll(/<g class="dag-node dag-(\w+)" data-node="([^"]*)">(.*?)<\/g>/g)];
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('problemGraphSVG', () => {
  const row = problem(3);
  const g = row.graph;
  const svg = problemGraphSVG(row);

  it('draws every node once, in the colour of its role', () => {
    const groups = nodeGroups(svg);
    expect(groups.map((m) => unescape(m[2])).sort()).toEqual(g.nodes.map((n) => n.name).sort());
    const byName = new Map(g.nodes.map((n) => [n.name, n]));
    for (const [, role, name, body] of groups) {
      const n = byName.get(unescape(name))!;
      // the role follows from the graph alone: question → target, off its ancestry → redundant, no parents → leaf
      const want = n.name === g.question ? 'target' : !n.necessary ? 'redundant' : n.parents.length === 0 ? 'leaf' : 'intermediate';
      expect(role).toBe(want);
      const c = DAG_COLORS[role as keyof typeof DAG_COLORS];
      expect(body).toContain(`fill="${c.fill}"`);
      expect(body).toContain(`stroke="${c.stroke}"`);
    }
    expect(groups.filter((m) => m[1] === 'target')).toHaveLength(1);
  });

  it('covers all four roles on this seeded problem, with distinct colours', () => {
    const roles = new Set(nodeRoles(g).values());
    expect([...roles].sort()).toEqual(['intermediate', 'leaf', 'redundant', 'target']);
    expect(new Set(Object.values(DAG_COLORS).map((c) => c.stroke)).size).toBe(4);
  });

  it('draws one edge per distinct parent → child pair: solid when stated, dashed when implicit', () => {
    const edges = [...svg.matchAll(/<path class="dag-edge dag-(\w+)" data-from="([^"]*)" data-to="([^"]*)"[^>]*>/g)];
    const pairs = new Set(g.nodes.flatMap((n) => n.parents.map((p) => `${p} → ${n.name}`)));
    expect(edges).toHaveLength(pairs.size);
    expect(new Set(edges.map((e) => `${unescape(e[2])} → ${unescape(e[3])}`))).toEqual(pairs);
    const kindOf = new Map(g.nodes.map((n) => [n.name, n.kind]));
    for (const [tag, kind, , to] of edges) {
      expect(kind).toBe(kindOf.get(unescape(to)) === 'abstract' ? 'implicit' : 'explicit');
      if (kind === 'implicit') expect(tag).toContain('stroke-dasharray="6 4"');
      else expect(tag).not.toContain('stroke-dasharray');
    }
    expect(edges.some((e) => e[1] === 'implicit')).toBe(true);
    expect(edges.some((e) => e[1] === 'explicit')).toBe(true);
    expect(dagEdges(g)).toHaveLength(pairs.size);
  });

  it('is well-formed SVG that resvg renders, and the same graph gives the same bytes', async () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(balanced(svg)).toBe(true);
    const png = await svgToPNG(svg, 1);
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(5_000);
    expect(problemGraphSVG(row.graph)).toBe(svg);
  });

  it('escapes names, so markup characters in a name cannot break the SVG', async () => {
    const weird: ProblemGraph = {
      ...g,
      nodes: g.nodes.map((n) => ({ ...n, name: `${n.name} <&">`, parents: n.parents.map((p) => `${p} <&">`) })),
      question: `${g.question} <&">`,
      topo: g.topo.map((t) => `${t} <&">`),
      redundant: g.redundant.map((t) => `${t} <&">`),
    };
    const s = problemGraphSVG(weird);
    expect(s).not.toContain('<&"');
    expect(nodeGroups(s)).toHaveLength(g.nodes.length);
    expect(balanced(s)).toBe(true);
    await expect(svgToPNG(s, 1)).resolves.toBeInstanceOf(Uint8Array);
  });

  it('refuses a graph whose edge names a missing node, naming it', () => {
    const broken: ProblemGraph = { ...g, nodes: g.nodes.map((n, i) => (i === g.nodes.length - 1 ? { ...n, parents: ['no such node'] } : n)) };
    expect(() => problemGraphSVG(broken)).toThrow(/no such node/);
  });
});
