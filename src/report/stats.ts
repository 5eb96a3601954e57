// Small-sample statistics for the report: mean, sample sd, Student-t 95 % CI, paired per-seed differences and the
// verdict the claims take from them. Pure functions, no dependencies, so notebooks can copy them.

/** Mean of a non-empty list. Throws on an empty list (a silent NaN would hide a missing series). */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('mean: empty list');
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 denominator); null for fewer than two values. */
export function sampleSd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative error). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz, Numerical Recipes §6.4). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // the continued fraction converges fast only on this side; use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) otherwise
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student-t CDF P(T ≤ t) with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`studentTCdf: df must be > 0, got ${df}`);
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Student-t quantile: the t with P(T ≤ t) = p, for 0 < p < 1 (bisection on the CDF, 1e-12 accuracy). Kept as our
 * own: no installed package has it (vega-statistics has normal and log-normal quantiles only; mathjs, a transitive
 * dependency, has no t distribution), and a statistics library for one function is more weight than these lines,
 * which test/report.test.ts checks against the t table.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new Error(`studentTQuantile: df must be > 0, got ${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean with its spread over seeds. `ci` is the 95 % half-width (null when n = 1); lo/hi = mean ∓ ci. */
export interface Summary {
  n: number;
  mean: number;
  sd: number | null;
  ci: number | null;
  lo: number | null;
  hi: number | null;
}

/** 95 % confidence-interval half-width t_{0.975, n−1} · sd / √n; null for n = 1 (no spread can be estimated). */
export function ci95HalfWidth(xs: readonly number[]): number | null {
  const sd = sampleSd(xs);
  if (sd === null) return null;
  return (studentTQuantile(0.975, xs.length - 1) * sd) / Math.sqrt(xs.length);
}

/**
 * The fewest seeds whose 95 % CI half-width t_{0.975, n−1}·sd/√n is at most `target`, at a measured sd (n ≥ 2; null
 * when even `max` seeds are not enough). How many seeds a comparison needs to decide at a given resolution.
 */
export function seedsForHalfWidth(sd: number, target: number, max = 1000): number | null {
  if (!(sd >= 0) || !(target > 0)) throw new Error(`seedsForHalfWidth: sd must be ≥ 0 and target > 0, got ${sd} and ${target}`);
  for (let n = 2; n <= max; n++) if ((studentTQuantile(0.975, n - 1) * sd) / Math.sqrt(n) <= target) return n;
  return null;
}

/** n, mean, sample sd and 95 % CI of a non-empty list of per-seed values. */
export function summarize(xs: readonly number[]): Summary {
  const m = mean(xs);
  const ci = ci95HalfWidth(xs);
  return { n: xs.length, mean: m, sd: sampleSd(xs), ci, lo: ci === null ? null : m - ci, hi: ci === null ? null : m + ci };
}

/** One number from one seed's run. */
export interface SeedValue {
  seed: number;
  value: number;
}

/** Seed → value; throws naming `what` and the side when a seed appears twice (the selection was not specific enough). */
function bySeed(xs: readonly SeedValue[], what: string, side: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const x of xs) {
    if (m.has(x.seed)) throw new Error(`${what}: seed ${x.seed} appears twice on the ${side} side`);
    m.set(x.seed, x.value);
  }
  return m;
}

/**
 * Paired differences after − before per seed (e.g. RFT − SFT: the RL gain), sorted by seed. Both sides must hold
 * exactly the same seeds, each once; otherwise throws naming `what` and the seeds, since an unpaired Δ is wrong.
 */
export function pairedDifferences(before: readonly SeedValue[], after: readonly SeedValue[], what = 'paired difference'): SeedValue[] {
  const b = bySeed(before, what, 'before');
  const a = bySeed(after, what, 'after');
  const bs = [...b.keys()].sort((x, y) => x - y);
  const as = [...a.keys()].sort((x, y) => x - y);
  if (bs.length === 0 || bs.join(',') !== as.join(',')) {
    throw new Error(`${what}: seeds must match on both sides, got before [${bs.join(', ')}] and after [${as.join(', ')}]`);
  }
  return bs.map((seed) => ({ seed, value: (a.get(seed) as number) - (b.get(seed) as number) }));
}

/** A claim's outcome: supported, not supported, or inconclusive (the CI includes 0, fewer than two paired seeds, or no data). */
export type Verdict = 'supported' | 'not supported' | 'inconclusive';

/** Per-seed differences a − b over the seeds both sides have, with their summary and the seeds only one side has. */
export interface PairedDifference {
  /** the shared seeds, sorted */
  seeds: number[];
  /** a − b per shared seed, in seed order */
  differences: number[];
  /** mean, sd and 95 % CI of the differences; null when no seed is shared */
  summary: Summary | null;
  onlyA: number[];
  onlyB: number[];
}

/**
 * Paired per-seed differences a_s − b_s over the seeds both sides hold (docs/method.md, How a claim is judged): two
 * arms of one training seed share its initialisation and random streams, so the spread that comes with the seed
 * cancels in the difference. Seeds on one side only are left out and listed.
 */
export function sharedSeedDifferences(a: readonly SeedValue[], b: readonly SeedValue[], what = 'paired difference'): PairedDifference {
  const ma = bySeed(a, what, 'first');
  const mb = bySeed(b, what, 'second');
  const sorted = (xs: Iterable<number>) => [...xs].sort((x, y) => x - y);
  const seeds = sorted([...ma.keys()].filter((s) => mb.has(s)));
  const differences = seeds.map((s) => (ma.get(s) as number) - (mb.get(s) as number));
  return {
    seeds,
    differences,
    summary: differences.length ? summarize(differences) : null,
    onlyA: sorted([...ma.keys()].filter((s) => !mb.has(s))),
    onlyB: sorted([...mb.keys()].filter((s) => !ma.has(s))),
  };
}

/**
 * Is a greater than b, judged on the paired per-seed differences a − b? Supported when their 95 % CI (Student t,
 * n − 1 degrees of freedom) lies entirely above 0, not supported when entirely below 0, inconclusive otherwise —
 * also with fewer than two shared seeds, where there is no CI.
 */
export function pairedVerdict(d: PairedDifference): { verdict: Verdict; reason: string } {
  const s = d.summary;
  if (s === null) return { verdict: 'inconclusive', reason: 'no seed in common' };
  if (s.ci === null) return { verdict: 'inconclusive', reason: 'n=1: no confidence interval' };
  if ((s.lo as number) > 0) return { verdict: 'supported', reason: '95 % CI of the paired difference above 0' };
  if ((s.hi as number) < 0) return { verdict: 'not supported', reason: '95 % CI of the paired difference below 0' };
  return { verdict: 'inconclusive', reason: '95 % CI of the paired difference includes 0' };
}

/** Combine sub-verdicts: any "not supported" wins, then any "inconclusive"; all "supported" → supported. */
export function combineVerdicts(vs: readonly Verdict[]): Verdict {
  if (vs.length === 0) return 'inconclusive';
  if (vs.includes('not supported')) return 'not supported';
  if (vs.includes('inconclusive')) return 'inconclusive';
  return 'supported';
}

/**
 * "mean ± ci" with `digits` decimals, or "mean (n=1)" without a CI; `scale` multiplies first (100 for percent).
 * Tiny values (influence) switch to 3 significant digits so they do not print as 0.0.
 */
export function formatSummary(s: Summary, digits = 1, scale = 1): string {
  const f = (x: number) => formatNumber(x * scale, digits);
  return s.ci === null ? `${f(s.mean)} (n=1)` : `${f(s.mean)} ± ${f(s.ci)}`;
}

/** "mean ± ci" with `sig` significant digits each (for small quantities such as influence: "1.23e-3 ± 4.5e-5"). */
export function formatSummarySig(s: Summary, sig = 3): string {
  const f = (x: number) => formatSig(x, sig);
  return s.ci === null ? `${f(s.mean)} (n=1)` : `${f(s.mean)} ± ${f(s.ci)}`;
}

/** `sig` significant digits; exponent notation below 1e-3 or from 1e6 on, where zeros would hide the digits. */
export function formatSig(x: number, sig = 3): string {
  if (x === 0) return '0';
  const ax = Math.abs(x);
  return ax < 1e-3 || ax >= 1e6 ? x.toExponential(sig - 1) : x.toPrecision(sig);
}

/** Fixed decimals for ordinary magnitudes, 3 significant digits for very small or very large ones. */
export function formatNumber(x: number, digits = 1): string {
  const ax = Math.abs(x);
  // below 1e-9 is float noise (e.g. 0.6 - 0.4 - 0.2), not a small quantity worth significant digits
  if (ax < 1e-9) return (0).toFixed(digits);
  if (ax < 10 ** -digits || ax >= 1e7) return x.toPrecision(3);
  return x.toFixed(digits);
}

/**
 * Exact McNemar test of paired binary outcomes (the same problems before and after): b = right before only, c = right
 * after only. Two-sided p = min(1, 2 · P(X ≤ min(b, c))) with X ~ Binomial(b + c, 1/2); p = 1 when nothing changed.
 */
export function mcnemarExact(b: number, c: number): { b: number; c: number; p: number } {
  for (const [k, v] of [['b', b], ['c', c]] as const) if (!Number.isInteger(v) || v < 0) throw new Error(`mcnemarExact: ${k} must be a non-negative integer, got ${v}`);
  const n = b + c;
  if (n === 0) return { b, c, p: 1 };
  const m = Math.min(b, c);
  // log-space sum of C(n, j) for j ≤ m: C(n, m) overflows a double beyond n ≈ 1,000
  let logTerm = 0;
  let logSum = 0;
  for (let j = 1; j <= m; j++) {
    logTerm += Math.log((n - j + 1) / j);
    const hi = Math.max(logSum, logTerm);
    logSum = hi + Math.log(Math.exp(logSum - hi) + Math.exp(logTerm - hi));
  }
  return { b, c, p: Math.min(1, 2 * Math.exp(logSum - n * Math.LN2)) };
}

/** Paired outcomes of the same problems under two models: b, c and the exact McNemar p (see mcnemarExact). */
export function pairedMcnemar(before: ReadonlyMap<string, boolean>, after: ReadonlyMap<string, boolean>): { n: number; b: number; c: number; p: number } {
  let b = 0;
  let c = 0;
  for (const [id, was] of before) {
    const now = after.get(id);
    if (now === undefined) throw new Error(`pairedMcnemar: problem ${id} has no outcome after`);
    if (was && !now) b++;
    if (!was && now) c++;
  }
  if (after.size !== before.size) throw new Error(`pairedMcnemar: ${before.size} problems before, ${after.size} after`);
  return { n: before.size, ...mcnemarExact(b, c) };
}
