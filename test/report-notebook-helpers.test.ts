// The helpers notebook 01 calls: injected-line classification and the side-by-side HTML, per-variant data
// statistics and their charts, notebook parameters from the environment, and the chart MIME bundle.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSplit } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import { resolveVariant, variantFn } from '../src/inject/index';
import { annotateAnswer, answersSideBySide, injectionCounts } from '../src/notebook/answers';
import { answerTokensSpec, behaviourCountsSpec, exampleProblem, variantDataStats, variantStatsTable } from '../src/notebook/data-stats';
import { chartBundle, DEFAULT_RESULTS, notebookParams, projectRoot, VEGALITE_MIME } from '../src/notebook/notebook';
import { withLegibleConfig } from '../src/report/charts';

const spec = { name: 'nb', n: 40, gen: validateGenConfig({ minOps: 6, maxOps: 12, force: false, arith: 'exact' as const }), seed: 11, surface: 'english' as const };
const vanilla = generateSplit(spec).rows;
const bridge = generateSplit(spec, { variant: { name: 'bridge', fn: variantFn(resolveVariant('bridge')) } }).rows;

describe('annotateAnswer / answersSideBySide', () => {
  it('finds exactly the behaviours the injector recorded in each BRIDGE answer', () => {
    let reflections = 0;
    for (const row of bridge) {
      const c = injectionCounts(annotateAnswer(row));
      const t = row.trace!;
      expect({ row: row.id, locked: c['failed-attempt'], revisits: c.revisit, early: c['early-solve'], distractors: c.distractor, analysis: c.analysis }).toEqual({
        row: row.id,
        locked: t.lockedSteps,
        revisits: t.revisits,
        early: t.earlySolved,
        distractors: t.redundantComputed,
        analysis: t.analysisSentences,
      });
      // subgoal marks one line per computation with extra expressions; the trace counts the expressions
      expect(c.subgoal > 0).toBe(t.subgoalSteps > 0);
      reflections += t.reflections;
    }
    expect(reflections).toBeGreaterThan(0);
  });

  it('marks nothing in a vanilla answer', () => {
    for (const row of vanilla) expect(annotateAnswer(row).every((l) => l.kinds.length === 0)).toBe(true);
  });

  it('highlights the analysis sentence and the subgoal expressions as spans of their line', () => {
    const row = bridge.find((r) => r.trace!.analysisSentences > 0 && r.trace!.subgoalSteps > 0)!;
    const lines = annotateAnswer(row);
    const analysis = lines.flatMap((l) => l.marks.filter((m) => m.kind === 'analysis').map((m) => l.text.slice(m.start, m.end)));
    expect(analysis.length).toBe(row.trace!.analysisSentences);
    for (const s of analysis) expect(s).toMatch(/^[A-Z].*\.$/); // one whole sentence
    const sub = lines.flatMap((l) => l.marks.filter((m) => m.kind === 'subgoal').map((m) => l.text.slice(m.start, m.end)));
    for (const s of sub) expect(s).toMatch(/^= /);
  });

  it('puts both answers in one block with highlighted lines, and refuses two different problems', () => {
    const i = bridge.findIndex((r) => r.trace!.lockedSteps > 0);
    const html = answersSideBySide(vanilla[i], bridge[i], { titles: ['vanilla', 'BRIDGE'] });
    expect(html).toContain('inj-line-failed-attempt');
    expect((html.match(/class="answer-line/g) ?? []).length).toBe(vanilla[i].response.split('\n').length + bridge[i].response.split('\n').length);
    expect(html).not.toContain('<think>'); // escaped
    expect(() => answersSideBySide(vanilla[0], bridge[1])).toThrow(/not the same problem/);
  });
});

describe('variant data statistics', () => {
  const stats = variantDataStats({ n: 20, seed: 2, ops: [8, 12] });
  const of = (v: string) => stats.find((s) => s.variant === v)!;

  it('covers every variant over the same problems, with the behaviours each variant injects', () => {
    expect(stats.map((s) => s.variant)).toEqual(['vanilla', 'bridge', 'explore', 'exploit', 'subgoal', 'analysis', 'pp-aug', 'rc-aug']);
    for (const s of stats) expect(s.problems).toBe(20);
    expect(of('pp-aug').rows).toBe(80);
    expect(of('vanilla').charsVsVanilla).toBe(1);
    expect(of('vanilla').reflectionsPerAnswer + of('vanilla').analysisPerAnswer + of('vanilla').subgoalStepsPerAnswer).toBe(0);
    expect(of('bridge').charsVsVanilla!).toBeGreaterThan(1.1);
    expect(of('explore').analysisPerAnswer).toBe(0);
    expect(of('explore').reflectionsPerAnswer).toBeGreaterThan(0);
    expect(of('exploit').reflectionsPerAnswer).toBe(0);
    expect(of('exploit').analysisPerAnswer).toBeGreaterThan(0);
    // same knobs and the same per-problem streams: bridge reflects exactly where explore does
    expect(of('bridge').reflectionsPerAnswer).toBe(of('explore').reflectionsPerAnswer);
  });

  it('gives a display table and two charts with axis titles', () => {
    const t = variantStatsTable(stats);
    expect(t.rows).toHaveLength(stats.length);
    for (const r of t.rows) expect(r).toHaveLength(t.columns.length);
    for (const s of [answerTokensSpec(stats), behaviourCountsSpec(stats)]) {
      const enc = s.encoding as Record<string, { title?: string }>;
      expect(enc.x.title).toBe('variant');
      expect(enc.y.title).toBeTruthy();
    }
  });

  it('rejects an unknown variant by name before generating anything', () => {
    expect(() => variantDataStats({ n: 5, variants: ['vanilla', 'bridgee'] })).toThrow(/bridgee/);
  });

  it('picks an example problem whose BRIDGE answer shows every behaviour', () => {
    const ex = exampleProblem({ seed: 3, ops: [6, 10] });
    const t = ex.bridge.trace!;
    expect(t.lockedSteps > 0 && t.analysisSentences > 0 && t.subgoalSteps > 0).toBe(true);
    expect(ex.vanilla.query).toBe(ex.bridge.query);
  });
});

describe('notebook parameters and chart bundles', () => {
  it('resolves the results dir against the repository root; the environment overrides the cell defaults', () => {
    const root = projectRoot();
    expect(notebookParams({}, {}).results).toBe(path.join(root, DEFAULT_RESULTS));
    expect(notebookParams({ results: 'runs/x', preset: 'quick' }, {})).toEqual({ root, results: path.join(root, 'runs/x'), preset: 'quick' });
    expect(notebookParams({ results: 'runs/x' }, { BRIDGE_RESULTS: '/tmp/r', BRIDGE_PRESET: 'tiny' })).toEqual({ root, results: '/tmp/r', preset: 'tiny' });
  });

  it('puts the vega-lite spec, its SVG and a text fallback in one bundle', async () => {
    const stats = variantDataStats({ n: 5, seed: 1, ops: [6, 8], variants: ['vanilla', 'bridge'] });
    const spec = answerTokensSpec(stats);
    const b = await chartBundle(spec);
    expect(Object.keys(b).sort()).toEqual([VEGALITE_MIME, 'image/svg+xml', 'text/plain'].sort());
    // the spec as given, with the legible chart settings under its config (what the SVG was drawn with)
    expect(b[VEGALITE_MIME]).toEqual({ ...spec, config: withLegibleConfig(spec).config });
    expect((b[VEGALITE_MIME] as { config: { axis: { labelFontSize: number } } }).config.axis.labelFontSize).toBeGreaterThanOrEqual(11);
    const svg = b['image/svg+xml'] as string;
    expect(svg).toContain('class="marks"');
    expect(svg).toContain('answer tokens (mean)');
    expect(b['text/plain']).toBe('[chart: Answer length per variant]');
  });
});
