// Numeric CLI flags, parsed strictly: plain decimal notation only. Number() alone reads "0x1" as 1, "0b11" as 3,
// "Infinity" and "" as numbers; a flag that means something else than what was typed is worse than an error.

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface NumberFlag {
  /** Whole numbers only. */
  int?: boolean;
  /** The lower bound itself is not allowed: (lo, hi]. */
  above?: boolean;
}

/** `raw` as a number in [lo, hi] (or (lo, hi]); otherwise one line naming the flag, the range and what was given. */
export function parseNumberFlag(flag: string, raw: string, lo: number, hi: number, o: NumberFlag = {}): number {
  const v = Number(raw);
  const inRange = o.above ? v > lo && v <= hi : v >= lo && v <= hi;
  if (!DECIMAL.test(raw.trim()) || !Number.isFinite(v) || (o.int && !Number.isInteger(v)) || !inRange) {
    throw new Error(`${flag} must be ${o.int ? 'an integer' : 'a number'} in ${o.above ? '(' : '['}${lo}, ${hi}], got "${raw}"`);
  }
  return v;
}
