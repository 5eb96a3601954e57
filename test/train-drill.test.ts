// The base model's arithmetic drill (src/train/drill.ts): exact mod-23 facts, reproducible from (seed, index), mixed
// into terse pretraining only.
import { describe, expect, it } from 'vitest';
import { drillExamples, drillText } from '../src/train/drill';
import { sftConfig } from '../src/train/sft-config';
import { canonicalTokenizer } from '../src/text/vocab';
import { EOS } from '../src/text/tokenizer';

describe('arithmetic drill', () => {
  it('states true mod-23 facts, the same for the same seed and index, others elsewhere', () => {
    const text = drillText(7, 3, 200);
    const lines = text.split('\n');
    expect(lines.length).toBe(200);
    const ops = new Set<string>();
    for (const l of lines) {
      const m = /^(\d+) ([+*-]) (\d+) = (\d+)$/.exec(l);
      expect(m, l).not.toBeNull();
      const [a, op, b, c] = [Number(m![1]), m![2], Number(m![3]), Number(m![4])];
      for (const x of [a, b, c]) expect(x >= 0 && x <= 22).toBe(true);
      const v = op === '+' ? a + b : op === '-' ? a - b : a * b;
      expect(((v % 23) + 23) % 23).toBe(c);
      ops.add(op);
    }
    expect([...ops].sort()).toEqual(['*', '+', '-']);
    expect(drillText(7, 3, 200)).toBe(text);
    expect(drillText(7, 4, 200)).not.toBe(text);
    expect(drillText(8, 3, 200)).not.toBe(text);
  });

  it('makes one example per `every` problems; its prompt is BOS + newline and the facts are the trained part', () => {
    const tok = canonicalTokenizer('mod23');
    const ex = drillExamples(tok, 23, { every: 5, facts: 3 }, 1);
    expect(ex.length).toBe(4);
    for (const [i, e] of ex.entries()) {
      expect(e.promptLen).toBe(2);
      expect(e.ids.at(-1)).toBe(EOS);
      expect(tok.decode(e.ids.slice(1, -1))).toBe('\n' + drillText(1, i, 3));
    }
  });

  it('is a validated, optional setting: absent by default, bounded when present', () => {
    expect(sftConfig({}).drill).toBeUndefined();
    expect(sftConfig({ format: 'terse', drill: { every: 4, facts: 24 } }).drill).toEqual({ every: 4, facts: 24 });
    expect(sftConfig({ format: 'terse', drill: { every: 3 } }).drill).toEqual({ every: 3, facts: 24 });
    expect(drillExamples(canonicalTokenizer('mod23'), 100, { every: 0, facts: 24 }, 1)).toEqual([]);
    expect(() => sftConfig({ format: 'terse', drill: { every: -1, facts: 24 } })).toThrow(/drill\.every/);
    expect(() => sftConfig({ format: 'terse', drill: { every: 4, facts: 201 } })).toThrow(/drill\.facts/);
  });
});
