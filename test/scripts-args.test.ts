import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdsCommittedFiles, numberExecutedCells, parseArgs } from '../scripts/notebooks';

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

  it('numbers executed code cells in order, skipping markdown and empty cells and keeping counts the kernel gave', () => {
    const nb = {
      cells: [
        { cell_type: 'markdown', source: '# title' },
        { cell_type: 'code', source: ['const a = 1;\n', 'a'], execution_count: null, outputs: [{ output_type: 'execute_result', execution_count: null }] },
        { cell_type: 'code', source: '  ', execution_count: null, outputs: [] },
        { cell_type: 'code', source: 'b', execution_count: 7, outputs: [] },
        { cell_type: 'code', source: 'c', execution_count: null, outputs: [{ output_type: 'stream' }] },
      ],
    };
    expect(numberExecutedCells(nb)).toBe(2);
    expect(nb.cells.map((c) => (c as { execution_count?: number | null }).execution_count)).toEqual([undefined, 1, null, 7, 3]);
    expect((nb.cells[1].outputs![0] as { execution_count?: number | null }).execution_count).toBe(1);
    expect(numberExecutedCells(nb)).toBe(0);
  });
});
