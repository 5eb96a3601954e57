// Exact McNemar test (src/report/stats.ts): hand-computed binomial sums.
import { describe, expect, it } from 'vitest';
import { mcnemarExact, pairedMcnemar } from '../src/report/stats';

describe('exact McNemar', () => {
  it('matches hand-computed two-sided p-values', () => {
    // b = 1, c = 9: 2 · (C(10,0) + C(10,1)) / 2^10 = 2 · 11 / 1024
    expect(mcnemarExact(1, 9).p).toBeCloseTo(22 / 1024, 15);
    expect(mcnemarExact(9, 1).p).toBeCloseTo(22 / 1024, 15);
    // b = 0, c = 5: 2 / 32
    expect(mcnemarExact(0, 5).p).toBeCloseTo(1 / 16, 15);
    // b = 3, c = 3: twice a tail above one half is capped at 1
    expect(mcnemarExact(3, 3).p).toBe(1);
    expect(mcnemarExact(0, 0).p).toBe(1);
    // b = 2, c = 8: 2 · (1 + 10 + 45) / 1024
    expect(mcnemarExact(2, 8).p).toBeCloseTo(112 / 1024, 15);
  });
  it('stays finite and right for large discordant counts', () => {
    // symmetric: p = 1; lopsided: tiny but positive; matches the normal approximation's order of magnitude
    expect(mcnemarExact(800, 800).p).toBe(1);
    const p = mcnemarExact(400, 600).p;
    expect(p).toBeGreaterThan(1e-12);
    expect(p).toBeLessThan(1e-9);
  });
  it('pairs outcomes by problem id and refuses unpaired sets or bad counts', () => {
    const before = new Map([['a', true], ['b', false], ['c', false], ['d', true]]);
    const after = new Map([['a', true], ['b', true], ['c', true], ['d', false]]);
    expect(pairedMcnemar(before, after)).toEqual({ n: 4, b: 1, c: 2, p: 1 });
    expect(() => pairedMcnemar(before, new Map([['a', true]]))).toThrow(/no outcome after/);
    expect(() => mcnemarExact(-1, 2)).toThrow(/b must be a non-negative integer/);
  });
});
