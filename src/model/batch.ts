// Token batches as the model sees them: flat int32 ids [B, T], left padding with a key mask, per-row positions.
export interface SeqBatch {
  /** Token ids, row-major [batch, len]. */
  ids: Int32Array;
  batch: number;
  len: number;
  /** 1 = real token, 0 = left padding; null/absent = no padding. Row-major [batch, len]. */
  attn?: Uint8Array | null;
}

/** Additive mask value for blocked keys: large and finite, so a fully padded query row gives no NaN. */
export const MASK_NEG = -1e9;

/** Left-pad ragged rows to one length (default: the longest row). */
export function leftPad(rows: readonly (readonly number[])[], opts: { padId?: number; len?: number } = {}): SeqBatch {
  if (rows.length === 0) throw new Error('leftPad: no rows');
  const len = opts.len ?? Math.max(...rows.map((r) => r.length));
  const pad = opts.padId ?? 0;
  const ids = new Int32Array(rows.length * len).fill(pad);
  const attn = new Uint8Array(rows.length * len);
  let padded = false;
  rows.forEach((r, b) => {
    if (r.length === 0) throw new Error(`leftPad: row ${b} is empty`);
    if (r.length > len) throw new Error(`leftPad: row ${b} has ${r.length} tokens, more than len=${len}`);
    const off = b * len + (len - r.length);
    if (r.length < len) padded = true;
    for (let i = 0; i < r.length; i++) {
      ids[off + i] = r[i];
      attn[off + i] = 1;
    }
  });
  return { ids, batch: rows.length, len, attn: padded ? attn : null };
}

/** Check shapes and id ranges before any tensor is made (bad input → one clear line). */
export function checkBatch(b: SeqBatch, vocab: number, ctx: number): void {
  if (!Number.isInteger(b.batch) || b.batch < 1) throw new Error(`batch must be a positive integer (got ${b.batch})`);
  if (!Number.isInteger(b.len) || b.len < 1 || b.len > ctx) throw new Error(`sequence length must be in [1, ${ctx}] (got ${b.len})`);
  if (b.ids.length !== b.batch * b.len) throw new Error(`ids has ${b.ids.length} entries, expected batch*len = ${b.batch * b.len}`);
  if (b.attn && b.attn.length !== b.ids.length) throw new Error(`attn has ${b.attn.length} entries, expected ${b.ids.length}`);
  for (let i = 0; i < b.ids.length; i++) {
    const t = b.ids[i];
    if (!(t >= 0 && t < vocab)) throw new Error(`token id ${t} at index ${i} outside the vocabulary [0, ${vocab})`);
  }
}

/** Position of each token: 0 at the first real token of its row (pads get 0 too; they are never attended). */
export function positionsOf(b: SeqBatch): Int32Array {
  const pos = new Int32Array(b.batch * b.len);
  if (!b.attn) {
    for (let r = 0; r < b.batch; r++) for (let t = 0; t < b.len; t++) pos[r * b.len + t] = t;
    return pos;
  }
  for (let r = 0; r < b.batch; r++) {
    let n = 0;
    for (let t = 0; t < b.len; t++) {
      const i = r * b.len + t;
      pos[i] = b.attn[i] ? n++ : 0;
    }
  }
  return pos;
}

const causalCache = new Map<number, Float32Array>();

/** Additive attention mask: [1, T, T] causal when unpadded, else [B, T, T] causal ∧ key-is-real. */
export function attentionMask(b: SeqBatch): { data: Float32Array; shape: [number, number, number, number] } {
  const T = b.len;
  if (!b.attn) {
    let m = causalCache.get(T);
    if (!m) {
      m = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = MASK_NEG;
      causalCache.set(T, m);
    }
    return { data: m, shape: [1, 1, T, T] };
  }
  const m = new Float32Array(b.batch * T * T);
  for (let r = 0; r < b.batch; r++) {
    const base = r * T * T;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        if (j > i || !b.attn[r * T + j]) m[base + i * T + j] = MASK_NEG;
      }
    }
  }
  return { data: m, shape: [b.batch, 1, T, T] };
}
