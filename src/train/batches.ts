// Epoch order and micro-batching for SFT: seeded shuffles, right padding, loss masks, a token budget per micro-batch.
import { Rng } from '../rng';
import { PAD } from '../text/tokenizer';
import type { EncodedExample } from './format';

export type LossOn = 'all' | 'response';

/** A padded micro-batch, row-major [rows, len]. `targets[i]` is ids[i+1]; `mask` marks the tokens that count. */
export interface MicroBatch {
  rows: number;
  len: number;
  inputs: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
  /** Tokens that count toward the loss in this micro-batch. */
  lossTokens: number;
}

/** Index order of every epoch, each a seeded permutation; epoch e's order depends only on (seed, e). */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  return new Rng(seed).fork(`epoch:${epoch}`).shuffle(idx);
}

/**
 * Build one micro-batch from examples: inputs = ids[0..L-2], targets = ids[1..L-1], right-padded to the longest.
 * With lossOn='response' only the targets after the prompt count (the paper trains on all non-pad tokens).
 */
export function makeMicroBatch(examples: readonly EncodedExample[], lossOn: LossOn, maxLen: number): MicroBatch {
  let len = 0;
  for (const e of examples) {
    if (e.ids.length > maxLen + 1) {
      throw new Error(`example of ${e.ids.length} tokens exceeds the model context ${maxLen} (+1 for the shifted target)`);
    }
    len = Math.max(len, e.ids.length - 1);
  }
  const rows = examples.length;
  const inputs = new Int32Array(rows * len).fill(PAD);
  const targets = new Int32Array(rows * len).fill(PAD);
  const mask = new Float32Array(rows * len);
  let lossTokens = 0;
  examples.forEach((e, r) => {
    const first = lossOn === 'all' ? 0 : e.promptLen - 1;
    for (let t = 0; t < e.ids.length - 1; t++) {
      inputs[r * len + t] = e.ids[t];
      targets[r * len + t] = e.ids[t + 1];
      if (t >= first) {
        mask[r * len + t] = 1;
        lossTokens++;
      }
    }
  });
  return { rows, len, inputs, targets, mask, lossTokens };
}

/**
 * Split one optimizer batch into micro-batches whose padded size rows×len stays within `maxTokens`
 * (the wasm heap guard); examples are grouped by length so padding stays small.
 */
export function splitMicroBatches(
  examples: readonly EncodedExample[],
  maxTokens: number,
  lossOn: LossOn,
  maxLen: number,
): MicroBatch[] {
  const sorted = [...examples].sort((a, b) => a.ids.length - b.ids.length);
  const out: MicroBatch[] = [];
  let cur: EncodedExample[] = [];
  let curLen = 0;
  for (const e of sorted) {
    const l = e.ids.length - 1;
    const nextLen = Math.max(curLen, l);
    if (cur.length > 0 && (cur.length + 1) * nextLen > maxTokens) {
      out.push(makeMicroBatch(cur, lossOn, maxLen));
      cur = [];
    }
    cur.push(e);
    curLen = cur.length === 1 ? l : Math.max(curLen, l);
  }
  if (cur.length > 0) out.push(makeMicroBatch(cur, lossOn, maxLen));
  return out;
}
