// Behaviour frequencies against the paper's calibration (docs/igsm-generator.md, Calibration), with tolerance:
// op 15–20, exact, English, the same 1000 problems (≥ 500 asked; 1000 halves the sampling noise) for vanilla and BRIDGE. Full numbers: npx tsx bench/inject.ts.
import { describe, expect, it } from 'vitest';
import { injectRow } from '../src/inject/inject.js';
import { seededStream } from '../src/inject/streams.js';
import { summarizeTraces } from '../src/inject/stats.js';
import { resolveVariant } from '../src/inject/variants.js';
import { baseRows } from './inject-rows.js';

describe('BRIDGE calibration at op 15–20 (1000 problems)', () => {
  const base = baseRows(1000, { minOps: 15, maxOps: 20, arith: 'exact' }, 'english', 100);
  const summary = (variant: string) =>
    summarizeTraces(base.flatMap((row) => injectRow(row, resolveVariant(variant), seededStream(100, row.id))).map((r) => r.trace!));
  const vanilla = summary('vanilla');
  const bridge = summary('bridge');

  it('BRIDGE answers are 1.3–1.7× the characters of vanilla (reference 1.46×)', () => {
    const ratio = bridge.meanChars / vanilla.meanChars;
    expect(ratio).toBeGreaterThan(1.3);
    expect(ratio).toBeLessThan(1.7);
  });

  it('50–70 % of BRIDGE answers hold at least one reflection (reference 57–60 %)', () => {
    expect(bridge.shareWithReflection).toBeGreaterThan(0.5);
    expect(bridge.shareWithReflection).toBeLessThan(0.7);
    expect(vanilla.shareWithReflection).toBe(0);
  });

  it('3.5–4.5 analysis sentences per BRIDGE answer (reference 3.8)', () => {
    expect(bridge.analysisPerAnswer).toBeGreaterThan(3.5);
    expect(bridge.analysisPerAnswer).toBeLessThan(4.5);
    expect(vanilla.analysisPerAnswer).toBe(0);
  });

  it('one step per necessary node in vanilla; about one extra step per BRIDGE answer (reference 12.0 → 13.0)', () => {
    const necessary = base.reduce((a, r) => a + r.graph.topo.length, 0) / base.length;
    expect(vanilla.stepsPerAnswer).toBeCloseTo(necessary, 10);
    expect(bridge.stepsPerAnswer - vanilla.stepsPerAnswer).toBeGreaterThan(0.5);
    expect(bridge.stepsPerAnswer - vanilla.stepsPerAnswer).toBeLessThan(1.5);
    expect(bridge.subgoalStepsPerAnswer).toBeGreaterThan(0);
  });
});
