// The chance-aware measures (src/train/alpha.ts): exact values on small cases, computed by hand.
import { describe, expect, it } from 'vitest';
import { binomialTail, chanceAccuracy, chanceCorrected, chanceOfProblems, guessThreshold, informativeAboveGuess } from '../src/train/alpha';

describe('chance-aware measures', () => {
  it('a uniform guesser scores 1/23 in mod 23 and 1/1999 in exact arithmetic', () => {
    expect(chanceAccuracy('mod23')).toBe(1 / 23);
    expect(chanceAccuracy('exact')).toBe(1 / 1999);
    expect(chanceOfProblems([{ graph: { modulus: 23 } }])).toBe(1 / 23);
    expect(chanceOfProblems([{ graph: { modulus: null } }])).toBe(1 / 1999);
  });

  it('chance-corrected accuracy is 0 at guessing, 1 at perfect, linear between', () => {
    const c = 1 / 23;
    expect(chanceCorrected(c, c)).toBe(0);
    expect(chanceCorrected(1, c)).toBeCloseTo(1, 15);
    // 40 % in mod 23: (0.4 − 1/23) / (22/23) = (9.2 − 1) / 22 = 8.2 / 22
    expect(chanceCorrected(0.4, c)).toBeCloseTo(8.2 / 22, 14);
    expect(chanceCorrected(0, c)).toBeCloseTo(-1 / 22, 15);
    expect(() => chanceCorrected(0.5, 1)).toThrow(/chance must be in \[0, 1\)/);
  });

  it('binomial tails match the hand-computed fractions (G = 4, p = 1/23)', () => {
    // P(X ≥ 1) = 1 − 22⁴/23⁴ = 45585 / 279841; P(X ≥ 2) = 1 − (22⁴ + 4·22³)/23⁴ = 2993 / 279841
    expect(binomialTail(4, 1 / 23, 1)).toBeCloseTo(45585 / 279841, 14);
    expect(binomialTail(4, 1 / 23, 2)).toBeCloseTo(2993 / 279841, 14);
    expect(binomialTail(4, 1 / 23, 4)).toBeCloseTo(1 / 279841, 14);
    expect(binomialTail(4, 1 / 23, 0)).toBe(1);
    expect(binomialTail(4, 1 / 23, 5)).toBe(0);
  });

  it('the guessing level is the smallest α a guesser reaches with probability < 1 %', () => {
    // G = 4: P(X ≥ 2) = 1.07 % is not below 1 %, P(X ≥ 3) = 0.03 % is → 3/4
    expect(guessThreshold(4, 1 / 23)).toBe(0.75);
    // G = 16: P(X ≥ 3) = 3.0 %, P(X ≥ 4) = 0.43 % → 4/16
    expect(guessThreshold(16, 1 / 23)).toBe(0.25);
    expect(guessThreshold(8, 1 / 23)).toBe(3 / 8);
    // a near-certain guesser never gets below 1 % before α = 1
    expect(guessThreshold(4, 0.99)).toBe(1);
  });

  it('counts only informative queries at or above the guessing level', () => {
    const alphas = [0, 1 / 16, 3 / 16, 4 / 16, 0.5, 15 / 16, 1];
    // threshold 0.25: 4/16, 0.5, 15/16 count; 0, 1/16, 3/16 (luck) and 1 (no signal) do not
    expect(informativeAboveGuess(alphas, 16, 1 / 23)).toBeCloseTo(3 / 7, 15);
    expect(informativeAboveGuess([], 16, 1 / 23)).toBe(0);
  });
});
