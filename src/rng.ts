// One seeded PRNG for every random choice in the workbench: pure-rand's xoroshiro128+ behind a small API.
import { xoroshiro128plus } from 'pure-rand';
import type { RandomGenerator } from 'pure-rand';

const TWO_32 = 4294967296;

/** FNV-1a over a string: turns labels like "split:sft" into 32-bit seeds for derived streams. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: a well-mixed 32-bit word from a counter (seeds the generator's 128-bit state). */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Full 128-bit state from a 32-bit seed. pure-rand's own seeding puts the seed into the state almost raw, so small
 * and nearby seeds start with correlated, near-constant outputs; mixing every word removes that.
 */
function stateFromSeed(seed: number): number[] {
  const words: number[] = [];
  let x = seed | 0;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x632be5ab) | 0;
    words.push(splitmix32(x) | 0);
  }
  if (words.every((w) => w === 0)) words[0] = 1; // the all-zero state is a fixed point
  return words;
}

/** Seeded random stream. Same seed ⇒ same sequence, on every platform. */
export class Rng {
  private gen: RandomGenerator;

  constructor(seed: number | RandomGenerator) {
    if (typeof seed === 'number') {
      if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
      this.gen = xoroshiro128plus.fromState(stateFromSeed(seed));
    } else {
      this.gen = seed;
    }
  }

  /** Restore a stream saved with `state()` (for resumable runs). */
  static fromState(state: readonly number[]): Rng {
    return new Rng(xoroshiro128plus.fromState(state));
  }

  state(): readonly number[] {
    return this.gen.getState();
  }

  /** Independent child stream named by `label`; the parent advances by one draw. */
  fork(label: string | number): Rng {
    return new Rng((this.uint32() ^ hashString(String(label))) | 0);
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    return this.gen.unsafeNext() >>> 0;
  }

  /** Uniform float in [0, 1) with 53 bits of resolution. */
  next(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`Rng.int: empty range [${lo}, ${hi}]`);
    const span = hi - lo + 1;
    if (span <= TWO_32) {
      // rejection sampling keeps the draw exactly uniform
      const limit = TWO_32 - (TWO_32 % span);
      let x = this.uint32();
      while (x >= limit) x = this.uint32();
      return lo + (x % span);
    }
    return lo + Math.floor(this.next() * span);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Uniform element of a non-empty array. */
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('Rng.pick: empty array');
    return xs[this.int(0, xs.length - 1)];
  }

  /** Index drawn with probability proportional to non-negative weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    if (!(total > 0)) throw new Error('Rng.weighted: weights must have a positive sum');
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }

  /** k distinct elements drawn without replacement, in draw order. */
  sample<T>(xs: readonly T[], k: number): T[] {
    if (k > xs.length) throw new Error(`Rng.sample: k=${k} > n=${xs.length}`);
    const pool = xs.slice();
    const out: T[] = [];
    for (let i = 0; i < k; i++) {
      const j = this.int(i, pool.length - 1);
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
      out.push(pool[i]);
    }
    return out;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
