// Fast exact draws on top of Rng for the generator's hot paths. Rng.int computes 2^32 mod span in floating point
// (about 30–45 ns a call here); these stay on small integers (≈ 6–15 ns) and are still exactly uniform.
import type { Rng } from '../rng.js';

const TWO_29 = 536870912;

/** Uniform integer in [lo, hi] (span ≤ 2^29) from 29 bits of one uint32, with rejection so it is exactly uniform. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  const span = hi - lo + 1;
  if (!(span >= 1 && span <= TWO_29)) throw new Error(`randInt: bad range [${lo}, ${hi}]`);
  const limit = TWO_29 - (TWO_29 % span);
  let x = rng.uint32() >>> 3;
  while (x >= limit) x = rng.uint32() >>> 3;
  return lo + (x % span);
}

/** A fair coin from one uint32 (exactly probability 1/2). */
export function coin(rng: Rng): boolean {
  return rng.uint32() >= 2147483648;
}

/** Fisher–Yates shuffle in place with randInt; returns the same array. */
export function shuffleInPlace<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = randInt(rng, 0, i);
    const t = xs[i];
    xs[i] = xs[j];
    xs[j] = t;
  }
  return xs;
}

/** k distinct elements of xs (which is permuted in place), in draw order. */
export function sampleInPlace<T>(rng: Rng, xs: T[], k: number, out: T[] = []): T[] {
  if (k > xs.length) throw new Error(`sampleInPlace: k=${k} > n=${xs.length}`);
  for (let i = 0; i < k; i++) {
    const j = randInt(rng, i, xs.length - 1);
    const t = xs[i];
    xs[i] = xs[j];
    xs[j] = t;
    out.push(xs[i]);
  }
  return out;
}

/** Index drawn with probability proportional to non-negative weights (one rng.next()). */
export function weightedIndex(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}
