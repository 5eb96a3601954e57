// Rollout accuracy α and what a guesser would score: the α bins of Figure 1 and the chance-aware measures that sit
// next to raw accuracy and the informative share (docs/regime.md). Plain numbers only — no tfjs — so results, reports
// and notebooks import it cheaply.
import type { Arith } from '../igsm/types';

/** The α histogram bins of Figure 1 (docs/method.md, The α bins): {0}, (0,.2], (.2,.4], (.4,.6], (.6,.8], (.8,1), {1}. */
export const ALPHA_BINS = ['0', '(0,0.2]', '(0.2,0.4]', '(0.4,0.6]', '(0.6,0.8]', '(0.8,1)', '1'] as const;
export type AlphaBin = (typeof ALPHA_BINS)[number];

export function alphaBin(a: number): AlphaBin {
  if (a <= 0) return '0';
  if (a >= 1) return '1';
  if (a <= 0.2) return '(0,0.2]';
  if (a <= 0.4) return '(0.2,0.4]';
  if (a <= 0.6) return '(0.4,0.6]';
  if (a <= 0.8) return '(0.6,0.8]';
  return '(0.8,1)';
}

export function alphaHistogram(alphas: readonly number[]): Record<string, number> {
  const h: Record<string, number> = Object.fromEntries(ALPHA_BINS.map((b) => [b, 0]));
  for (const a of alphas) h[alphaBin(a)]++;
  return h;
}

/** The exact-arithmetic answer space: every integer with |answer| < maxSolution (the generator's default filter). */
const EXACT_MAX_SOLUTION = 1000;

/**
 * Accuracy of a uniform guesser over the answer space: 1/23 in mod-23 arithmetic (every residue is a possible answer),
 * 1/1999 in exact arithmetic (|answer| < 1000).
 */
export function chanceAccuracy(arith: Arith): number {
  return arith === 'mod23' ? 1 / 23 : 1 / (2 * EXACT_MAX_SOLUTION - 1);
}

/** chanceAccuracy of the problems' arithmetic (graph.modulus 23 or null); a data directory never mixes modes. */
export function chanceOfProblems(rows: readonly { graph: { modulus: number | null } }[]): number {
  return chanceAccuracy(rows.length > 0 && rows[0].graph.modulus === 23 ? 'mod23' : 'exact');
}

/** (acc − c) / (1 − c): 0 at guessing level, 1 at perfect; negative below guessing. */
export function chanceCorrected(accuracy: number, chance: number): number {
  if (!(chance >= 0 && chance < 1)) throw new Error(`chance must be in [0, 1), got ${chance}`);
  return (accuracy - chance) / (1 - chance);
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed exactly term by term (n is a group size: small). */
export function binomialTail(n: number, p: number, k: number): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a non-negative integer, got ${n}`);
  if (k <= 0) return 1;
  if (k > n) return 0;
  let term = (1 - p) ** n; // P(X = 0)
  let below = 0;
  for (let j = 0; j < k; j++) {
    below += term;
    term *= ((n - j) / (j + 1)) * (p / (1 - p));
  }
  return Math.max(0, 1 - below);
}

/**
 * The guessing level of a group of `groupSize` rollouts: the smallest α = k/G whose probability of being reached by a
 * uniform guesser (each rollout right with probability `chance`) is below `level` (1 %). An α at or above it is
 * unlikely to be luck.
 */
export function guessThreshold(groupSize: number, chance: number, level = 0.01): number {
  for (let k = 1; k <= groupSize; k++) if (binomialTail(groupSize, chance, k) < level) return k / groupSize;
  return 1;
}

/** Share of queries whose α is informative and above guessing: guessThreshold ≤ α < 1. */
export function informativeAboveGuess(alphas: readonly number[], groupSize: number, chance: number): number {
  if (alphas.length === 0) return 0;
  const t = guessThreshold(groupSize, chance);
  return alphas.filter((a) => a >= t - 1e-12 && a < 1).length / alphas.length;
}
