import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng';
import { drawProblem, validateGenConfig } from '../src/igsm/generate';
import { renderQuery } from '../src/igsm/render';
import { vanillaSteps, writeAnswer } from '../src/igsm/cot';
import { allNames } from '../src/igsm/hierarchy';
import { canonicalTokenizer } from '../src/text/vocab';
import type { Arith, ProblemRow, Surface } from '../src/igsm/types';
import { injectRow, resolveVariant } from '../src/inject';
import { terseSolution } from '../src/igsm/terse';

const CASES: [Arith, Surface][] = [
  ['exact', 'english'],
  ['exact', 'compact'],
  ['mod23', 'english'],
  ['mod23', 'compact'],
];

describe('canonical tokenizer', () => {
  it('is deterministic: two builds give the same vocabulary', () => {
    expect(canonicalTokenizer('exact').toJSON()).toEqual(JSON.parse(JSON.stringify(canonicalTokenizer('exact').toJSON())));
  });

  it('makes every item and category name a single token', () => {
    const tok = canonicalTokenizer('exact');
    const { items, categories } = allNames();
    for (const name of [...items, ...categories]) {
      expect(tok.encode(`The number of ${name}`)).toHaveLength(4);
      expect(tok.encode(name)).toHaveLength(1);
    }
  });

  for (const [arith, surface] of CASES) {
    it(`round-trips 1,000 generated problems, vanilla, BRIDGE and terse answers (both line forms), exactly (${arith}, ${surface})`, () => {
      const bridge = resolveVariant('bridge', { reflect: 0.5 });
      const tok = canonicalTokenizer(arith);
      const cfg = validateGenConfig({ minOps: 1, maxOps: 25, arith });
      const rng = new Rng(arith === 'exact' ? 11 : 12);
      let n = 0;
      let maxLen = 0;
      while (n < 1000) {
        const d = drawProblem(cfg, rng);
        if (!d.ok) continue;
        n++;
        const query = renderQuery(d.graph, rng, surface);
        const response = writeAnswer(d.graph, vanillaSteps(d.graph), rng, surface);
        const row: ProblemRow = { id: `p${n}`, query, response, answer: String(d.graph.nodes.find((x) => x.name === d.graph.question)!.value), numOps: d.numOps, graph: d.graph, variant: 'vanilla', surface };
        const injected = injectRow(row, bridge, rng)[0].response;
        for (const text of [query + '\n' + response, injected, terseSolution(d.graph, surface), terseSolution(d.graph, surface, 'named')]) {
          const ids = tok.encode(text);
          maxLen = Math.max(maxLen, ids.length);
          expect(tok.decode(ids)).toBe(text);
        }
      }
      expect(maxLen).toBeGreaterThan(0);
    });
  }
});
