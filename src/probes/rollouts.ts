// Rollout accuracy (docs/method.md, Rollout accuracy; Figure 1 middle): N samples per query at temperature T, α = share
// correct, the α histogram and the share of informative queries (0 < α < 1). Also the sampled groups the influence
// probe uses.
import { reward } from '../igsm/answer';
import type { ProblemRow } from '../igsm/types';
import { EOS, type Tokenizer } from '../text/tokenizer';
import { sample } from '../model/sampler';
import type { DataParallel } from '../model/parallel';
import type { Transformer } from '../model/transformer';
import { stopTokens } from '../train/evaluate';
import { encodePrompt } from '../train/format';
import { alphaHistogram, chanceOfProblems, guessThreshold, informativeAboveGuess } from '../train/alpha';
import { hashString } from '../rng';

export interface RolloutOptions {
  /** Samples per query. */
  n: number;
  temperature: number;
  seed: number;
  maxNew?: number;
  /** Prompts × samples per sampler call. */
  batchRows?: number;
  /** Sample on both cores. */
  dp?: DataParallel | null;
}

/** One query's sampled group. */
export interface QueryRollouts {
  row: ProblemRow;
  prompt: number[];
  completions: number[][];
  rewards: number[];
  alpha: number;
}

export interface AccuracyReport {
  queries: number;
  samples: number;
  temperature: number;
  alphas: { id: string; numOps: number; alpha: number }[];
  histogram: Record<string, number>;
  /** Share of queries with 0 < α < 1. */
  informative: number;
  /** A uniform guesser's per-rollout accuracy on these problems (1/23 in mod 23). */
  chance: number;
  /** The smallest α a guesser reaches with probability < 1 % at this group size (guessThreshold). */
  guessThreshold: number;
  /** Share of queries with guessThreshold ≤ α < 1: informative and not explained by guessing. */
  informativeAboveGuess: number;
  /** Count per α bin of the queries at or above guessThreshold (the histogram without what a guesser reaches). */
  histogramAboveGuess: Record<string, number>;
  meanAlpha: number;
}

/** Sample `n` completions for every row (deterministic for a seed) and score them with the 0/1 reward. */
export async function sampleGroups(model: Transformer, tok: Tokenizer, rows: readonly ProblemRow[], o: RolloutOptions): Promise<QueryRollouts[]> {
  const prompts = rows.map((r) => encodePrompt(tok, r.query));
  const stop = stopTokens(tok);
  const per = Math.max(1, Math.floor((o.batchRows ?? 256) / o.n));
  const out: QueryRollouts[] = [];
  for (let start = 0; start < rows.length; start += per) {
    const idx = Array.from({ length: Math.min(per, rows.length - start) }, (_, i) => start + i);
    const ps = idx.flatMap((i) => Array.from({ length: o.n }, () => prompts[i]));
    const longest = Math.max(...ps.map((p) => p.length));
    const maxNew = Math.min(o.maxNew ?? Infinity, model.cfg.ctx - longest);
    const opts = { maxNew, temperature: o.temperature, stop, seed: (hashString(`rollouts:${o.seed}`) ^ start) | 0 };
    const res = o.dp ? await o.dp.sample(ps, opts) : sample(model, ps, opts);
    idx.forEach((i, k) => {
      const completions = res.tokens.slice(k * o.n, (k + 1) * o.n);
      const rewards = completions.map((c) => reward(tok.decode(c.filter((t) => t !== EOS)), rows[i].answer));
      out.push({ row: rows[i], prompt: prompts[i], completions, rewards, alpha: rewards.filter((r) => r >= 1).length / o.n });
    });
  }
  return out;
}

export function accuracyReport(groups: readonly QueryRollouts[], o: Pick<RolloutOptions, 'n' | 'temperature'>): AccuracyReport {
  const alphas = groups.map((g) => ({ id: g.row.id, numOps: g.row.numOps, alpha: g.alpha }));
  const a = alphas.map((x) => x.alpha);
  const chance = chanceOfProblems(groups.map((g) => g.row));
  const threshold = guessThreshold(o.n, chance);
  return {
    queries: groups.length,
    samples: o.n,
    temperature: o.temperature,
    alphas,
    histogram: alphaHistogram(a),
    informative: a.filter((x) => x > 0 && x < 1).length / Math.max(1, a.length),
    chance,
    guessThreshold: threshold,
    informativeAboveGuess: informativeAboveGuess(a, o.n, chance),
    histogramAboveGuess: alphaHistogram(a.filter((x) => x >= threshold - 1e-12)),
    meanAlpha: a.reduce((s, x) => s + x, 0) / Math.max(1, a.length),
  };
}
