// Per-step influence and co-influence (docs/method.md, Influence probe as implemented): for each probe query q with
// rollout accuracy α,
//   C_q = ⟨G_T, ḡ⁺ − ḡ⁻⟩ = E_{q',o'}[A(q',o')·(K⁺ − K⁻)],   I_q = η·√(α(1−α))·C_q,
// with G_T the advantage-weighted mean gradient of the target rollouts. I_q^impl uses the trainer's advantages
// (unbiased std + 1e-6): ∇J_impl(q) = α(1−α)/σ_u · (ḡ⁺ − ḡ⁻). A ground-truth check takes the plain gradient step and
// measures the change of the GRPO surrogate on the fixed target rollouts (common random numbers).
import { Rng } from '../rng';
import type { Transformer } from '../model/transformer';
import { getWeights, setWeights } from '../model/transformer';
import { alphaBin } from '../train/alpha';
import { groupAdvantages } from '../train/grpo-config';
import { dot, norm, sequenceLogps, weightedGradient, type KernelNorm, type Sequence } from './gradients';
import type { QueryRollouts } from './rollouts';

export interface InfluenceOptions {
  norm: KernelNorm;
  temperature: number;
  /** The trainer's learning rate, for I_q at that η (I_q is also reported per unit η). */
  eta: number;
  maxTokens?: number;
}

export interface QueryInfluence {
  id: string;
  numOps: number;
  alpha: number;
  bin: string;
  /** C_q = ⟨G_T, ḡ⁺ − ḡ⁻⟩ (0 when α ∈ {0, 1}). */
  coInfluence: number;
  /** √(α(1−α))·C_q, per unit η. */
  influence: number;
  /** η·√(α(1−α))·C_q at the trainer's η. */
  influenceEta: number;
  /** ⟨G_T, ∇J_impl(q)⟩ per unit η, with the trainer's unbiased-std advantages. */
  influenceImpl: number;
  /** ‖ḡ⁺ − ḡ⁻‖ (0 when α ∈ {0, 1}). */
  contrastNorm: number;
  /**
   * cos(G_T, ḡ⁺ − ḡ⁻) = C_q / (‖G_T‖·‖ḡ⁺ − ḡ⁻‖), also the cosine of G_T with the per-step update ∇J(q) (a positive
   * multiple of the contrast): the influence on a scale every model shares (0 when α ∈ {0, 1}).
   */
  cosine: number;
}

function sequencesOf(g: QueryRollouts): Sequence[] {
  return g.completions.map((c) => ({ prompt: g.prompt, completion: c }));
}

/** G_T: mean over all target rollouts of A(q',o')·g(q',o'), with the trainer's group advantages. */
export function targetGradient(model: Transformer, targets: readonly QueryRollouts[], o: InfluenceOptions): Float32Array {
  const seqs: Sequence[] = [];
  const w: number[] = [];
  const total = targets.reduce((a, g) => a + g.completions.length, 0);
  for (const g of targets) {
    const adv = groupAdvantages(g.rewards, true);
    sequencesOf(g).forEach((s, i) => {
      seqs.push(s);
      w.push(adv[i] / total);
    });
  }
  return weightedGradient(model, seqs, w, { norm: o.norm, temperature: o.temperature, maxTokens: o.maxTokens });
}

/** ḡ⁺ − ḡ⁻ of one query (null when α ∈ {0, 1}: no contrast, no signal). */
export function contrastGradient(model: Transformer, g: QueryRollouts, o: InfluenceOptions): Float32Array | null {
  const nPos = g.rewards.filter((r) => r >= 1).length;
  const nNeg = g.rewards.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const w = g.rewards.map((r) => (r >= 1 ? 1 / nPos : -1 / nNeg));
  return weightedGradient(model, sequencesOf(g), w, { norm: o.norm, temperature: o.temperature, maxTokens: o.maxTokens });
}

/** α(1−α)/σ_u, the factor that turns ḡ⁺ − ḡ⁻ into the trainer's ∇J_impl(q) (σ_u = unbiased std + 1e-6). */
export function implFactor(rewards: readonly number[]): number {
  const adv = groupAdvantages(rewards, true);
  const n = rewards.length;
  const a = rewards.filter((r) => r >= 1).length / n;
  if (a === 0 || a === 1) return 0;
  // A⁺ = (1 − α)/σ_u, so α(1−α)/σ_u = α·A⁺
  const aPos = adv[rewards.findIndex((r) => r >= 1)];
  return a * aPos;
}

/** One query's influence on the target; `targetNorm` is ‖G_T‖, computed once by the caller for all queries. */
export function queryInfluence(
  g: QueryRollouts,
  gT: Float32Array,
  targetNorm: number,
  contrast: Float32Array | null,
  o: InfluenceOptions,
  project?: (v: Float32Array) => Float32Array,
): QueryInfluence {
  const a = g.alpha;
  const c = contrast ? (project ? dot(project(gT), project(contrast)) : dot(gT, contrast)) : 0;
  const s = Math.sqrt(a * (1 - a));
  const cn = contrast ? norm(contrast) : 0;
  return {
    id: g.row.id,
    numOps: g.row.numOps,
    alpha: a,
    bin: alphaBin(a),
    coInfluence: c,
    influence: s * c,
    influenceEta: o.eta * s * c,
    influenceImpl: implFactor(g.rewards) * c,
    contrastNorm: cn,
    // the sketched C_q has no exact norms to go with it: the cosine is of the exact vectors only
    cosine: contrast && !project && cn > 0 && targetNorm > 0 ? c / (cn * targetNorm) : 0,
  };
}

export interface InfluenceBin {
  bin: string;
  queries: number;
  meanInfluence: number;
  meanCoInfluence: number;
  /** Mean cos(G_T, ḡ⁺ − ḡ⁻) and mean ‖ḡ⁺ − ḡ⁻‖ of the bin's queries. */
  meanCosine: number;
  meanContrastNorm: number;
}

/** Mean influence per α bin (Figure 1 right), raw and as a cosine; bins {0} and {1} are exactly 0 by construction. */
export function influenceByBin(rows: readonly QueryInfluence[]): InfluenceBin[] {
  const by = new Map<string, QueryInfluence[]>();
  for (const r of rows) by.set(r.bin, [...(by.get(r.bin) ?? []), r]);
  const mean = (rs: readonly QueryInfluence[], f: (r: QueryInfluence) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
  return [...by.entries()].map(([bin, rs]) => ({
    bin,
    queries: rs.length,
    meanInfluence: mean(rs, (r) => r.influence),
    meanCoInfluence: mean(rs, (r) => r.coInfluence),
    meanCosine: mean(rs, (r) => r.cosine),
    meanContrastNorm: mean(rs, (r) => r.contrastNorm),
  }));
}

/**
 * Count sketch: coordinate i goes to bucket h(i) with sign s(i), so E⟨Sx, Sy⟩ = ⟨x, y⟩ with O(P) memory and time
 * (docs/method.md, Count-sketch projection). Seeded: the same (P, k, seed) gives the same sketch.
 */
export function countSketch(P: number, k: number, seed: number): (v: Float32Array) => Float32Array {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`projection k must be a positive integer (got ${k})`);
  const rng = new Rng(seed);
  const bucket = new Int32Array(P);
  const sign = new Float32Array(P);
  for (let i = 0; i < P; i++) {
    const u = rng.uint32();
    bucket[i] = u % k;
    sign[i] = u & 0x80000000 ? -1 : 1;
  }
  return (v) => {
    if (v.length !== P) throw new Error(`countSketch: vector of ${v.length}, expected ${P}`);
    const out = new Float32Array(k);
    for (let i = 0; i < P; i++) out[bucket[i]] += sign[i] * v[i];
    return out;
  };
}

export interface ProjectionError {
  k: number;
  queries: number;
  /** Mean and median over queries of |projected − exact| / |exact| (large where an exact value is near 0). */
  meanRelError: number;
  medianRelError: number;
  /** ‖projected − exact‖₂ / ‖exact‖₂ over all queries: the error relative to the spread of the values compared. */
  aggregateRelError: number;
  /** Pearson r of projected on exact. */
  pearson: number;
}

/** How well k-bucket sketched inner products reproduce the exact ones (pairs with exact = 0 are left out). */
export function projectionError(k: number, pairs: readonly { exact: number; projected: number }[]): ProjectionError {
  const ps = pairs.filter((p) => p.exact !== 0);
  const rel = ps.map((p) => Math.abs(p.projected - p.exact) / Math.abs(p.exact)).sort((a, b) => a - b);
  const num = Math.sqrt(ps.reduce((a, p) => a + (p.projected - p.exact) ** 2, 0));
  const den = Math.sqrt(ps.reduce((a, p) => a + p.exact ** 2, 0));
  return {
    k,
    queries: ps.length,
    meanRelError: rel.length ? rel.reduce((a, b) => a + b, 0) / rel.length : NaN,
    medianRelError: rel.length ? rel[Math.floor(rel.length / 2)] : NaN,
    aggregateRelError: den > 0 ? num / den : NaN,
    pearson: ps.length > 1 ? fitStats(ps.map((p) => ({ predicted: p.exact, actual: p.projected }))).pearson : NaN,
  };
}

export interface GroundTruthPoint {
  id: string;
  alpha: number;
  predicted: number;
  actual: number;
}

/**
 * First-order check (docs/method.md, First-order check): θ' = θ + η·∇J_impl(q) (plain step, no Adam/clip/KL), then
 * ΔĴ = mean over the fixed target rollouts of A(q',o')·[ℓ_θ'(o') − ℓ_θ(o')] against the prediction η·⟨G_T, ∇J_impl(q)⟩.
 */
export function groundTruth(
  model: Transformer,
  targets: readonly QueryRollouts[],
  gT: Float32Array,
  probes: readonly { g: QueryRollouts; contrast: Float32Array }[],
  eta: number,
  o: InfluenceOptions,
): GroundTruthPoint[] {
  const seqs: Sequence[] = [];
  const adv: number[] = [];
  for (const g of targets) {
    const a = groupAdvantages(g.rewards, true);
    sequencesOf(g).forEach((s, i) => {
      seqs.push(s);
      adv.push(a[i]);
    });
  }
  const surrogate = () => {
    const l = sequenceLogps(model, seqs, { norm: o.norm, temperature: o.temperature, maxTokens: o.maxTokens });
    return l.reduce((s, x, i) => s + adv[i] * x, 0) / seqs.length;
  };
  const w0 = getWeights(model);
  const base = surrogate();
  const out: GroundTruthPoint[] = [];
  try {
    for (const { g, contrast } of probes) {
      const f = implFactor(g.rewards);
      const step = w0.map((w, i) => w + eta * f * contrast[i]);
      setWeights(model, step);
      out.push({ id: g.row.id, alpha: g.alpha, predicted: eta * f * dot(gT, contrast), actual: surrogate() - base });
    }
  } finally {
    setWeights(model, w0);
  }
  return out;
}

/** Pearson r and least-squares slope (actual on predicted, through the origin) of ground-truth points. */
export function fitStats(points: readonly { predicted: number; actual: number }[]): { n: number; pearson: number; slope: number } {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.predicted, 0) / n;
  const my = points.reduce((a, p) => a + p.actual, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  let pxy = 0;
  let pxx = 0;
  for (const p of points) {
    sxy += (p.predicted - mx) * (p.actual - my);
    sxx += (p.predicted - mx) ** 2;
    syy += (p.actual - my) ** 2;
    pxy += p.predicted * p.actual;
    pxx += p.predicted * p.predicted;
  }
  return { n, pearson: sxy / Math.sqrt(sxx * syy), slope: pxy / pxx };
}
