import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng';

describe('Rng', () => {
  it('is reproducible from a seed and from a saved state', () => {
    const a = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => new Rng(42)).map((r) => r.next())[0]).toBe(xs[0]);
    const b = new Rng(42);
    b.next();
    const saved = Rng.fromState(b.state());
    expect(saved.next()).toBe(b.next());
  });

  it('gives uncorrelated streams for nearby small seeds (first draws spread over [0, 1))', () => {
    const firsts = Array.from({ length: 200 }, (_, s) => new Rng(s).next());
    const mean = firsts.reduce((x, y) => x + y, 0) / firsts.length;
    expect(mean).toBeGreaterThan(0.4);
    expect(mean).toBeLessThan(0.6);
    const a = new Rng(5);
    const b = new Rng(6);
    let agree = 0;
    for (let i = 0; i < 4000; i++) if (a.next() < 0.5 === b.next() < 0.5) agree++;
    expect(agree / 4000).toBeGreaterThan(0.45);
    expect(agree / 4000).toBeLessThan(0.55);
  });

  it('draws integers uniformly in the inclusive range', () => {
    const r = new Rng(1);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[r.int(0, 5)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => r.int(3, 2)).toThrow(/empty range/);
  });

  it('samples without replacement and shuffles into a permutation', () => {
    const r = new Rng(3);
    const s = r.sample([1, 2, 3, 4, 5], 5);
    expect(new Set(s).size).toBe(5);
    expect(r.shuffle([1, 2, 3, 4]).sort()).toEqual([1, 2, 3, 4]);
  });
});
