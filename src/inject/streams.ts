// Independent random streams for the behaviours. pure-rand's xoroshiro128+ seeding is weak for nearby seeds
// (new Rng(s) for s = 0, 1, 2… starts with next() ≈ 1.0, and Rng.fork children of nearby parents start alike),
// so every stream here is seeded through an avalanche mix and warmed up before use.
import { hashString, Rng } from '../rng.js';

/** murmur3's 32-bit finaliser: a bijection in which every input bit flips each output bit with ≈ 1/2 chance. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const WARM_UP = 8;

/** A well-mixed seeded stream (use instead of `new Rng(seed)` when seeds are small or consecutive). */
export function seededStream(seed: number, label = ''): Rng {
  const r = new Rng(mix32(mix32(seed >>> 0) ^ hashString(label)) | 0);
  for (let i = 0; i < WARM_UP; i++) r.uint32();
  return r;
}

/** A child stream named `label`; the parent advances by one draw (like Rng.fork, but decorrelated). */
export function substream(parent: Rng, label: string): Rng {
  return seededStream(parent.uint32(), label);
}
