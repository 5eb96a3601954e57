// The elapsed time and ETA shown on the trainers' bars and on the reproduce display (src/train/progress.ts).
import { describe, expect, it } from 'vitest';
import { elapsedAndEta, etaSeconds, formatDuration } from '../src/train/progress';

describe('progress timing', () => {
  it('formats seconds, minutes and hours', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(59.4)).toBe('59 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(2 * 3600 + 7 * 60 + 30)).toBe('2 h 07 min');
    expect(formatDuration(-5)).toBe('0 s');
  });

  it('extrapolates the ETA from the work done since the clock started, not from work a resumed run found done', () => {
    expect(etaSeconds(10, 5, 20)).toBe(30); // 5 units in 10 s, 15 left
    expect(etaSeconds(10, 15, 20, 10)).toBe(10); // 5 new units in 10 s, 5 left
    expect(etaSeconds(10, 10, 20, 10)).toBeNull(); // nothing new yet
    expect(etaSeconds(0, 3, 20)).toBeNull();
    expect(etaSeconds(10, 20, 20)).toBe(0);
  });

  it('writes both in one phrase, with "?" until there is a rate', () => {
    expect(elapsedAndEta(65, 1, 3)).toBe('elapsed 1 min 05 s, ETA 2 min 10 s');
    expect(elapsedAndEta(5, 0, 3)).toBe('elapsed 5 s, ETA ?');
  });
});
