import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJsonl } from '../src/fsutil';
import type { ProblemRow } from '../src/igsm/types';
import { verifyAnswer } from '../src/inject';
import { bridgeInProcess } from './cli-helpers';


describe('bridge data --variant / bridge stats', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-variant-'));

  it('writes verified BRIDGE rows over the same problems as vanilla, and stats report the behaviours', () => {
    for (const v of ['vanilla', 'bridge', 'rc-aug']) {
      const r = bridgeInProcess('data', '--split', 'sft', '--n', '40', '--ops', '5-10', '--variant', v, '--seed', '9', '--out', path.join(dir, v));
      expect(r.code, r.err).toBe(0);
    }
    const van = readJsonl<ProblemRow>(path.join(dir, 'vanilla', 'problems.jsonl'));
    const bri = readJsonl<ProblemRow>(path.join(dir, 'bridge', 'problems.jsonl'));
    const rc = readJsonl<ProblemRow>(path.join(dir, 'rc-aug', 'problems.jsonl'));
    expect(bri.map((r) => r.query)).toEqual(van.map((r) => r.query));
    expect(bri.map((r) => r.answer)).toEqual(van.map((r) => r.answer));
    expect(rc).toHaveLength(4 * van.length);
    for (const r of [...bri, ...rc]) expect(verifyAnswer(r.graph, r.response).ok).toBe(true);
    expect(bri.filter((r) => r.trace!.analysisSentences > 0).length).toBeGreaterThan(0);
    const s = bridgeInProcess('stats', path.join(dir, 'bridge'), '--json');
    expect(s.code, s.err).toBe(0);
    const st = JSON.parse(s.out);
    expect(st.variant).toBe('bridge');
    expect(st.meanAnswerTokens).toBeGreaterThan(0);
    expect(st.behaviours.analysisPerAnswer).toBeGreaterThan(0);
    expect(st.behaviours.subgoalStepsPerAnswer).toBeGreaterThan(0);
  });

  it('--no-distractors states only the necessary quantities (every query line is used by the vanilla answer)', () => {
    const lines = (v: 'with' | 'without') => {
      const extra = v === 'without' ? ['--no-distractors'] : [];
      const r = bridgeInProcess('data', '--split', 'sft', '--n', '30', '--force-ops', '3', '--arith', 'mod23', '--surface', 'compact', '--seed', '4', ...extra, '--out', path.join(dir, `d-${v}`));
      expect(r.code, r.err).toBe(0);
      return readJsonl<ProblemRow>(path.join(dir, `d-${v}`, 'problems.jsonl'));
    };
    const withD = lines('with');
    const without = lines('without');
    const stated = (r: ProblemRow) => r.query.split('\n').slice(0, -1).map((l) => l.split(' = ')[0]);
    // with distractors some stated quantity never appears in the answer; without, every one does
    expect(withD.some((r) => stated(r).some((q) => !r.response.includes(q)))).toBe(true);
    for (const r of without) for (const q of stated(r)) expect(r.response, q).toContain(q);
    const p = bridgeInProcess('data', '--preset', 'paper', '--no-distractors', '--out', path.join(dir, 'p'));
    expect(p.err).toMatch(/--no-distractors cannot be combined with --preset paper/);
  });

  it('refuses unknown variants and out-of-range knobs with one line naming the flag', () => {
    const a = bridgeInProcess('data', '--split', 'sft', '--n', '5', '--variant', 'nope', '--out', path.join(dir, 'x'));
    expect(a.code).not.toBe(0);
    expect(a.err).toMatch(/--variant must be one of/);
    const b = bridgeInProcess('data', '--split', 'sft', '--n', '5', '--variant', 'bridge', '--analysis', '7', '--out', path.join(dir, 'y'));
    expect(b.err).toMatch(/--analysis/);
    const c = bridgeInProcess('data', '--split', 'sft', '--n', '5', '--variant', 'pp-aug', '--k', '0', '--out', path.join(dir, 'z'));
    expect(c.err).toMatch(/--k/);
  });
});
