// Splits, de-duplication, manifests, `bridge data` / `bridge stats`, and the calibration with tolerance
// (docs/igsm-generator.md, Calibration).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateGenConfig } from '../src/igsm/generate.js';
import { PAPER_SPLITS, generateSplit, paperSplitSpecs, toJsonl, type SplitSpec } from '../src/igsm/dataset.js';
import { canonicalQueryKey } from '../src/igsm/render.js';
import { splitStats } from '../src/igsm/stats.js';
import type { ProblemRow } from '../src/igsm/types.js';
import { bridgeInProcess } from './cli-helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igsm-dataset-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const spec = (over: Partial<SplitSpec> = {}): SplitSpec => ({
  name: 'sft', n: 60, gen: validateGenConfig({ minOps: 15, maxOps: 20 }), seed: 100, surface: 'english', ...over,
});


describe('generateSplit', () => {
  it('is byte-identical for the same seed and different for another', () => {
    const a = toJsonl(generateSplit(spec()).rows);
    expect(toJsonl(generateSplit(spec()).rows)).toBe(a);
    expect(toJsonl(generateSplit(spec({ seed: 101 })).rows)).not.toBe(a);
  });
  it('accounts for every draw', () => {
    const { rows, counts: c } = generateSplit(spec({ n: 300 }));
    expect(rows).toHaveLength(300);
    expect(c.accepted).toBe(300);
    expect(c.failedDraws.stage3 + c.failedDraws.stage4 + c.rejectedByFilter + c.unsafeRejected + c.zeroRejected + c.duplicates + c.accepted).toBe(c.draws);
    expect(new Set(rows.map((r) => r.id)).size).toBe(300);
    for (const r of rows) {
      expect(r).toMatchObject({ variant: 'vanilla', surface: 'english' });
      expect(r.answer).toMatch(/^-?\d+$/);
      expect(r.trace).toMatchObject({ chars: r.response.length, steps: r.graph.topo.length, reflections: 0 });
    }
  });
  it('de-duplicates against earlier splits by the canonical key', () => {
    const seen = new Set<string>();
    const a = generateSplit(spec({ n: 80 }), { seen });
    // the same seed again: every problem it draws first is already taken
    const b = generateSplit(spec({ name: 'rl-train', n: 40 }), { seen });
    const keysA = new Set(a.rows.map((r) => canonicalQueryKey(r.query, 'english')));
    for (const r of b.rows) expect(keysA.has(canonicalQueryKey(r.query, 'english'))).toBe(false);
    expect(b.counts.duplicates).toBeGreaterThanOrEqual(40);
    expect(seen.size).toBe(120);
  });
  it('applies a variant to each vanilla row without changing the problems', () => {
    const twice = (row: ProblemRow): ProblemRow[] => [row, { ...row, id: row.id + '-b', baseProblemId: row.id, variant: 'twice' }];
    const plain = generateSplit(spec({ n: 20 }));
    const v = generateSplit(spec({ n: 20 }), { variant: { name: 'twice', fn: twice } });
    expect(v.rows).toHaveLength(40);
    expect(v.counts.rows).toBe(40);
    expect(v.rows.filter((r) => r.variant === 'vanilla').map((r) => r.query)).toEqual(plain.rows.map((r) => r.query));
    expect(splitStats(v.rows).problems).toBe(20);
  });
  it('paper preset: five splits, distinct seeds, the zero rule where minOps > 20, forced test sets', () => {
    const s = paperSplitSpecs();
    expect(s.map((x) => [x.name, x.n])).toEqual([['sft', 2000], ['rl-train', 10000], ['rl-val', 500], ['test-op20', 500], ['test-op25', 500]]);
    expect(new Set(s.map((x) => x.seed)).size).toBe(5);
    expect(s.map((x) => x.gen.reduceZeroAnswer)).toEqual([false, false, true, false, true]);
    expect(s.map((x) => x.gen.force)).toEqual([false, false, false, true, true]);
    expect(s[4].gen.maxOps).toBe(25);
    expect(PAPER_SPLITS).toHaveLength(5);
  });
});

describe('bridge data / bridge stats', () => {
  it('writes problems.jsonl + manifest.json and never overwrites without --force', () => {
    const out = path.join(tmp, 'one');
    const r = bridgeInProcess('data', '--split', 'sft', '--n', '25', '--seed', '7', '--out', out);
    expect(r.code, r.err).toBe(0);
    const rows = fs.readFileSync(path.join(out, 'problems.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as ProblemRow);
    expect(rows).toHaveLength(25);
    expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(['id', 'query', 'response', 'answer', 'numOps', 'graph']));
    expect(Object.keys(rows[0].graph)).toEqual(expect.arrayContaining(['layers', 'edges', 'nodes', 'topo', 'redundant', 'question', 'modulus']));
    const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(m).toMatchObject({ split: 'sft', n: 25, seed: 7, surface: 'english', variant: 'vanilla', config: { minOps: 15, maxOps: 20, arith: 'exact' } });
    expect(m.counts.accepted).toBe(25);
    expect(Object.keys(m.hierarchy)).toHaveLength(3);
    const again = bridgeInProcess('data', '--split', 'sft', '--n', '25', '--seed', '7', '--out', out);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^error: --out .*not empty \(pass --force to overwrite\)\n$/);
    const forced = bridgeInProcess('data', '--split', 'sft', '--n', '25', '--seed', '7', '--out', out, '--force');
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'problems.jsonl'), 'utf8')).toBe(toJsonl(rows));
  });
  it('honours --ops, --force-ops, --arith and --surface', () => {
    const out = path.join(tmp, 'mod');
    expect(bridgeInProcess('data', '--split', 'test-op25', '--n', '10', '--force-ops', '12', '--arith', 'mod23', '--surface', 'compact', '--out', out).code).toBe(0);
    const rows = fs.readFileSync(path.join(out, 'problems.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as ProblemRow);
    for (const r of rows) {
      expect(r.numOps).toBe(12);
      expect(r.surface).toBe('compact');
      expect(r.graph.modulus).toBe(23);
      expect(r.query.split('\n').pop()).toMatch(/ = \?$/);
    }
    const out2 = path.join(tmp, 'ops');
    expect(bridgeInProcess('data', '--split', 'rl-train', '--n', '30', '--ops', '5-8', '--out', out2).code).toBe(0);
    const ops = fs.readFileSync(path.join(out2, 'problems.jsonl'), 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as ProblemRow).numOps);
    expect(Math.min(...ops)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...ops)).toBeLessThanOrEqual(8);
  });
  it('stops bad input with one line naming the flag and the allowed range', () => {
    const out = path.join(tmp, 'bad');
    const cases: [string[], RegExp][] = [
      [['--split', 'sft', '--ops', '20-15'], /--ops: min 20 > max 15/],
      [['--split', 'sft', '--ops', '15-70'], /--ops must be A-B \(or A\) with integers 1 ≤ A ≤ B ≤ 60 .*got "15-70"/],
      [['--split', 'sft', '--ops', 'x'], /--ops must be A-B \(or A\) with integers 1 ≤ A ≤ B ≤ 60, got "x"/],
      [['--split', 'sft', '--force-ops', '0'], /--force-ops must be an integer in \[1, 60\]/],
      [['--split', 'nope'], /--split must be one of sft, rl-train, rl-val, test-op20, test-op25/],
      [['--split', 'sft', '--n', '0'], /--n must be an integer in \[1, 10000000\]/],
      [['--split', 'sft', '--arith', 'mod7'], /--arith must be one of exact, mod23/],
      [['--split', 'sft', '--surface', 'latex'], /--surface must be one of english, compact/],
      [['--split', 'sft', '--variant', 'nope'], /--variant must be one of vanilla/],
      [['--split', 'sft', '--ops', '1-2', '--force-ops', '3'], /--ops and --force-ops exclude each other/],
      [['--preset', 'paper', '--n', '5'], /--n cannot be combined with --preset/],
      [['--preset', 'other'], /--preset must be one of paper/],
      [['--preset', 'paper', '--scale', '0'], /--scale must be a number in \(0, 10\]/],
      [[], /--split NAME is required/],
    ];
    for (const [args, re] of cases) {
      const r = bridgeInProcess('data', ...args, '--out', out);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(re);
      expect(r.err.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(bridgeInProcess('data', '--split', 'sft').err).toMatch(/--out DIR is required/);
    expect(fs.existsSync(out)).toBe(false);
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(bridgeInProcess('data', '--split', 'sft', '--n', '1', '--out', file).err).toMatch(/exists and is not a directory/);
  });
  it('--preset paper writes every split, de-duplicated, and stats reads them all', () => {
    const out = path.join(tmp, 'paper');
    const r = bridgeInProcess('data', '--preset', 'paper', '--scale', '0.01', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['rl-train', 'rl-val', 'sft', 'test-op20', 'test-op25']);
    const keys = new Set<string>();
    let total = 0;
    for (const d of fs.readdirSync(out)) {
      const rows = fs.readFileSync(path.join(out, d, 'problems.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as ProblemRow);
      total += rows.length;
      for (const row of rows) keys.add(canonicalQueryKey(row.query, 'english'));
      if (d === 'test-op25') for (const row of rows) expect(row.numOps).toBe(25);
    }
    expect(total).toBe(20 + 100 + 5 + 5 + 5);
    expect(keys.size).toBe(total);
    const s = bridgeInProcess('stats', out, '--json');
    expect(s.code, s.err).toBe(0);
    const stats = JSON.parse(s.out);
    expect(Object.keys(stats).sort()).toEqual(['rl-train', 'rl-val', 'sft', 'test-op20', 'test-op25']);
    expect(stats['test-op20'].meanNumOps).toBe(20);
    const text = bridgeInProcess('stats', path.join(out, 'sft'));
    expect(text.out).toMatch(/failed draws .* filter rejections/);
    expect(bridgeInProcess('stats', path.join(tmp, 'missing')).err).toMatch(/^error: stats: .* is not a directory\n$/);
  });
});

describe('calibration at op 15–20, exact (with tolerance)', () => {
  it('lands near the authors\' measured statistics', () => {
    const { rows, counts } = generateSplit(spec({ n: 3000, seed: 2024 }));
    const s = splitStats(rows, counts);
    expect(s.failedDrawShare!).toBeGreaterThan(0.15); // spec ≈ 19 %
    expect(s.failedDrawShare!).toBeLessThan(0.23);
    // spec ≈ 42 %: matches the share of all draws (of built graphs it is ≈ 52 %, see stats.ts)
    expect(s.filterRejectionShareOfDraws!).toBeGreaterThan(0.37);
    expect(s.filterRejectionShareOfDraws!).toBeLessThan(0.47);
    expect(s.meanNecessary).toBeGreaterThan(11.4); // spec 12.0
    expect(s.meanNecessary).toBeLessThan(12.6);
    expect(s.meanAbstractNecessary).toBeGreaterThan(2.9); // spec 3.4
    expect(s.meanAbstractNecessary).toBeLessThan(3.9);
    expect(s.meanRedundant).toBeGreaterThan(2.2); // spec 2.6
    expect(s.meanRedundant).toBeLessThan(3.1);
    expect(s.zeroAnswerShare).toBeGreaterThan(0.13); // spec 17.7 % (15–17 % in a second run)
    expect(s.zeroAnswerShare).toBeLessThan(0.22);
    expect(s.negativeAnswerShare).toBeGreaterThan(0.1); // spec ≈ 13–20 %
    expect(s.negativeAnswerShare).toBeLessThan(0.22);
    expect(s.meanNumOps).toBeGreaterThan(16.0); // spec 16.3
    expect(s.meanNumOps).toBeLessThan(16.6);
    for (const k of ['2', '3', '4'] as const) expect(s.layerShares[k]).toBeGreaterThan(0.25), expect(s.layerShares[k]).toBeLessThan(0.42); // 651/731/618 of 2000
    expect(s.conditions.min).toBeGreaterThanOrEqual(4); // spec 4–20, median 11
    expect(s.conditions.max).toBe(20);
    expect(Math.abs(s.conditions.median - 11)).toBeLessThanOrEqual(1);
    expect(s.meanAnswerChars).toBeGreaterThan(1100); // spec 1458 with the authors' wording
    expect(s.meanAnswerChars).toBeLessThan(1800);
  });
});
