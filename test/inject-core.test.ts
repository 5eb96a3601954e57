// The task-agnostic core of src/inject: the subgoal reducer, the reflection walk, information analysis and the
// verifier, exercised on a second DAG task (workshop build costs) that shares nothing with iGSM but the interfaces.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededStream as rngFor } from '../src/inject/streams.js';
import { evaluateTokens, reduceOnce, reductionChain, tokenize } from '../src/inject/arith.js';
import {
  ANALYSIS_PROBS,
  addAnalysis,
  analysisProbability,
  orderedSteps,
  planAnswer,
  reflectionWalk,
  type BehaviourKnobs,
} from '../src/inject/behaviours.js';
import { verifyWith } from '../src/inject/verify.js';
import {
  checkBadRecall,
  checkChangedValue,
  checkFalseLockedClaim,
  checkSwappedSteps,
  checkWrongFinalAnswer,
  checkWalk,
  checkWrongUnknowns,
  drawWorkshop,
  renderWorkshop,
  workshopFormat,
  type TaskCase,
} from './inject-fixtures.js';

describe('subgoal reducer', () => {
  it('reproduces the spec examples', () => {
    expect(reductionChain('7 + (24 + 1)', null)).toEqual(['7 + 25', '32']);
    expect(reductionChain('0 + (7 + 0 + 0)', null)).toEqual(['0 + (7 + 0)', '0 + 7', '7']);
    expect(reductionChain('2 * 3 + 4 * 5', null)).toEqual(['6 + 4 * 5', '6 + 20', '26']);
    expect(reductionChain('7 * (9 - 26)', null)).toEqual(['7 * -17', '-119']);
    expect(reductionChain('12 - 3 - 4', null)).toEqual(['9 - 4', '5']);
    // binary operators only: a negative operand is not an operator (no transient "3 * (-3)")
    expect(reductionChain('3 * (-5 + 2)', null)).toEqual(['3 * -3', '-9']);
    expect(reductionChain('4 - -3', null)).toEqual(['7']);
    expect(reductionChain('5', null)).toEqual([]);
    expect(reduceOnce('2 + (12 - 4)', null)).toBe('2 + 8');
  });

  it('reduces every single-operation result mod 23 in modular mode', () => {
    expect(reductionChain('3 * (20 + 9 + 4)', 23)).toEqual(['3 * (6 + 4)', '3 * 10', '7']);
    expect(reductionChain('2 - 9', 23)).toEqual(['16']);
  });

  it('does not reduce expressions with variables or malformed text', () => {
    expect(reduceOnce('M + 3', null)).toBeNull();
    expect(tokenize('2 + + 3')).toBeNull();
    expect(tokenize('(2 + 3')).toBeNull();
    expect(tokenize('2 $ 3')).toBeNull();
  });

  // random expressions of the iGSM shapes: c ∘ (A ± B ± …), sums of products, with signed operands
  type Tree = { v: bigint; s: string; ops: number };
  const num = fc.integer({ min: -60, max: 60 }).map((n): Tree => ({ v: BigInt(n), s: String(n), ops: 0 }));
  const group = fc
    .tuple(num, fc.array(fc.tuple(fc.constantFrom('+', '-'), num), { minLength: 1, maxLength: 3 }))
    .map(([first, rest]): Tree => {
      let v = first.v;
      for (const [op, t] of rest) v = op === '+' ? v + t.v : v - t.v;
      return { v, s: `(${[first.s, ...rest.map(([op, t]) => `${op} ${t.s}`)].join(' ')})`, ops: rest.length };
    });
  const factor = fc.oneof(num, group);
  const product = fc.tuple(factor, fc.option(factor, { nil: undefined })).map(([a, b]): Tree =>
    b === undefined ? a : { v: a.v * b.v, s: `${a.s} * ${b.s}`, ops: a.ops + b.ops + 1 },
  );
  const expr = fc
    .tuple(product, fc.array(fc.tuple(fc.constantFrom('+', '-'), product), { maxLength: 3 }))
    .map(([first, rest]): Tree => {
      let v = first.v;
      let ops = first.ops;
      for (const [op, t] of rest) {
        v = op === '+' ? v + t.v : v - t.v;
        ops += t.ops + 1;
      }
      return { v, s: [first.s, ...rest.map(([op, t]) => `${op} ${t.s}`)].join(' '), ops };
    });

  it('does exactly one operation per step and ends at the independently computed value', () => {
    fc.assert(
      fc.property(expr, (t) => {
        const chain = reductionChain(t.s, null);
        expect(chain.length).toBe(t.ops);
        expect(chain.length === 0 ? t.s : chain[chain.length - 1]).toBe(t.v.toString());
        let prevOps = t.ops;
        for (const e of chain) {
          const ops = (tokenize(e) ?? []).filter((x) => x.t === 'op').length;
          expect(ops).toBe(prevOps - 1);
          prevOps = ops;
        }
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('agrees with evaluation mod 23 and keeps every written result in [0, 22]', () => {
    fc.assert(
      fc.property(expr, (t) => {
        const chain = reductionChain(t.s, 23);
        const want = ((t.v % 23n) + 23n) % 23n;
        expect(evaluateTokens(tokenize(t.s)!, 23)).toBe(want);
        if (t.ops > 0) expect(BigInt(chain[chain.length - 1])).toBe(want);
        const inRange = (e: string): boolean =>
          (tokenize(e) ?? []).every((tok) => tok.t !== 'num' || (tok.v >= 0n && tok.v <= 22n));
        if (inRange(t.s)) for (const e of chain) expect(inRange(e), e).toBe(true);
      }),
      { numRuns: 300, seed: 8 },
    );
  });
});

describe('reflection walk (on the workshop task)', () => {
  it('keeps every invariant for p in {0, 0.1, 0.5, 1} over 300 graphs', () => {
    for (let seed = 0; seed < 300; seed++) {
      const g = drawWorkshop(seed);
      for (const p of [0, 0.1, 0.5, 1]) checkWalk(g, reflectionWalk(g, p, rngFor(seed * 31 + p * 10)));
    }
  });

  it('is the plain order at p = 0 and deterministic per seed', () => {
    const g = drawWorkshop(3, { n: 8, redundant: 2 });
    expect(reflectionWalk(g, 0, rngFor(1))).toEqual(orderedSteps(g.order));
    expect(reflectionWalk(g, 0.3, rngFor(5))).toEqual(reflectionWalk(g, 0.3, rngFor(5)));
  });

  it('produces failed attempts, early solves, revisits and computed distractors', () => {
    let locked = 0;
    let early = 0;
    let revisits = 0;
    let distractors = 0;
    for (let seed = 0; seed < 200; seed++) {
      const g = drawWorkshop(seed, { n: 9, redundant: 2 });
      const steps = reflectionWalk(g, 0.3, rngFor(seed));
      for (const s of steps) {
        if (s.mode === 'locked') locked++;
        if (s.revisit) revisits++;
        if (s.reflection && s.mode === 'compute' && g.order.includes(s.node)) early++;
        if (s.mode === 'compute' && g.redundant.includes(s.node)) distractors++;
      }
    }
    expect(locked).toBeGreaterThan(50);
    expect(early).toBeGreaterThan(10);
    expect(revisits).toBeGreaterThan(10);
    expect(distractors).toBeGreaterThan(10);
  });

  it('picks a redundant target with probability about 0.3 when distractors exist', () => {
    // with p = 1 every eligible iteration reflects; count first-draw targets via a graph whose nodes are all leaves
    let red = 0;
    let total = 0;
    for (let seed = 0; seed < 400; seed++) {
      const g = drawWorkshop(seed, { n: 6, redundant: 3 });
      const first = reflectionWalk(g, 1, rngFor(seed)).find((s) => s.reflection);
      if (first === undefined) continue;
      total++;
      if (g.redundant.includes(first.node)) red++;
    }
    expect(total).toBeGreaterThan(350);
    expect(red / total).toBeGreaterThan(0.22);
    expect(red / total).toBeLessThan(0.38);
  });
});

describe('information analysis', () => {
  it('has the spec table (level 2: 1 parent 0.1, 2: 0.4, 3: 0.8, 4: 1)', () => {
    expect(ANALYSIS_PROBS[2].slice(1, 5)).toEqual([0.1, 0.4, 0.8, 1]);
    expect(ANALYSIS_PROBS[0].every((x) => x === 0)).toBe(true);
    expect(ANALYSIS_PROBS[4].slice(1).every((x) => x === 1)).toBe(true);
    expect(analysisProbability(1, 20)).toBe(1);
    expect(() => analysisProbability(5, 1)).toThrow(/0–4/);
  });

  it('fires with the table probability, only on eligible non-leaf steps', () => {
    const hits = new Map<number, [number, number]>();
    for (let seed = 0; seed < 400; seed++) {
      const g = drawWorkshop(seed, { n: 8 });
      const steps = addAnalysis(g, reflectionWalk(g, 0.2, rngFor(seed)), 2, rngFor(seed + 1e6));
      for (const s of steps) {
        const k = g.analysisArity(s.node);
        if (k === null || g.parents(s.node).length === 0) {
          expect(s.analysis).toBe(false);
          continue;
        }
        const h = hits.get(k) ?? [0, 0];
        hits.set(k, [h[0] + (s.analysis ? 1 : 0), h[1] + 1]);
      }
    }
    for (const [k, [hit, n]] of hits) {
      if (n < 200) continue;
      const p = analysisProbability(2, k);
      expect(Math.abs(hit / n - p), `k=${k}: ${hit}/${n}`).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
    }
  });
});

const VARIANTS: Record<string, BehaviourKnobs> = {
  vanilla: { reflect: 0, analysis: 0, subgoal: false },
  bridge: { reflect: 0.1, analysis: 2, subgoal: true },
  explore: { reflect: 0.1, analysis: 0, subgoal: false },
  exploit: { reflect: 0, analysis: 2, subgoal: true },
  heavy: { reflect: 0.6, analysis: 4, subgoal: true },
};

function workshopCase(seed: number, knobs: BehaviourKnobs, modulus: number | null = null): TaskCase {
  const g = drawWorkshop(seed, { modulus });
  const format = workshopFormat(g);
  return {
    label: `workshop seed ${seed}`,
    g,
    render: (steps, rng) => renderWorkshop(g, steps, rng),
    verify: (text, opts) => verifyWith(g, format, text, opts),
    plan: (rng) => planAnswer(g, knobs, rng),
  };
}

describe('verifier contract on the workshop task', () => {
  it('accepts every generated answer of every variant (exact and mod 23)', () => {
    for (const [name, knobs] of Object.entries(VARIANTS)) {
      for (let seed = 0; seed < 150; seed++) {
        for (const modulus of [null, 23]) {
          const tc = workshopCase(seed, knobs, modulus);
          const steps = tc.plan(rngFor(seed));
          const text = tc.render(steps, rngFor(seed + 1));
          const v = tc.verify(text, { requireSubgoal: knobs.subgoal });
          expect(v, `${name} ${tc.label} mod ${modulus}\n${text}`).toMatchObject({ ok: true });
          expect(v.trace.steps).toBe(steps.length);
          expect(v.trace.lockedSteps).toBe(steps.filter((s) => s.mode === 'locked').length);
          expect(v.trace.revisits).toBe(steps.filter((s) => s.revisit).length);
          expect(v.trace.analysisSentences).toBe(steps.filter((s) => s.analysis).length);
          expect(v.trace.chars).toBe(text.length);
        }
      }
    }
  });

  it('rejects mutated answers on the right line with the right kind', () => {
    const counts = { value: 0, locked: 0, unknowns: 0, swap: 0, final: 0, recall: 0 };
    for (let seed = 0; seed < 150; seed++) {
      const tc = workshopCase(seed, VARIANTS.heavy);
      const rng = rngFor(seed);
      if (checkChangedValue(tc, rng.fork('v'))) counts.value++;
      if (checkFalseLockedClaim(tc, rng.fork('l'))) counts.locked++;
      if (checkWrongUnknowns(tc, rng.fork('u'))) counts.unknowns++;
      if (checkSwappedSteps(tc, rng.fork('s'))) counts.swap++;
      if (checkWrongFinalAnswer(tc, rng.fork('f'))) counts.final++;
      if (checkBadRecall(tc, rng.fork('r'))) counts.recall++;
    }
    for (const [k, n] of Object.entries(counts)) expect(n, k).toBeGreaterThan(30);
  });

  it('never throws on arbitrary or damaged text', () => {
    const tc = workshopCase(11, VARIANTS.heavy);
    const good = tc.render(tc.plan(rngFor(1)), rngFor(2));
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const v = tc.verify(s);
        expect(v.ok).toBe(false);
        expect(v.kind).not.toBe('internal');
      }),
      { numRuns: 300, seed: 3 },
    );
    fc.assert(
      fc.property(fc.nat(good.length), fc.nat(good.length), fc.string({ maxLength: 8 }), (a, b, ins) => {
        const damaged = good.slice(0, Math.min(a, b)) + ins + good.slice(Math.max(a, b));
        const v = tc.verify(damaged);
        expect(v.kind).not.toBe('internal');
        if (damaged === good) expect(v.ok).toBe(true);
      }),
      { numRuns: 500, seed: 4 },
    );
  });

  it('verifies a completion that followed the prompt "<think>"', () => {
    const tc = workshopCase(5, VARIANTS.bridge);
    const text = tc.render(tc.plan(rngFor(1)), rngFor(2));
    expect(tc.verify(text.slice('<think>'.length), { completion: true }).ok).toBe(true);
    expect(tc.verify(text.slice('<think>'.length)).ok).toBe(false);
  });
});
