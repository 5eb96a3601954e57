import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/model/backend';
import { createTransformer } from '../src/model/transformer';
import { Rng } from '../src/rng';
import type { ProblemRow } from '../src/igsm/types';
import { dot, norm, weightedGradient, type Sequence } from '../src/probes/gradients';
import { contrastGradient, countSketch, fitStats, groundTruth, influenceByBin, projectionError, queryInfluence, targetGradient, type InfluenceOptions } from '../src/probes/influence';
import type { QueryRollouts } from '../src/probes/rollouts';

const CFG = { vocab: 20, ctx: 24, d: 16, layers: 1, heads: 2, mlpRatio: 2, dropout: 0, activation: 'gelu' as const };
const OPTS: InfluenceOptions = { norm: 'mean', temperature: 1, eta: 1e-3 };

function group(rng: Rng, id: string, rewards: number[]): QueryRollouts {
  const prompt = Array.from({ length: rng.int(3, 5) }, () => rng.int(3, CFG.vocab - 1));
  const completions = rewards.map(() => Array.from({ length: rng.int(2, 6) }, () => rng.int(3, CFG.vocab - 1)));
  return { row: { id, numOps: 1 } as ProblemRow, prompt, completions, rewards, alpha: rewards.filter((r) => r >= 1).length / rewards.length };
}

/** Per-sequence gradients, one backward each (the slow reference the aggregated probe must equal). */
function perSequence(model: ReturnType<typeof createTransformer>, g: QueryRollouts): Float32Array[] {
  const seqs: Sequence[] = g.completions.map((c) => ({ prompt: g.prompt, completion: c }));
  return seqs.map((_, i) => weightedGradient(model, seqs, seqs.map((__, j) => (i === j ? 1 : 0))));
}

const close = (a: number, b: number, tol = 1e-4) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(a), Math.abs(b)));

describe('influence probe', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('the decomposition √(α(1−α))·E[A·(K⁺ − K⁻)] equals the direct ⟨∇J(Q), ∇J(q)⟩', () => {
    const rng = new Rng(21);
    const model = createTransformer(CFG, { seed: 2 });
    const targets = [group(rng, 't0', [1, 0, 0, 1]), group(rng, 't1', [0, 1, 1, 1]), group(rng, 't2', [0, 0, 0, 0])];
    const q = group(rng, 'q', [1, 0, 1, 0, 0]);
    const gT = targetGradient(model, targets, OPTS);

    // G_T from explicit per-sequence gradients with the trainer's advantages
    const total = 12;
    const explicitT = new Float32Array(model.size);
    const tGrads = targets.map((t) => perSequence(model, t));
    targets.forEach((t, k) => {
      const mean = t.rewards.reduce((a, b) => a + b, 0) / 4;
      const sd = Math.sqrt(t.rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / 3);
      t.rewards.forEach((r, i) => {
        const adv = (r - mean) / (sd + 1e-6);
        for (let p = 0; p < explicitT.length; p++) explicitT[p] += (adv / total) * tGrads[k][i][p];
      });
    });
    close(dot(gT, gT), dot(explicitT, explicitT));

    // direct: ⟨G_T, ∇J_pop(q)⟩ with population-std advantages
    const qGrads = perSequence(model, q);
    const a = 2 / 5;
    const sigma = Math.sqrt(a * (1 - a));
    const direct = q.rewards.reduce((s, r, i) => s + ((r - a) / sigma / 5) * dot(gT, qGrads[i]), 0);
    // kernel form: K± = mean over the correct / wrong rollouts of ⟨G_T, g_i⟩ (= E_{q',o'}[A·K])
    const kPos = (dot(gT, qGrads[0]) + dot(gT, qGrads[2])) / 2;
    const kNeg = (dot(gT, qGrads[1]) + dot(gT, qGrads[3]) + dot(gT, qGrads[4])) / 3;
    const inf = queryInfluence(q, gT, norm(gT), contrastGradient(model, q, OPTS), OPTS);
    close(inf.coInfluence, kPos - kNeg);
    close(inf.influence, sigma * (kPos - kNeg));
    close(inf.influence, direct);
    // the trainer's (unbiased-std) version: ⟨G_T, (1/N) Σ A_i g_i⟩
    const sdU = Math.sqrt((2 * (1 - a) ** 2 + 3 * a ** 2) / 4);
    const impl = q.rewards.reduce((s, r, i) => s + ((r - a) / (sdU + 1e-6) / 5) * dot(gT, qGrads[i]), 0);
    close(inf.influenceImpl, impl);
    close(inf.influenceImpl / inf.influence, Math.sqrt(4 / 5), 1e-3);
    // the cosine: C_q over the norms of G_T and of ḡ⁺ − ḡ⁻ (the explicit mean gradients of the correct and wrong rollouts)
    const contrast = Float32Array.from(qGrads[0], (_, p) => (qGrads[0][p] + qGrads[2][p]) / 2 - (qGrads[1][p] + qGrads[3][p] + qGrads[4][p]) / 3);
    close(inf.contrastNorm, Math.sqrt(dot(contrast, contrast)));
    close(inf.cosine, (kPos - kNeg) / Math.sqrt(dot(contrast, contrast) * dot(explicitT, explicitT)));
    expect(Math.abs(inf.cosine)).toBeLessThanOrEqual(1);
  });

  it('queries with α ∈ {0, 1} have exactly zero influence; bins average per α bin', () => {
    const rng = new Rng(3);
    const model = createTransformer(CFG, { seed: 3 });
    const gT = targetGradient(model, [group(rng, 't', [1, 0, 1, 0])], OPTS);
    const all = [group(rng, 'a', [1, 1, 1]), group(rng, 'b', [0, 0, 0]), group(rng, 'c', [1, 0, 0])];
    const rows = all.map((g) => queryInfluence(g, gT, norm(gT), contrastGradient(model, g, OPTS), OPTS));
    expect(rows[0].influence).toBe(0);
    expect(rows[1].influence).toBe(0);
    const bins = influenceByBin(rows);
    expect(bins.find((b) => b.bin === '1')!.meanInfluence).toBe(0);
    expect(bins.find((b) => b.bin === '(0.2,0.4]')!.meanInfluence).toBeCloseTo(rows[2].influence, 10);
    expect([rows[0].cosine, rows[1].cosine, rows[0].contrastNorm]).toEqual([0, 0, 0]);
    expect(bins.find((b) => b.bin === '(0.2,0.4]')!.meanCosine).toBeCloseTo(rows[2].cosine, 10);
    expect(rows[2].cosine).not.toBe(0);
  });

  it('the count sketch preserves inner products in expectation (error shrinks with k)', () => {
    const rng = new Rng(8);
    const P = 20_000;
    const x = Float32Array.from({ length: P }, () => rng.normal());
    const y = Float32Array.from(x, (v) => 0.6 * v + 0.8 * rng.normal());
    const exact = dot(x, y);
    const err = (k: number) => {
      let e = 0;
      for (let s = 0; s < 8; s++) {
        const S = countSketch(P, k, s);
        e += Math.abs(dot(S(x), S(y)) - exact) / Math.abs(exact);
      }
      return e / 8;
    };
    const e64 = err(64);
    const e4096 = err(4096);
    expect(e4096).toBeLessThan(0.1);
    expect(e4096).toBeLessThan(e64);
  });

  it('projection error: per-query and aggregate relative errors, exact zeros left out', () => {
    const e = projectionError(1024, [
      { exact: 1, projected: 1.1 },
      { exact: 2, projected: 1.8 },
      { exact: -1, projected: -1 },
      { exact: 0, projected: 5 },
    ]);
    expect(e.k).toBe(1024);
    expect(e.queries).toBe(3);
    expect(e.medianRelError).toBeCloseTo(0.1, 12);
    expect(e.meanRelError).toBeCloseTo(0.2 / 3, 12);
    expect(e.aggregateRelError).toBeCloseTo(Math.sqrt(0.05 / 6), 12);
    expect(e.pearson).toBeGreaterThan(0.99);
  });

  it('the first-order prediction matches a real small gradient step on the fixed target rollouts', () => {
    const rng = new Rng(13);
    const model = createTransformer(CFG, { seed: 5 });
    const targets = [group(rng, 't0', [1, 0, 0, 1]), group(rng, 't1', [0, 1, 1, 0])];
    const gT = targetGradient(model, targets, OPTS);
    const probes = Array.from({ length: 8 }, (_, i) => group(rng, `q${i}`, [1, 0, rng.int(0, 1), 0])).map((g) => ({ g, contrast: contrastGradient(model, g, OPTS)! }));
    const pts = groundTruth(model, targets, gT, probes, 0.005, OPTS);
    const fit = fitStats(pts);
    expect(fit.pearson).toBeGreaterThan(0.95);
    expect(Math.abs(fit.slope - 1)).toBeLessThan(0.1);
  });
});
