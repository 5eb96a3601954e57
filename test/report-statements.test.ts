// The helpers notebooks 02–04 call besides the report's own: paper-vs-ours statements for Figures 1 and 4, claim
// sections as Markdown, the Figure-4 accuracy chart, left-aligned prose tables, and loading a results directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultRow } from '../src/experiments/results';
import {
  claimsMarkdown,
  displayFrame,
  evaluateClaims,
  fig4AccuracySpec,
  figure1Statements,
  figure4Statements,
  frameToHTML,
  rewardRise,
  statementsTable,
  sweepMethods,
  vegaLiteToSVG,
  type VegaLiteSpec,
} from '../src/notebook/index';
import { loadResults, projectRoot, resultsMarkdown } from '../src/notebook/notebook';
import { FIXTURE_SWEEP, syntheticRows } from './report-fixture';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'report-statements-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('figure1Statements', () => {
  it('puts our numbers next to the paper per panel, with the verdicts of claims (b) and (c)', () => {
    const rows = syntheticRows();
    const st = figure1Statements(rows);
    expect(st.map((s) => [s.claim, s.verdict])).toEqual([
      [null, null],
      ['b', 'supported'],
      ['c', 'supported'],
    ]);
    const claims = evaluateClaims(rows);
    expect(st[1].verdict).toBe(claims.find((c) => c.id === 'b')!.verdict);
    expect(st[0].ours).toMatch(/Largest rise: BRIDGE\.$/); // fixture gains: BRIDGE 0.2, the others 0.03
    expect(st[1].ours).toMatch(/BRIDGE 60\.\d ± [\d.]+ %/);
    // influence_mean = informative share × scale: BRIDGE 0.6 · 3e-3 vs Vanilla 0.3 · 1e-3 ≈ 6×
    expect(st[2].ours).toMatch(/BRIDGE \/ Vanilla = (5\.[5-9]|6\.[0-4])×/);
    expect(st[2].ours).toContain("BRIDGE's mean is higher in 5 of the 5 informative α bins");
    expect(st[1].paper).toContain('0 < α < 1');
  });

  it('says "no data" instead of throwing when a panel has no rows; the claims become inconclusive', () => {
    const rows = syntheticRows().filter((r) => r.experiment !== 'fig1');
    const st = figure1Statements(rows);
    expect(st.map((s) => s.ours.startsWith('no data ('))).toEqual([true, true, true]);
    expect(st[1].verdict).toBe('inconclusive');
  });

  it('measures the reward rise over the first and last quarter of steps', () => {
    const curve = (method: string, values: number[]): ResultRow[] =>
      values.map((value, step) => ({ experiment: 'fig1', method, seed: 0, stage: 'grpo', split: 'rl-train', metric: 'reward_mean', step, bin: null, value }));
    const rows = [...curve('vanilla', [0.1, 0.3, 0.2, 0.2, 0.2, 0.2, 0.5, 0.1]), ...curve('bridge', [0, 0, 1, 1])];
    expect(rewardRise(rows).map((r) => [r.label, +r.early.toFixed(3), +r.late.toFixed(3)])).toEqual([
      ['Vanilla', 0.2, 0.3], // quarters of 8 steps: mean(0.1, 0.3) and mean(0.5, 0.1)
      ['BRIDGE', 0, 1],
    ]);
  });
});

describe('figure4Statements', () => {
  it('ranks the behaviour sets by RL gain, with claim (d), the two removals and the sweep', () => {
    const st = figure4Statements(syntheticRows({ sweep: true }));
    expect(st.map((s) => [s.claim, s.verdict])).toEqual([
      ['d', 'supported'],
      [null, null],
      [null, null],
      [null, null],
    ]);
    expect(st[0].ours).toMatch(/^behaviour sets by mean RL gain \(pp\): ID BRIDGE \+2\d\.\d ± [\d.]+ > /);
    expect(st[0].ours).not.toContain('reflect='); // sweep arms are not behaviour sets
    expect(st[1].ours).toMatch(/^RL gain BRIDGE vs exploitation \(analysis \+ subgoal\): ID \+\d+\.\d ± [\d.]+ vs \+\d\.\d ± [\d.]+ pp \(difference \+1\d\.\d\); OOD /);
    expect(st[2].ours).toContain('vs reflection only');
    expect(st[3].ours).toMatch(/^reflect = 0: ID \+\d.*; reflect = 0\.3: ID /);
    expect(sweepMethods(syntheticRows({ sweep: true }))).toEqual(FIXTURE_SWEEP);
  });

  it('without sweep arms says so; a missing single behaviour makes the ranking "no data" and claim (d) inconclusive', () => {
    expect(figure4Statements(syntheticRows())[3].ours).toMatch(/^no sweep arms in these results/);
    const st = figure4Statements(syntheticRows().filter((r) => !(r.experiment === 'fig4' && r.method === 'explore')));
    expect(st[0].ours).toMatch(/^no data \(missing required series: .*method=explore/);
    expect(st[0].verdict).toBe('inconclusive');
    expect(st[2].ours).toMatch(/^no data/);
  });

  it('becomes a four-column display table and a left-aligned HTML table', () => {
    const t = statementsTable(figure4Statements(syntheticRows()));
    expect(t.columns).toEqual(['panel', 'the paper', 'ours', 'verdict']);
    expect(t.rows.map((r) => r[3])).toEqual(['(d) supported', null, null, null]);
    const html = frameToHTML(displayFrame(t), { align: 'left' });
    expect(html).toContain('<th style="text-align: left; vertical-align: top">the paper</th>');
    expect(html).toContain('<td style="text-align: left; vertical-align: top">(d) supported</td>');
    expect(frameToHTML(displayFrame(t), 2)).toContain('… 2 more rows'); // the older maxRows argument still works
  });
});

describe('claimsMarkdown', () => {
  it('holds exactly the requested claims with their computed verdicts, then the verdict rule', () => {
    const rows = syntheticRows({ gains: { bridge: 0.03 } }); // BRIDGE no better: (a) cannot be supported
    const md = claimsMarkdown(rows, ['a']);
    const a = evaluateClaims(rows)[0];
    expect(a.verdict).not.toBe('supported');
    expect(md).toContain(`### (a) ${a.title}: **${a.verdict}**`);
    expect(md).not.toContain('### (b)');
    expect(md).toMatch(/\*How verdicts are decided:\* Each comparison "A > B" is judged on paired per-seed differences/);
    expect(md).toContain('; paired per-seed difference ');
    expect(claimsMarkdown(rows, ['b', 'c']).match(/^### \(/gm)).toHaveLength(2);
  });
});

describe('fig4AccuracySpec', () => {
  it('draws SFT and RFT accuracy per behaviour set, ID and OOD, without the sweep arms', async () => {
    const spec = fig4AccuracySpec(syntheticRows({ sweep: true }));
    const values = (spec.data as { values: { method: string; stage: string }[] }).values;
    expect(values).toHaveLength(6 * 2 * 2);
    expect(new Set(values.map((v) => v.method))).toEqual(
      new Set(['Vanilla', 'reflection only', 'analysis only', 'subgoal only', 'exploitation (analysis + subgoal)', 'BRIDGE']),
    );
    const svg = await vegaLiteToSVG(spec as VegaLiteSpec);
    for (const t of ['greedy accuracy (%)', 'behaviours injected in the SFT data', 'RFT (after GRPO)']) expect(svg).toContain(t);
  });

  it('names a missing behaviour set', () => {
    expect(() => fig4AccuracySpec(syntheticRows().filter((r) => r.method !== 'subgoal'))).toThrow(/method=subgoal/);
  });
});

describe('loadResults', () => {
  const root = projectRoot();

  it('reads and validates DIR/results/rows.json; meta.json is optional', () => {
    const dir = path.join(tmp, 'ok');
    fs.mkdirSync(path.join(dir, 'results'), { recursive: true });
    const rows = syntheticRows({ seeds: [0, 4] });
    fs.writeFileSync(path.join(dir, 'results', 'rows.json'), JSON.stringify(rows));
    const r = loadResults({ root, results: dir, preset: '' });
    expect(r).toMatchObject({ dir, meta: {}, produced: false });
    expect(r.rows).toEqual(rows);
    expect(resultsMarkdown(r, root)).toContain(`: ${rows.length} rows, seeds 0, 4`);
    const cost = { jobs: 2, estimatedSeconds: 700, measuredSeconds: 612.4, byKind: { sft: { estimated: 1500, measured: 1200.4 }, grpo: { estimated: 300, measured: 41.7 } } };
    fs.writeFileSync(path.join(dir, 'results', 'meta.json'), JSON.stringify({ preset: 'quick', command: 'bridge reproduce --preset quick', wallSeconds: 612.4, cost }));
    const md = resultsMarkdown(loadResults({ root, results: dir, preset: '' }), root);
    expect(md).toContain('- **command**: `bridge reproduce --preset quick`');
    expect(md).toContain('- **wall time**: 612 s');
    expect(md).toContain('- **stage time (one core)**: 1,242 s over all stages (estimated 1,800 s): sft 1,200 s, grpo 42 s; 2 jobs at once');
  });

  it('without rows and without a preset, names the file and both ways out; bad rows name the field', () => {
    const dir = path.join(tmp, 'empty');
    expect(() => loadResults({ root, results: dir, preset: '' })).toThrow(new RegExp(`${path.join(dir, 'results', 'rows.json')} does not exist: .*set preset`));
    const bad = path.join(tmp, 'bad');
    fs.mkdirSync(path.join(bad, 'results'), { recursive: true });
    fs.writeFileSync(path.join(bad, 'results', 'rows.json'), JSON.stringify([{ ...syntheticRows()[0], seed: -1 }]));
    expect(() => loadResults({ root, results: bad, preset: '' })).toThrow(/rows\[0\]\.seed/);
  });
});
