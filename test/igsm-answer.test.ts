// Answer extraction and reward (docs/igsm-generator.md, Reward; Invariants, item 26): exact string match of the first
// \boxed{}, never throws.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { extractBoxed, formatOk, reward } from '../src/igsm/answer.js';

describe('reward', () => {
  it('the first \\boxed{} wins', () => {
    expect(reward('x \\boxed{22} then \\boxed{23}', '22')).toBe(1);
    expect(reward('x \\boxed{23} then \\boxed{22}', '22')).toBe(0);
    expect(extractBoxed('a \\boxed{-114}.')).toBe('-114');
  });
  it('a missing box gives 0', () => {
    expect(reward('the answer is 22', '22')).toBe(0);
    expect(extractBoxed('\\boxed{22')).toBeNull();
  });
  it('compares strings exactly: no trimming, no numeric parsing', () => {
    expect(reward('\\boxed{ 22}', '22')).toBe(0);
    expect(reward('\\boxed{22.0}', '22')).toBe(0);
    expect(reward('\\boxed{022}', '22')).toBe(0);
    expect(reward('\\boxed{-114}', '-114')).toBe(1);
    expect(reward('\\boxed{114}', '-114')).toBe(0);
    expect(reward('\\boxed{}', '')).toBe(1);
  });
  it('applies the format bonus only when configured', () => {
    const good = '\nsteps\n</think>\n<answer>\nThe final answer is \\boxed{7}.\n</answer>';
    expect(formatOk(good)).toBe(1);
    expect(reward(good, '7')).toBe(1);
    expect(reward(good, '7', { formatBonus: 0.05 })).toBeCloseTo(1.05);
    expect(reward(good, '8', { formatBonus: 0.05 })).toBeCloseTo(0.05);
    const bad = 'no tags \\boxed{7}';
    expect(formatOk(bad)).toBe(0);
    expect(reward(bad, '7', { formatBonus: 0.05 })).toBe(1);
    expect(formatOk('\n</think>\n<answer>\\boxed{7}')).toBe(0); // no closing tag
  });
  it('never throws, on any string or even a non-string', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.option(fc.double(), { nil: undefined }), (c, a, b) => {
        const r = reward(c, a, { formatBonus: b });
        expect(typeof r).toBe('number');
      }),
      { numRuns: 2000, seed: 15 },
    );
    expect(reward(undefined as unknown as string, '1')).toBe(0);
    expect(extractBoxed(null as unknown as string)).toBeNull();
  });
});
