// Epoch order and micro-batching for SFT: seeded shuffles, right padding, loss masks, a token budget per micro-batch.
import { Rng } from '../rng';
import { PAD } from '../text/tokenizer';
import type { EncodedExample } from './format';
import type { LossBatch } from '../model/score';

export type LossOn = 'all' | 'response';

/** Index order of every epoch, each a seeded permutation; epoch e's order depends only on (seed, e). */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  return new Rng(seed).fork(`epoch:${epoch}`).shuffle(idx);
}

/**
 * One right-padded micro-batch in the model's token coordinates: lossMask[t] = 1 when token t is predicted and counts.
 * Right padding needs no key mask under causal attention (real tokens never see the pads after them).
 * With lossOn='response' only the tokens after the prompt count (the paper trains on all non-pad tokens).
 */
export function makeMicroBatch(examples: readonly EncodedExample[], lossOn: LossOn, ctx: number): LossBatch {
  let len = 0;
  for (const e of examples) {
    if (e.ids.length > ctx) throw new Error(`an example of ${e.ids.length} tokens exceeds the model context ctx=${ctx}`);
    len = Math.max(len, e.ids.length);
  }
  const batch = examples.length;
  const ids = new Int32Array(batch * len).fill(PAD);
  const lossMask = new Float32Array(batch * len);
  examples.forEach((e, r) => {
    const first = lossOn === 'all' ? 1 : e.promptLen;
    for (let t = 0; t < e.ids.length; t++) {
      ids[r * len + t] = e.ids[t];
      if (t >= first) lossMask[r * len + t] = 1;
    }
  });
  return { ids, batch, len, attn: null, lossMask };
}

/**
 * Split one optimizer batch into micro-batches whose padded size rows×len stays within `maxTokens`
 * (the wasm heap guard); examples are grouped by length so padding stays small. `minShards` > 1 (data-parallel
 * replicas) first deals the length-sorted examples round-robin into that many groups, so every replica gets work even
 * when the whole batch would fit one micro-batch.
 */
export function splitMicroBatches(
  examples: readonly EncodedExample[],
  maxTokens: number,
  lossOn: LossOn,
  ctx: number,
  minShards = 1,
): LossBatch[] {
  if (!Number.isInteger(minShards) || minShards < 1) throw new Error(`minShards must be an integer ≥ 1 (got ${minShards})`);
  const sorted = [...examples].sort((a, b) => a.ids.length - b.ids.length);
  // dealt round-robin from the sorted list, each group is itself sorted by length
  const groups: EncodedExample[][] = Array.from({ length: Math.min(minShards, sorted.length) }, () => []);
  sorted.forEach((e, i) => groups[i % groups.length].push(e));
  return groups.flatMap((g) => packSorted(g, maxTokens, lossOn, ctx));
}

/** Greedy packing of length-sorted examples into micro-batches of at most `maxTokens` padded tokens. */
function packSorted(sorted: readonly EncodedExample[], maxTokens: number, lossOn: LossOn, ctx: number): LossBatch[] {
  const out: LossBatch[] = [];
  let cur: EncodedExample[] = [];
  let curLen = 0;
  for (const e of sorted) {
    const l = e.ids.length;
    const nextLen = Math.max(curLen, l);
    if (cur.length > 0 && (cur.length + 1) * nextLen > maxTokens) {
      out.push(makeMicroBatch(cur, lossOn, ctx));
      cur = [];
    }
    cur.push(e);
    curLen = cur.length === 1 ? l : Math.max(curLen, l);
  }
  if (cur.length > 0) out.push(makeMicroBatch(cur, lossOn, ctx));
  return out;
}
