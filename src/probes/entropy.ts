// Entropy and perplexity probes (the paper's Fig. 6: exploration raises generation entropy, exploitation lowers the
// perplexity of correct solutions): mean per-token entropy of the model's own rollouts at temperature T, and the
// perplexity of reference answers (the data's responses) under the model.
import * as tf from '@tensorflow/tfjs';
import type { ProblemRow } from '../igsm/types';
import type { Tokenizer } from '../text/tokenizer';
import { scoreSequences } from '../model/score';
import type { Transformer } from '../model/transformer';
import { encodeExample } from '../train/format';
import { splitMicroBatches } from '../train/batches';
import type { QueryRollouts } from './rollouts';

export interface EntropyReport {
  /** Mean entropy (nats) per generated token of the rollouts. */
  rolloutEntropy: number;
  rolloutTokens: number;
  /** exp(mean NLL) of the reference responses (tokens after the prompt). */
  perplexity: number;
  referenceTokens: number;
}

/** Mean per-token entropy of the sampled completions under the model at temperature T. */
export function rolloutEntropy(model: Transformer, groups: readonly QueryRollouts[], temperature: number, maxTokens = 4096): { entropy: number; tokens: number } {
  const ex = groups.flatMap((g) => g.completions.map((c) => ({ ids: [...g.prompt, ...c], promptLen: g.prompt.length })));
  let sum = 0;
  let n = 0;
  for (const mb of splitMicroBatches(ex, maxTokens, 'response', model.cfg.ctx)) {
    const [s, k] = tf.tidy(() => {
      const { entropy } = scoreSequences(model, mb, { temperature, entropy: true });
      const mask = tf.tensor2d(mb.lossMask, [mb.batch, mb.len]);
      return [tf.sum(tf.mul(entropy!, mask)).dataSync()[0], tf.sum(mask).dataSync()[0]];
    });
    sum += s;
    n += k;
  }
  return { entropy: n ? sum / n : 0, tokens: n };
}

/** Perplexity of the rows' responses (response tokens only) under the model. */
export function responsePerplexity(model: Transformer, tok: Tokenizer, rows: readonly ProblemRow[], maxTokens = 4096): { perplexity: number; tokens: number } {
  const ex = rows.map((r) => encodeExample(tok, r.query, r.response));
  let nll = 0;
  let n = 0;
  for (const mb of splitMicroBatches(ex, maxTokens, 'response', model.cfg.ctx)) {
    const [s, k] = tf.tidy(() => {
      const { logp } = scoreSequences(model, mb);
      const mask = tf.tensor2d(mb.lossMask, [mb.batch, mb.len]);
      return [-tf.sum(tf.mul(logp, mask)).dataSync()[0], tf.sum(mask).dataSync()[0]];
    });
    nll += s;
    n += k;
  }
  return { perplexity: n ? Math.exp(nll / n) : NaN, tokens: n };
}

