import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdsCommittedFiles, parseArgs } from '../scripts/notebooks';

describe('npm run notebooks: flags', () => {
  it('parses every flag into the run settings, with defaults next to the results', () => {
    const a = parseArgs(['--results', 'runs/r', '--preset', 'tiny', '--only', '01, 03', '--cell-timeout', '90', '--no-build', '--check']);
    expect(a.results).toBe(path.resolve('runs/r'));
    expect(a.out).toBe(path.join(path.resolve('runs/r'), 'notebooks'));
    expect([a.preset, a.only, a.cellTimeout, a.build, a.check]).toEqual(['tiny', ['01', '03'], 90, false, true]);
    const d = parseArgs([]);
    expect([d.preset, d.only, d.cellTimeout, d.build, d.check]).toEqual(['', [], 600, true, false]);
  });

  it('never writes over committed exports unless --update-committed is given', () => {
    const committed = path.resolve('data/results/full/notebooks');
    expect(holdsCommittedFiles(committed)).toBe(true);
    expect(holdsCommittedFiles(path.resolve('runs/r/notebooks'))).toBe(false);
    const d = parseArgs([]);
    expect(d.out).toBe(path.resolve('runs/notebooks/full'));
    expect(d.redirected).toBe(true);
    expect(() => parseArgs(['--out', 'data/results/full/notebooks'])).toThrow(/--out data\/results\/full\/notebooks: holds committed notebooks; pass --update-committed/);
    const u = parseArgs(['--update-committed']);
    expect([u.out, u.redirected]).toEqual([committed, false]);
    expect(parseArgs(['--out', 'data/results/full/notebooks', '--update-committed']).out).toBe(committed);
  });

  it('refuses unknown flags, missing values and out-of-range numbers with one line naming the flag', () => {
    expect(() => parseArgs(['--bogus'])).toThrow(/Unknown option '--bogus'/);
    expect(() => parseArgs(['--results'])).toThrow(/--results/);
    expect(() => parseArgs(['--preset', 'huge'])).toThrow(/--preset must be one of tiny, quick, full, got "huge"/);
    expect(() => parseArgs(['--cell-timeout', '0'])).toThrow(/--cell-timeout must be an integer in \[1, 86400\]/);
  });
});
