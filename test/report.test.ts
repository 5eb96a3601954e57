import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { collectRows, type ResultRow, type ResultsMeta } from '../src/experiments/results';
import { emptyMechanism } from '../src/train/mechanism';
import {
  FIGURE_IDS,
  allFigures,
  ci95HalfWidth,
  combineVerdicts,
  evaluateClaims,
  fig4Records,
  formatComparison,
  formatNumber,
  identicalAnswerGroups,
  identicalAnswerNotes,
  formatSummary,
  MECHANISM_METRICS,
  NO_MECHANISM,
  mechanismFrame,
  mechanismTable,
  frameToHTML,
  mean,
  missingSeries,
  pairedDifferences,
  pairedVerdict,
  sharedSeedDifferences,
  requiredMethods,
  rowsFrame,
  sampleSd,
  studentTQuantile,
  summarize,
  table1Frame,
  table1Records,
  reportHTML,
  summaryMarkdown,
  oneSeedNote,
  mechanismDuringRlTable,
  powerLines,
  seedsForHalfWidth,
  runSeeds,
  FULL_RESULTS_DIR,
  table1Table,
  chanceCorrectedTable,
  alphaTable,
  vegaLiteToSVG,
  writeReport,
  type VegaLiteSpec,
  PAPER_TABLE1,
  table1Spec,
} from '../src/notebook/index';
import { syntheticRows } from './report-fixture';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'report-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Rows of one (experiment, method, stage, split, metric) cell replaced by explicit values: [seed, value] pairs. */
function setSeedCell(rows: ResultRow[], f: Partial<ResultRow>, values: [seed: number, value: number][]): ResultRow[] {
  const keep = rows.filter((r) => !Object.entries(f).every(([k, v]) => r[k as keyof ResultRow] === v));
  const base = { step: null, bin: null, ...f } as ResultRow;
  return [...keep, ...values.map(([seed, value]) => ({ ...base, seed, value }))];
}

/** Rows of one cell replaced by one value per seed 0, 1, 2, … (the fixture's seeds). */
const setCell = (rows: ResultRow[], f: Partial<ResultRow>, values: number[]): ResultRow[] =>
  setSeedCell(rows, f, values.map((v, seed) => [seed, v]));

/**
 * t(0.975, 2) in closed form: with 2 degrees of freedom F(t) = 1/2 + t / (2√(t² + 2)), so t = √(2 · 0.95² / (1 − 0.95²)).
 * (The 4.302652729911275 found in some tables is off in the tenth digit.)
 */
const T975_2 = 4.302652729749464;

describe('stats: hand-computed values', () => {
  it('mean, sample sd and the Student-t 95 % CI', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(sampleSd([1, 2, 3])).toBeCloseTo(1, 12);
    expect(sampleSd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    // t_{0.975} from tables: df 1 12.7062, df 2 4.3027, df 4 2.7764, df 9 2.2622, df 29 2.0452, df → ∞ 1.9600
    for (const [df, t] of [[1, 12.7062], [2, 4.3027], [4, 2.7764], [9, 2.2622], [29, 2.0452], [1e6, 1.96]]) {
      expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
    }
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.7764, 3);
    // [1,2,3]: sd 1, n 3 → 4.302653 / √3 = 2.484138
    expect(ci95HalfWidth([1, 2, 3])).toBeCloseTo(2.484138, 5);
    // [10, 12]: sd √2, n 2 → 12.7062 · √2 / √2 = 12.7062
    expect(ci95HalfWidth([10, 12])).toBeCloseTo(12.7062, 3);
    const s = summarize([1, 2, 3]);
    expect(s).toMatchObject({ n: 3, mean: 2, sd: 1 });
    expect(s.lo).toBeCloseTo(2 - 2.484138, 5);
    expect(s.hi).toBeCloseTo(2 + 2.484138, 5);
    expect(formatSummary(s)).toBe('2.0 ± 2.5');
  });

  it('formatNumber: fixed decimals, significant digits when small, float noise shown as zero', () => {
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(0.0123)).toBe('0.0123');
    expect(formatNumber(100 * (0.6 - 0.4 - 0.2))).toBe('0.0');
    expect(formatNumber(-8.88e-16, 2)).toBe('0.00');
  });

  it('n = 1 has no CI and says so; empty lists are errors', () => {
    const s = summarize([0.42]);
    expect(s).toEqual({ n: 1, mean: 0.42, sd: null, ci: null, lo: null, hi: null });
    expect(formatSummary(s, 1, 100)).toBe('42.0 (n=1)');
    expect(() => mean([])).toThrow(/empty/);
  });

  it('paired differences per seed, refusing unpaired seeds', () => {
    const d = pairedDifferences(
      [{ seed: 2, value: 5 }, { seed: 0, value: 1 }],
      [{ seed: 0, value: 4 }, { seed: 2, value: 6 }],
    );
    expect(d).toEqual([{ seed: 0, value: 3 }, { seed: 2, value: 1 }]);
    expect(() => pairedDifferences([{ seed: 0, value: 1 }], [{ seed: 1, value: 1 }], 'gain')).toThrow(/gain: seeds must match.*\[0\].*\[1\]/);
    expect(() => pairedDifferences([{ seed: 0, value: 1 }, { seed: 0, value: 2 }], [{ seed: 0, value: 1 }])).toThrow(/seed 0 appears twice/);
  });

  it('paired per-seed differences: mean, Student-t CI and verdict, checked by hand', () => {
    const seeds = (xs: number[]) => xs.map((value, seed) => ({ seed, value }));
    expect(Math.sqrt((2 * 0.95 ** 2) / (1 - 0.95 ** 2))).toBeCloseTo(T975_2, 14);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(T975_2, 11);
    // a − b = [2, 3, 0]: mean 5/3, sd √(((1/3)² + (4/3)² + (5/3)²)/2) = √(7/3)
    const d = sharedSeedDifferences(seeds([3, 5, 4]), seeds([1, 2, 4]));
    expect(d.seeds).toEqual([0, 1, 2]);
    expect(d.differences).toEqual([2, 3, 0]);
    expect(d.summary!.n).toBe(3);
    expect(d.summary!.mean).toBeCloseTo(5 / 3, 12);
    expect(d.summary!.sd).toBeCloseTo(Math.sqrt(7 / 3), 12);
    const hw = (T975_2 * Math.sqrt(7 / 3)) / Math.sqrt(3);
    expect(d.summary!.ci).toBeCloseTo(hw, 10);
    expect(d.summary!.lo).toBeCloseTo(5 / 3 - hw, 10); // −2.13: the interval holds 0
    expect(pairedVerdict(d)).toEqual({ verdict: 'inconclusive', reason: '95 % CI of the paired difference includes 0' });
    // a − b = [2, 3, 2.5]: mean 2.5, sd 0.5, half-width t(0.975, 2) · 0.5 / √3 = 1.2421, so [1.26, 3.74]
    const up = sharedSeedDifferences(seeds([3, 5, 4.5]), seeds([1, 2, 2]));
    expect(up.summary!.ci).toBeCloseTo((T975_2 * 0.5) / Math.sqrt(3), 10);
    expect(pairedVerdict(up)).toEqual({ verdict: 'supported', reason: '95 % CI of the paired difference above 0' });
    const down = sharedSeedDifferences(seeds([1, 2, 2]), seeds([3, 5, 4.5]));
    expect(down.summary!.mean).toBeCloseTo(-2.5, 12);
    expect(pairedVerdict(down)).toEqual({ verdict: 'not supported', reason: '95 % CI of the paired difference below 0' });
    // one shared seed: no interval; none: nothing to pair
    const one = sharedSeedDifferences([{ seed: 1, value: 9 }, { seed: 2, value: 9 }], [{ seed: 2, value: 1 }, { seed: 3, value: 1 }]);
    expect(one).toMatchObject({ seeds: [2], differences: [8], onlyA: [1], onlyB: [3] });
    expect(pairedVerdict(one)).toEqual({ verdict: 'inconclusive', reason: 'n=1: no confidence interval' });
    const none = sharedSeedDifferences([{ seed: 1, value: 9 }], [{ seed: 2, value: 1 }]);
    expect(none.summary).toBeNull();
    expect(pairedVerdict(none)).toEqual({ verdict: 'inconclusive', reason: 'no seed in common' });
    expect(() => sharedSeedDifferences([{ seed: 1, value: 1 }, { seed: 1, value: 2 }], [], 'gain')).toThrow(/gain: seed 1 appears twice/);
  });

  it('seeds for a target CI half-width, by hand: t(0.975, n − 1)·sd/√n', () => {
    // sd 2: n = 2 gives 12.706·2/√2 = 17.97, n = 3 gives 4.3027·2/√3 = 4.968 ≤ 5
    expect(seedsForHalfWidth(2, 5)).toBe(3);
    // sd 4: n = 4 gives 3.1824·4/2 = 6.36, n = 5 gives 2.7764·4/√5 = 4.967 ≤ 5
    expect(seedsForHalfWidth(4, 5)).toBe(5);
    expect(seedsForHalfWidth(0, 5)).toBe(2);
    expect(seedsForHalfWidth(1000, 1, 50)).toBeNull();
    expect(() => seedsForHalfWidth(1, 0)).toThrow(/target > 0/);
  });

  it('combined verdicts: any "not supported" wins, then "inconclusive"', () => {
    expect(combineVerdicts(['supported', 'inconclusive'])).toBe('inconclusive');
    expect(combineVerdicts(['supported', 'not supported', 'inconclusive'])).toBe('not supported');
    expect(combineVerdicts(['supported', 'supported'])).toBe('supported');
    expect(combineVerdicts([])).toBe('inconclusive');
  });
});

describe('tables', () => {
  it('Table 1 Δ is RFT − SFT per seed, then averaged (paired: a constant gain has zero spread)', () => {
    let rows = syntheticRows();
    const f = { experiment: 'table1', method: 'vanilla', split: 'id', metric: 'accuracy' } as const;
    rows = setCell(rows, { ...f, stage: 'sft' }, [0.1, 0.5, 0.3]);
    rows = setCell(rows, { ...f, stage: 'rft' }, [0.2, 0.6, 0.4]);
    const van = table1Records(rows).find((r) => r.method === 'vanilla')!;
    expect(van.id.sft.mean).toBeCloseTo(30, 10);
    expect(van.id.rft.mean).toBeCloseTo(40, 10);
    expect(van.id.delta.mean).toBeCloseTo(10, 10);
    // unpaired, the spread of SFT alone is 20 pp; paired, every seed gains exactly 10 pp
    expect(van.id.sft.sd).toBeCloseTo(20, 10);
    expect(van.id.delta.sd).toBeCloseTo(0, 10);
    expect(van.seeds).toEqual([0, 1, 2]);
    expect(van.tokens.mean).toBe(100_000);
    const t = table1Table(rows);
    expect(t.columns).toContain('ID Δ pp');
    expect(t.rows.filter((r) => r[0] === 'ours').map((r) => r[1])).toEqual(['Vanilla', 'PP-Aug', 'RC-Aug', 'BRIDGE']);
    expect(t.rows.some((r) => r[0] === 'paper: Qwen2.5-1.5B' && r[1] === 'BRIDGE' && r[4] === '+46.6' && r[7] === '+48.8')).toBe(true);
  });

  it('a missing Table-1 cell, an unpaired seed or a percent-scaled accuracy is an error naming it', () => {
    const rows = syntheticRows();
    const noCell = rows.filter((r) => !(r.experiment === 'table1' && r.method === 'pp-aug' && r.stage === 'rft' && r.split === 'ood'));
    expect(() => table1Records(noCell)).toThrow(/missing required series.*method=pp-aug stage=rft split=ood metric=accuracy/);
    const unpaired = rows.filter((r) => !(r.experiment === 'table1' && r.method === 'bridge' && r.stage === 'rft' && r.split === 'id' && r.seed === 2));
    expect(() => table1Records(unpaired)).toThrow(/table1 bridge id: RFT − SFT: seeds must match/);
    const pct = rows.map((r) => (r.experiment === 'table1' && r.metric === 'accuracy' && r.method === 'rc-aug' ? { ...r, value: 40 } : r));
    expect(() => table1Records(pct)).toThrow(/fraction in \[0, 1\].*method=rc-aug/);
  });

  it('chance-corrected Table 1 and the above-guessing α share sit next to the raw numbers; absent for older rows', () => {
    let rows = syntheticRows();
    const f = { experiment: 'table1', method: 'vanilla', stage: 'sft', split: 'id', metric: 'accuracy_chance_corrected' } as const;
    rows = setCell(rows, f, [0, 0.5, 1]);
    const t = chanceCorrectedTable(rows, 'table1', ['vanilla', 'bridge'])!;
    expect(t.columns).toEqual(['method', 'ID SFT %', 'ID RFT %', 'OOD SFT %', 'OOD RFT %', 'seeds']);
    expect(t.rows[0][0]).toBe('Vanilla');
    expect(t.rows[0][1]).toMatch(/^50\.0 ± /);
    expect(t.rows[0][5]).toBe(3);
    const alpha = alphaTable(rows);
    expect(alpha.columns).toContain('above guessing %');
    const older = rows.filter((r) => r.metric !== 'accuracy_chance_corrected' && r.metric !== 'informative_share_above_guess');
    expect(chanceCorrectedTable(older, 'table1', ['vanilla'])).toBeNull();
    expect(alphaTable(older).columns).not.toContain('above guessing %');
  });

  it('Figure 4 lists the behaviour sets, then complete sweep arms', () => {
    const recs = fig4Records(syntheticRows({ sweep: true }));
    expect(recs.map((r) => r.method)).toEqual([
      'vanilla', 'explore', 'analysis', 'subgoal', 'exploit', 'bridge',
      'bridge[reflect=0]', 'bridge[reflect=0.1]', 'bridge[reflect=0.2]', 'bridge[reflect=0.3]',
    ]);
  });

  it('danfo frames (plain rows in, DataFrame out, HTML table)', () => {
    const rows = syntheticRows();
    const df = table1Frame(rows);
    expect(df.columns[0]).toBe('source');
    expect(df.shape).toEqual([4 + 6, 11]);
    const html = frameToHTML(df);
    expect(html).toContain('<th>ID Δ pp</th>');
    expect(html).toContain('<td>BRIDGE</td>');
    expect(html).toContain('<td>—</td>'); // the paper's unknown cells
    expect(rowsFrame(rows).shape).toEqual([rows.length, 9]);
  });
});

describe('claims', () => {
  const verdicts = (rows: ResultRow[]) => Object.fromEntries(evaluateClaims(rows).map((c) => [c.id, c.verdict]));

  it('clearly higher BRIDGE → supported', () => {
    const v = verdicts(syntheticRows({ gains: { bridge: 0.25 }, noise: 0.005 }));
    expect(v).toEqual({ a: 'supported', b: 'supported', c: 'supported', d: 'supported' });
  });

  it('clearly lower BRIDGE → not supported', () => {
    const rows = syntheticRows({
      gains: { bridge: 0.0, vanilla: 0.2, explore: 0.2, analysis: 0.2, subgoal: 0.2 },
      informative: { bridge: 0.1, vanilla: 0.5 },
      influence: { bridge: 1e-4, vanilla: 1e-3 },
      noise: 0.005,
    });
    expect(verdicts(rows)).toEqual({ a: 'not supported', b: 'not supported', c: 'not supported', d: 'not supported' });
  });

  it('equal effects with noise → inconclusive, with both sides and the paired difference', () => {
    const same = { bridge: 0.05, vanilla: 0.05, explore: 0.05, analysis: 0.05, subgoal: 0.05 };
    const rows = syntheticRows({ gains: same, noise: 0.03, informative: { bridge: 0.3 }, influence: { bridge: 1e-3 } });
    const claims = evaluateClaims(rows);
    for (const c of claims) expect(c.verdict, `claim ${c.id}`).toBe('inconclusive');
    const a = claims[0].comparisons[0];
    expect(a.reason).toBe('95 % CI of the paired difference includes 0');
    expect(a.a.value!.n).toBe(3);
    expect(a.paired!.seeds).toEqual([0, 1, 2]);
    expect(formatComparison(a)).toMatch(
      /^RL gain ID: BRIDGE \+\d+\.\d ± \d+\.\d pp \(n=3\) vs Vanilla [-+]\d+\.\d ± \d+\.\d pp \(n=3\); paired per-seed difference [-+]\d+\.\d ± \d+\.\d pp \(n=3\) → inconclusive \(95 % CI of the paired difference includes 0\)$/,
    );
  });

  const informativeCell = { experiment: 'fig1', stage: 'probe', split: 'rl-train', metric: 'informative_share' } as const;

  it('claim (b) reads its verdict from the per-seed differences: the hand-computed case, in pp', () => {
    let rows = setCell(syntheticRows(), { ...informativeCell, method: 'bridge' }, [0.03, 0.05, 0.04]);
    rows = setCell(rows, { ...informativeCell, method: 'vanilla' }, [0.01, 0.02, 0.04]);
    const b = evaluateClaims(rows).find((c) => c.id === 'b')!;
    const cmp = b.comparisons[0];
    expect(cmp.paired!.summary!.mean).toBeCloseTo(5 / 3, 10);
    expect(cmp.paired!.summary!.ci).toBeCloseTo((T975_2 * Math.sqrt(7 / 3)) / Math.sqrt(3), 10);
    expect(b.verdict).toBe('inconclusive');
    expect(formatComparison(cmp)).toBe(
      'share of queries with 0 < α < 1: BRIDGE 4.0 ± 2.5 % (n=3) vs Vanilla 2.3 ± 3.8 % (n=3); ' +
        'paired per-seed difference +1.7 ± 3.8 pp (n=3) → inconclusive (95 % CI of the paired difference includes 0)',
    );
  });

  it('pairing by seed decides where the two per-method CIs overlap: a seed effect both arms share cancels', () => {
    // the seeds differ by 30 pp, BRIDGE is 2–3 pp above Vanilla on every seed
    let rows = setCell(syntheticRows(), { ...informativeCell, method: 'bridge' }, [0.2, 0.5, 0.8]);
    rows = setCell(rows, { ...informativeCell, method: 'vanilla' }, [0.18, 0.475, 0.77]);
    const cmp = evaluateClaims(rows).find((c) => c.id === 'b')!.comparisons[0];
    expect(cmp.a.value!.lo!).toBeLessThan(cmp.b.value!.hi!); // the unpaired intervals overlap
    expect(cmp.paired!.summary!.mean).toBeCloseTo(2.5, 10);
    expect(cmp.verdict).toBe('supported');
    rows = setCell(rows, { ...informativeCell, method: 'vanilla' }, [0.22, 0.525, 0.83]);
    expect(evaluateClaims(rows).find((c) => c.id === 'b')!.verdict).toBe('not supported');
  });

  it('different seed sets: only the shared seeds are paired, and the line says n and which seeds were left out', () => {
    const cell = { experiment: 'fig1', stage: 'probe', split: 'rl-train', metric: 'influence_mean' } as const;
    let rows = setSeedCell(syntheticRows(), { ...cell, method: 'bridge' }, [[0, 5e-3], [1, 7e-3], [2, 9e-3]]);
    rows = setSeedCell(rows, { ...cell, method: 'vanilla' }, [[1, 1e-3], [2, 2e-3], [3, 1]]);
    const c = evaluateClaims(rows).find((x) => x.id === 'c')!.comparisons[0];
    expect(c.paired).toMatchObject({ seeds: [1, 2], onlyA: [0], onlyB: [3] });
    expect(c.paired!.differences[0]).toBeCloseTo(6e-3, 15);
    expect(c.paired!.differences[1]).toBeCloseTo(7e-3, 15);
    expect(c.paired!.summary!.n).toBe(2);
    expect(c.paired!.summary!.mean).toBeCloseTo(6.5e-3, 15); // seed 3's 1.0 is not in it
    // t(0.975, 1) = 12.706…: with two seeds the interval [6.5e-3 ± 6.35e-3] still lies above 0
    expect(c.verdict).toBe('supported');
    expect(c.a.value!.n).toBe(3); // each side's own summary keeps all its seeds
    expect(c.b.value!.n).toBe(3);
    expect(formatComparison(c)).toContain('paired per-seed difference +0.00650 ± 0.00635 (n=2 shared seeds; seed 0 BRIDGE only; seed 3 Vanilla only) → supported');
    const apart = setSeedCell(rows, { ...cell, method: 'vanilla' }, [[7, 1e-3]]);
    const none = evaluateClaims(apart).find((x) => x.id === 'c')!.comparisons[0];
    expect(none.verdict).toBe('inconclusive');
    expect(formatComparison(none)).toContain('paired per-seed difference: no seed in common (seeds 0, 1, 2 BRIDGE only; seed 7 Vanilla only) → inconclusive (no seed in common)');
  });

  it('one seed → inconclusive (n=1); missing rows → inconclusive (no data), never a throw', () => {
    const one = evaluateClaims(syntheticRows({ seeds: [0], gains: { bridge: 0.3 } }));
    for (const c of one) {
      expect(c.verdict).toBe('inconclusive');
      expect(c.comparisons.every((x) => x.reason.startsWith('n=1'))).toBe(true);
    }
    expect(formatComparison(one[0].comparisons[0])).toMatch(
      /^RL gain ID: BRIDGE \+\d+\.\d pp \(n=1\) vs Vanilla [-+]\d+\.\d pp \(n=1\); paired per-seed difference [-+]\d+\.\d pp \(n=1\) → inconclusive \(n=1/,
    );
    const none = evaluateClaims(syntheticRows().filter((r) => r.experiment !== 'fig4'));
    expect(none[3].verdict).toBe('inconclusive');
    expect(none[3].comparisons[0].reason).toMatch(/^no data/);
    expect(none[3].comparisons[0].paired).toBeNull();
    expect(formatComparison(none[3].comparisons[0])).not.toContain('paired');
  });
});

describe('the resolution of the key comparison', () => {
  const gain = (method: string, stage: 'sft' | 'rft') => ({ experiment: 'table1', method, stage, split: 'id', metric: 'accuracy' }) as const;
  it('a half-width within 5 pp that holds 0 bounds the effect; a wider one says how many seeds the measured sd needs', () => {
    // BRIDGE − Vanilla gain differences (pp) [2, 3, 0]: mean 5/3, sd √(7/3) = 1.528, half-width 3.795 ≤ 5, interval holds 0
    let rows = setCell(syntheticRows(), gain('vanilla', 'sft'), [0.3, 0.3, 0.3]);
    rows = setCell(rows, gain('vanilla', 'rft'), [0.3, 0.3, 0.3]);
    rows = setCell(rows, gain('bridge', 'sft'), [0.3, 0.3, 0.3]);
    rows = setCell(rows, gain('bridge', 'rft'), [0.32, 0.33, 0.3]);
    const [id] = powerLines(evaluateClaims(rows));
    const lo = 5 / 3 - (T975_2 * Math.sqrt(7 / 3)) / Math.sqrt(3);
    const hi = 5 / 3 + (T975_2 * Math.sqrt(7 / 3)) / Math.sqrt(3);
    expect(id).toBe(
      `RL gain ID, BRIDGE − Vanilla: 95 % CI half-width 3.8 pp over 3 seeds (sd 1.5 pp): within the 5 pp target; ` +
        `the interval holds 0, so a difference beyond ±${Math.max(-lo, hi).toFixed(1)} pp is excluded at this scale.`,
    );
    // differences [0, 6, 12] pp: sd 6, half-width 14.9; n = 8 gives 2.3646·6/√8 = 5.016 > 5, n = 9 gives 2.3060·6/3 = 4.61
    rows = setCell(rows, gain('bridge', 'rft'), [0.3, 0.36, 0.42]);
    const wide = powerLines(evaluateClaims(rows))[0];
    expect(wide).toContain('95 % CI half-width 14.9 pp over 3 seeds (sd 6.0 pp): wider than the 5 pp target');
    expect(wide).toContain('about 9 seeds would reach it');
    expect(powerLines(evaluateClaims(syntheticRows({ seeds: [0] })))[0]).toMatch(/no paired spread yet/);
  });
});

describe('the mechanism during RL', () => {
  it('per method, the mean of the per-step shares over the first and the last tenth of the steps, over seeds', () => {
    // the fixture: 11 steps (0–10), BRIDGE-like arms reflect in 10 % · (1 − step/10) of the rollouts, Vanilla never
    const t = mechanismDuringRlTable(syntheticRows())!;
    expect(t.columns.slice(0, 3)).toEqual(['method', 'GRPO steps', 'reflection %']);
    const row = (label: string, window: string) => t.rows.find((r) => r[0] === label && String(r[1]).startsWith(window))!;
    expect(row('BRIDGE', 'first tenth').slice(1, 3)).toEqual(['first tenth (steps 0–0)', '10.0 ± 0.0']);
    expect(row('BRIDGE', 'last tenth').slice(1, 3)).toEqual(['last tenth (steps 10–10)', '0.0 ± 0.0']);
    expect(row('Vanilla', 'first tenth')[2]).toBe('0.0 ± 0.0');
    expect(row('BRIDGE', 'first tenth').at(-1)).toBe(3);
    expect(mechanismDuringRlTable(syntheticRows().filter((r) => r.metric !== 'reflection_share'))).toBeNull();
  });
});

describe('the mechanism table', () => {
  const METHOD_LABELS = ['Vanilla', 'PP-Aug', 'RC-Aug', 'BRIDGE', 'reflection only', 'analysis only', 'subgoal only', 'exploitation (analysis + subgoal)'];
  const find = (t: { rows: (string | number | null)[][] }, label: string, split: string, model: string) =>
    t.rows.find((r) => r[0] === label && r[1] === split && r[2] === model);

  it('per method, split and model: mean ± CI over seeds of the fixture\'s known values, "—" where a cell has none', () => {
    const t = mechanismTable(syntheticRows({ mechanism: true }))!;
    expect(t.columns).toEqual([
      'method', 'split', 'model', 'reflection %', 'recovery %',
      'first error: retrieval %', 'first error: arithmetic %', 'first error: ordering %', 'first error: format %', 'seeds',
    ]);
    // each evaluated method once (Table 1's arms, then Figure 4's others), ID then OOD, SFT then RFT
    expect(t.rows.map((r) => r[0])).toEqual(METHOD_LABELS.flatMap((l) => [l, l, l, l]));
    expect(t.rows.slice(0, 4).map((r) => `${r[1]} ${r[2]}`)).toEqual(['ID SFT', 'ID RFT (after GRPO)', 'OOD SFT', 'OOD RFT (after GRPO)']);
    // reflection share 40, 50, 60 % over three seeds: sd 10, half-width t(0.975, 2) · 10 / √3 = 24.8
    expect(find(t, 'BRIDGE', 'ID', 'SFT')).toEqual(['BRIDGE', 'ID', 'SFT', '50.0 ± 24.8', '20.0 ± 0.0', '40.0 ± 0.0', '30.0 ± 0.0', '20.0 ± 0.0', '10.0 ± 0.0', 3]);
    expect(find(t, 'BRIDGE', 'OOD', 'RFT (after GRPO)')).toEqual(['BRIDGE', 'OOD', 'RFT (after GRPO)', '30.0 ± 24.8', '60.0 ± 0.0', '10.0 ± 0.0', '30.0 ± 0.0', '20.0 ± 0.0', '40.0 ± 0.0', 3]);
    // Vanilla never reflects: a share of 0 and no recovery rate
    expect(find(t, 'Vanilla', 'ID', 'SFT')!.slice(3, 5)).toEqual(['0.0 ± 0.0', null]);
    expect(mechanismFrame(syntheticRows({ mechanism: true }))!.shape).toEqual([32, 10]);
  });

  it('says "(n=k)" where fewer seeds define a cell, shows one seed without a CI, and takes no rows from the Figure-4 copy of a Table-1 arm', () => {
    const rows = syntheticRows({ mechanism: true });
    const drop = (r: ResultRow) => r.experiment === 'table1' && r.method === 'bridge' && r.stage === 'rft' && r.split === 'id' && r.metric === 'recovery_rate' && r.seed === 0;
    const t = mechanismTable(rows.filter((r) => !drop(r)))!;
    expect(find(t, 'BRIDGE', 'ID', 'RFT (after GRPO)')![4]).toBe('60.0 ± 0.0 (n=2)');
    // BRIDGE is read from table1: changing its fig4 rows changes nothing
    const fig4Changed = rows.map((r) => (r.experiment === 'fig4' && r.method === 'bridge' ? { ...r, value: 0.99 } : r));
    expect(mechanismTable(fig4Changed)).toEqual(mechanismTable(rows));
    const one = mechanismTable(syntheticRows({ mechanism: true, seeds: [1] }))!;
    expect(find(one, 'BRIDGE', 'ID', 'SFT')!.slice(3, 5)).toEqual(['40.0 (n=1)', '20.0 (n=1)']);
  });

  it('reads what collectRows writes from an evaluation\'s mechanism counts', () => {
    const mechanism = {
      ...emptyMechanism(),
      rollouts: 10, correct: 4, withReflection: 5, reflectionRecovered: 3, correctWithoutReflection: 1, withAnyReflection: 6,
      firstError: { retrieval: 3, arithmetic: 2, ordering: 1, format: 0 },
    };
    const rows = collectRows({
      experiments: [{ name: 'table1', methods: [{ name: 'bridge' }] }],
      seeds: [1],
      lookup: new Map([['bridge|1|eval-sft', 'eval-sft-bridge-s1']]),
      results: new Map([['eval-sft-bridge-s1', { id: { accuracy: 0.4, mechanism }, ood: { accuracy: 0.4, mechanism } }]]),
    });
    for (const r of rows.filter((x) => x.metric !== 'accuracy')) expect(MECHANISM_METRICS.map((m) => m.metric)).toContain(r.metric);
    const t = mechanismTable(rows)!;
    expect(t.rows).toHaveLength(2); // ID and OOD of the SFT model; no RFT evaluation yet
    // 5 of 10 reflect, 3 of those 5 end right; the 6 wrong ones first fail 3 × retrieval, 2 × arithmetic, 1 × ordering
    expect(find(t, 'BRIDGE', 'ID', 'SFT')).toEqual(['BRIDGE', 'ID', 'SFT', '50.0 (n=1)', '60.0 (n=1)', '50.0 (n=1)', '33.3 (n=1)', '16.7 (n=1)', '0.0 (n=1)', 1]);
  });

  it('summary.md and report.html show the table, or one line where the rows carry no mechanism metrics', () => {
    const rows = syntheticRows({ mechanism: true });
    const md = summaryMarkdown(rows, {});
    expect(md).toMatch(/## The mechanism in the greedy completions\n\nThe greedy test completions[^\n]*\n\n\| method \| split \| model \| reflection % \|/);
    expect(md).toContain('| BRIDGE | ID | SFT | 50.0 ± 24.8 | 20.0 ± 0.0 | 40.0 ± 0.0 | 30.0 ± 0.0 | 20.0 ± 0.0 | 10.0 ± 0.0 | 3 |');
    const html = reportHTML({ rows, meta: {}, figures: [] });
    expect(html).toMatch(/<section id="mechanism">[\s\S]*id="table-mechanism"[\s\S]*<td>BRIDGE<\/td><td>ID<\/td><td>SFT<\/td><td>50.0 ± 24.8<\/td>/);
    expect(html).toMatch(/id="table-mechanism"[\s\S]*<p>The same counts on the GRPO training rollouts[^<]*<\/p>\n<table[^>]*id="table-mechanism-rl"/);
    expect(md).toContain('| BRIDGE | first tenth (steps 0–0) | 10.0 ± 0.0 |');
    // results written before evaluation and GRPO recorded the mechanism
    const old = syntheticRows().filter((r) => r.metric !== 'reflection_share');
    expect(mechanismTable(old)).toBeNull();
    expect(mechanismFrame(old)).toBeNull();
    expect(summaryMarkdown(old, {})).toContain(`## The mechanism in the greedy completions\n\n${NO_MECHANISM}\n`);
    const oldHtml = reportHTML({ rows: old, meta: {}, figures: [] });
    expect(oldHtml).toContain(`<section id="mechanism"><h2>The mechanism in the greedy completions</h2>\n<p class="note">${NO_MECHANISM}</p>\n</section>`);
    expect(oldHtml).not.toContain('table-mechanism');
  });
});

/** Every title string inside a spec's encodings and facets (the axis and legend titles a reader sees). */
function encodingTitles(spec: unknown, out: string[] = []): string[] {
  if (Array.isArray(spec)) for (const x of spec) encodingTitles(x, out);
  else if (spec && typeof spec === 'object') {
    for (const [k, v] of Object.entries(spec)) {
      if ((k === 'encoding' || k === 'facet') && v && typeof v === 'object') {
        for (const ch of Object.values(v)) if (ch && typeof (ch as { title?: unknown }).title === 'string') out.push((ch as { title: string }).title);
      }
      encodingTitles(v, out);
    }
  }
  return out;
}

const svgText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('identical arms', () => {
  const stage = (method: string, seed: number, answersHash?: string) => ({ id: `data-${method}-s${seed}`, kind: 'data', method, seed, answersHash });
  it('groups the methods whose data stages share an answers hash, with the seeds where they do', () => {
    const meta = {
      stages: [
        stage('analysis', 1, 'a1'), stage('exploit', 1, 'a1'), stage('subgoal', 1, 's1'),
        stage('analysis', 2, 'a2'), stage('exploit', 2, 'a2'), stage('subgoal', 2, 'a2x'),
        stage('analysis', 3, 'a3'), stage('exploit', 3, 'e3'), stage('vanilla', 3),
        { id: 'sft-analysis-s1', kind: 'sft', method: 'analysis', seed: 1, answersHash: 'a1' },
      ],
    };
    expect(identicalAnswerGroups(meta)).toEqual([{ methods: ['analysis', 'exploit'], seeds: [1, 2] }]);
    expect(identicalAnswerNotes(meta)).toEqual([
      'analysis only and exploitation (analysis + subgoal) were fine-tuned on byte-identical SFT answers (seeds 1, 2; same sha256 of their data), so their rows come from the same models: one condition, not 2.',
    ]);
    expect(identicalAnswerGroups({ stages: [stage('analysis', 1, 'x'), stage('exploit', 1, 'y')] })).toEqual([]);
    expect(identicalAnswerGroups({})).toEqual([]);
  });

  it('summary.md and report.html state them next to Figure 4', () => {
    const rows = syntheticRows();
    const meta = { stages: [stage('analysis', 0, 'h'), stage('exploit', 0, 'h')] };
    const md = summaryMarkdown(rows, meta);
    expect(md).toMatch(/## Figure 4[^#]*\*\*Identical arms\.\*\* analysis only and exploitation \(analysis \+ subgoal\) were fine-tuned on byte-identical SFT answers \(seed 0;/);
    expect(summaryMarkdown(rows, { stages: [] })).not.toMatch(/Identical arms/);
    const html = reportHTML({ rows, meta, figures: [] });
    expect(html).toMatch(/<section id="figure4">[\s\S]*<p class="note"><strong>Identical arms\.<\/strong> analysis only and exploitation \(analysis \+ subgoal\) were fine-tuned[\s\S]*<\/section>/);
  });
});

describe('a one-seed run', () => {
  const quick = { preset: 'quick', command: 'bridge reproduce --preset quick --out data/results/quick', config: { seeds: [1] } };

  it('summary.md starts with what one seed can show (a direction) and cannot (a verdict), pointing at the full results', () => {
    const rows = syntheticRows({ seeds: [1] });
    const md = summaryMarkdown(rows, quick);
    const head = md.slice(0, md.indexOf('- **command**'));
    expect(head.startsWith('# BRIDGE reproduction: summary\n\n> One seed: a direction, not a verdict.')).toBe(true);
    expect(head).toContain('> It cannot decide a claim: one seed gives no confidence interval');
    expect(head).toContain(`${FULL_RESULTS_DIR}/ (summary.md, report.html)`);
    expect(FULL_RESULTS_DIR).toBe('data/results/full');
    // what the note says holds: every claim is inconclusive
    expect(md.match(/^### \(.\) .*: \*\*inconclusive\*\*$/gm)).toHaveLength(4);
    const html = reportHTML({ rows, meta: quick, figures: [] });
    expect(html).toMatch(/<h1>BRIDGE reproduction report<\/h1>\n<section id="one-seed"><p class="note">One seed: a direction, not a verdict\.[^<]*<\/p><p class="note">It cannot decide a claim[^<]*<\/p><p class="note">[^<]*data\/results\/full\/ \(summary\.md, report\.html\)\.<\/p><\/section>\n<section id="provenance">/);
  });

  it('only for one seed: the preset\'s seeds when the meta has them, else the rows\'', () => {
    const three = syntheticRows({ seeds: [0, 1, 2] });
    expect(oneSeedNote(three, { config: { seeds: [0, 1, 2] } })).toEqual([]);
    expect(summaryMarkdown(three, { config: { seeds: [0, 1, 2] } })).not.toContain('One seed');
    expect(reportHTML({ rows: three, meta: {}, figures: [] })).not.toContain('id="one-seed"');
    expect(runSeeds(three, {})).toEqual([0, 1, 2]);
    expect(runSeeds(three, { config: { seeds: [3, 1] } })).toEqual([1, 3]);
    expect(oneSeedNote(syntheticRows({ seeds: [4] }), {})).toHaveLength(3);
    expect(oneSeedNote(three, { config: { seeds: [7] } })).toHaveLength(3);
  });
});

describe('specs', () => {
  it('every figure renders to SVG with its title and axis titles; optional series without rows say "no data"', async () => {
    const full = allFigures(syntheticRows({ sweep: true }));
    expect(full.map((f) => f.id)).toEqual([...FIGURE_IDS]);
    expect(full.every((f) => f.hasData)).toBe(true);
    const sparse = allFigures(syntheticRows().filter((r) => !(r.metric === 'influence' || r.split === 'rl-val' || r.metric === 'influence_cosine')));
    expect(sparse.filter((f) => !f.hasData).map((f) => f.id)).toEqual(['fig1-val-accuracy', 'fig1-influence', 'fig1-influence-cosine', 'fig4-p-sweep']);
    for (const f of [...full, ...sparse.filter((x) => !x.hasData)]) {
      const svg = await vegaLiteToSVG(f.spec);
      expect(svg, f.id).toContain(svgText(f.title));
      const titles = encodingTitles(f.spec as VegaLiteSpec);
      expect(titles.length, f.id).toBeGreaterThanOrEqual(2);
      for (const t of titles) expect(svg, `${f.id}: ${t}`).toContain(svgText(t));
      if (!f.hasData) expect(svg).toContain('no data');
    }
    // the sweep's x title names the swept setting when there are arms, and does not repeat "p" when there are none
    expect(encodingTitles(full.find((f) => f.id === 'fig4-p-sweep')!.spec as VegaLiteSpec)).toContain('injection probability p (reflect)');
    expect(encodingTitles(sparse.find((f) => f.id === 'fig4-p-sweep')!.spec as VegaLiteSpec)).toContain('injection probability p');
  });

  it('the Table 1 chart marks the paper\'s accuracies over the bars they compare with, with a "paper" legend', async () => {
    const spec = allFigures(syntheticRows()).find((f) => f.id === 'table1-accuracy')!.spec as { data: { values: Record<string, unknown>[] } };
    const ref = spec.data.values.filter((v) => v.kind === 'reference');
    // Vanilla and BRIDGE × three paper models × SFT and RFT on ID; the paper gives no OOD accuracies
    expect(ref).toHaveLength(12);
    expect(ref.every((v) => String(v.split).startsWith('ID'))).toBe(true);
    const expected = PAPER_TABLE1.flatMap((p) => [p.idSft, p.idRft]).sort((a, b) => a! - b!);
    expect(ref.map((v) => v.paper).sort((a, b) => (a as number) - (b as number))).toEqual(expected);
    expect(ref.find((v) => v.model === 'Qwen2.5-1.5B' && v.method === 'BRIDGE' && v.stage === 'RFT (after GRPO)')?.paper).toBe(91.4);
    const svg = await vegaLiteToSVG(spec);
    expect(svg).toContain('>paper<');
    for (const m of ['Qwen2.5-1.5B', 'Qwen2.5-3B', 'Llama-3.2-1B']) expect(svg).toContain(m);
    // open black outlines: where two paper models coincide (Qwen 1.5B and 3B on Vanilla SFT, BRIDGE RFT) both stay
    // visible, and the legend draws its symbols with the marks' own stroke, so every shape reads at the same size
    const marks = svg.match(/<path aria-label="[^"]*paper model: [^"]*"[^>]*>/g) ?? [];
    expect(marks).toHaveLength(12);
    for (const m of marks) {
      expect(m).toContain('stroke="#000000"');
      expect(m).not.toMatch(/ fill="(?!transparent|none)/);
    }
    const legendSymbols = svg.match(/role-legend-symbol[^>]*><path [^>]*stroke="#000000"[^>]*>/g) ?? [];
    expect(legendSymbols).toHaveLength(3);
    for (const l of legendSymbols) expect(l).toContain('stroke-width="1.5"');
    // a run without the paper's methods draws no marks and no legend for them
    const none = table1Spec(syntheticRows(), ['pp-aug', 'rc-aug']) as { data: { values: Record<string, unknown>[] } };
    expect(none.data.values.some((v) => v.kind === 'reference')).toBe(false);
    expect(await vegaLiteToSVG(none)).not.toContain('>paper<');
  });

  it('the α histogram keeps ALPHA_BINS order and shades the informative bins', () => {
    const spec = allFigures(syntheticRows()).find((f) => f.id === 'fig1-alpha')!.spec;
    const json = JSON.stringify(spec);
    expect(json).toContain(JSON.stringify(['0', '(0,0.2]', '(0.2,0.4]', '(0.4,0.6]', '(0.6,0.8]', '(0.8,1)', '1']));
    expect(json).toContain('informative region 0 < α < 1');
  });
});

describe('writeReport', () => {
  it('writes every figure (vl.json, svg, png), a self-contained report.html and summary.md with all four claims', async () => {
    const out = path.join(tmp, 'report');
    const meta = {
      command: 'bridge reproduce --preset tiny --out x',
      preset: 'tiny',
      revision: { commit: 'deadbeefcafe', dirty: false },
      stages: [{ id: 'sft-bridge-s0-0123456789ab', hash: '0123456789abcdef0123', status: 'done' }],
      config: { seeds: [0, 1, 2] },
    };
    const { files } = await writeReport(out, syntheticRows({ sweep: true }), meta);
    for (const id of FIGURE_IDS) {
      for (const ext of ['vl.json', 'svg', 'png']) expect(files).toContain(path.join(out, 'figures', `${id}.${ext}`));
      expect(fs.readFileSync(path.join(out, 'figures', `${id}.svg`), 'utf8').startsWith('<svg')).toBe(true);
      expect(Array.from(fs.readFileSync(path.join(out, 'figures', `${id}.png`)).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }
    expect(fs.readdirSync(path.join(out, 'figures')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    for (const id of FIGURE_IDS) {
      expect(html).toContain(`<figure id="fig-${id}"`);
      expect(html).toContain(`figures/${id}.svg`);
    }
    expect((html.match(/<svg/g) ?? []).length).toBe(FIGURE_IDS.length);
    // without the sweep's rows its panel is one line, not an empty chart
    await writeReport(path.join(tmp, 'report-nosweep'), syntheticRows({ sweep: false }), meta);
    const html2 = fs.readFileSync(path.join(tmp, 'report-nosweep', 'report.html'), 'utf8');
    const sweepFig = html2.slice(html2.indexOf('<figure id="fig-fig4-p-sweep"'), html2.indexOf('</figure>', html2.indexOf('<figure id="fig-fig4-p-sweep"')));
    expect(sweepFig).toMatch(/not drawn \(no data/);
    expect(sweepFig).not.toContain('<svg');
    expect((html2.match(/<svg/g) ?? []).length).toBe(FIGURE_IDS.length - 1);
    expect(html).not.toMatch(/<script|<link /); // self-contained: no scripts, no external stylesheets
    expect(html).toContain('deadbeefcafe');
    expect(html).toContain('0123456789ab');
    expect(html).toContain('id="table-table1"');
    expect(html).toContain('id="table-table1-chance"');
    const md = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    for (const id of ['a', 'b', 'c', 'd']) expect(md).toMatch(new RegExp(`### \\(${id}\\) .*: \\*\\*(supported|not supported|inconclusive)\\*\\*`));
    // every claim line carries the paired difference its verdict comes from, in the summary and in the report
    const claimLines = md.split('\n').filter((l) => / → (supported|not supported|inconclusive) \(/.test(l));
    expect(claimLines).toHaveLength(2 + 1 + 1 + 6); // (a) ID and OOD, (b), (c), (d) three singles × ID and OOD
    for (const l of claimLines) expect(l).toMatch(/; paired per-seed difference [-+][\d.e-]+ ± [\d.e-]+( pp)? \(n=3\) → /);
    expect(html.match(/<li>[^<]*; paired per-seed difference [^<]* \(n=3\) → /g)).toHaveLength(claimLines.length);
    expect(html).toContain('is judged on paired per-seed differences');
    expect(md).toContain('+46.6'); // the paper's numbers next to ours
    expect(md).toContain('Chance-corrected accuracy');
    expect(md).toContain('above guessing %');
    expect(md).toContain('`bridge reproduce --preset tiny --out x`');
  });

  it('a missing required series fails with one error naming it; missing optional ones are listed', async () => {
    const rows = syntheticRows().filter((r) => !(r.experiment === 'fig1' && r.method === 'bridge' && r.metric === 'influence_mean'));
    await expect(writeReport(path.join(tmp, 'bad'), rows, {})).rejects.toThrow(
      /missing required series \(1\): experiment=fig1 method=bridge stage=probe metric=influence_mean bin=null/,
    );
    expect(fs.existsSync(path.join(tmp, 'bad', 'report.html'))).toBe(false);
    // failed stages are the usual cause: the error names them first
    await expect(writeReport(path.join(tmp, 'bad'), rows, { failures: ['probe-bridge-s1-abc'] })).rejects.toThrow(
      /report: 1 stage\(s\) failed \(probe-bridge-s1-abc\); missing required series/,
    );
    // a typed meta.json (ResultsMeta, an interface without index signature) is accepted as it is
    const typed: Parameters<typeof writeReport>[2] = {} as ResultsMeta;
    expect(typed).toEqual({});
    const ok = syntheticRows().filter((r) => r.split !== 'rl-val');
    expect(missingSeries(ok, requiredMethods(ok)).optional).toContain('experiment=fig1 method=vanilla stage=grpo split=rl-val metric=accuracy');
    await expect(writeReport(path.join(tmp, 'bad'), [{ ...ok[0], stage: 'nope' } as unknown as ResultRow], {})).rejects.toThrow(/rows\[0\]\.stage/);
  });

  it("meta.experiments sets the required methods (a run with fewer arms than the paper's)", async () => {
    const rows = syntheticRows().filter((r) => ['vanilla', 'bridge'].includes(r.method));
    const meta = { experiments: { table1: { methods: ['vanilla', 'bridge'] }, fig1: { methods: ['vanilla', 'bridge'] }, fig4: { methods: ['vanilla', 'bridge'] } } };
    const { files } = await writeReport(path.join(tmp, 'small'), rows, meta);
    expect(files.some((f) => f.endsWith('summary.md'))).toBe(true);
    const md = fs.readFileSync(path.join(tmp, 'small', 'summary.md'), 'utf8');
    expect(md).toMatch(/### \(d\) .*: \*\*inconclusive\*\*/); // no single-behaviour arms → no data
    expect(md).not.toContain('| ours | PP-Aug');
  });
});

describe('CommonJS (tslab) compilation', () => {
  it('src/report and src/notebook type-check with TS 5.0.4, Node10 resolution, non-strict, and runs as CommonJS', () => {
    const repo = path.resolve(__dirname, '..');
    const req = createRequire(path.join(repo, 'package.json'));
    const ts = req('@tslab/typescript-for-tslab');
    // inside node_modules so the compiled files resolve danfojs, vega and zod like the notebooks do
    const outDir = path.join(repo, 'node_modules', '.cache', `report-cjs-${process.pid}`);
    try {
      const prog = ts.createProgram([path.join(repo, 'src/notebook/index.ts')], {
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2022.d.ts'],
        esModuleInterop: true,
        resolveJsonModule: true,
        skipLibCheck: true,
        declaration: true,
        rootDir: repo,
        outDir,
      });
      const diags = ts
        .getPreEmitDiagnostics(prog)
        .filter((d: { file?: { fileName: string } }) => /\/src\/(report|notebook)\//.test(d.file?.fileName ?? ''))
        .map((d: { messageText: unknown; file?: { fileName: string } }) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      expect(diags).toEqual([]);
      expect(prog.emit().emitSkipped).toBe(false);
      const rowsFile = path.join(tmp, 'rows.json');
      fs.writeFileSync(rowsFile, JSON.stringify(syntheticRows()));
      const script = `
        const r = require(${JSON.stringify(path.join(outDir, 'src/notebook/index.js'))});
        const rows = JSON.parse(require('fs').readFileSync(${JSON.stringify(rowsFile)}, 'utf8'));
        r.writeReport(${JSON.stringify(path.join(tmp, 'cjs'))}, rows, {}).then((o) => {
          const df = r.table1Frame(rows);
          console.log(JSON.stringify({ files: o.files.length, shape: df.shape }));
        }, (e) => { console.error(e); process.exit(1); });`;
      const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
      expect(res.status, res.stderr.slice(-2000)).toBe(0);
      expect(JSON.parse(res.stdout.trim().split('\n').pop()!)).toEqual({ files: FIGURE_IDS.length * 3 + 2, shape: [10, 11] });
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});
