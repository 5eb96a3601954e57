// KV-cache decoding: prefill ragged left-padded prompts once, then one token per step against the cached keys and
// values. Sampling happens in JS from the step's logits with a per-row Rng stream, so the same seed gives the same
// samples whatever the batch composition (and across data-parallel workers).
import * as tf from '@tensorflow/tfjs';
import { hashString, Rng } from '../rng.js';
import { leftPad, MASK_NEG, type SeqBatch } from './batch.js';
import { planSampleChunks } from './config.js';
import { activation, dense, fastOps, layerNorm, matmul2d, ropeRowsReady } from './ops.js';
import { applyRope, embed, head, hidden, ropeTables, type LayerKV, type Transformer } from './transformer.js';
import { decodeAttention, ropeRaw } from './wasm-kernels.js';

export interface DecodeState {
  /** Rows currently in the cache. */
  rows: number;
  /** Cached length (padded prompt + decoded steps). */
  len: number;
  /**
   * Per layer: keys and values [rows, H, len, dh]. The fast path keeps keys transposed, [rows, H, dh, cap], values
   * [rows, H, cap, dh]; positions ≥ len are unused capacity.
   */
  kv: LayerKV[];
  /** Allocated positions of the caches (= len on the plain path, which grows them by concatenation). */
  cap: number;
  /** Fast path (wasm): fused qkv weights per layer and the in-place decode-attention kernel. */
  fused: { w: tf.Tensor2D; b: tf.Tensor1D }[] | null;
  /** Fast path: the tied head's wteᵀ, transposed once per sampling run instead of once per step. */
  headT: tf.Tensor2D | null;
  /** Per row, 1 where the cached key is a real token (0 = prompt padding). Row-major [rows, len] as lists. */
  keyOk: number[][];
  /** Position id of each row's next token. */
  nextPos: Int32Array;
}

/** Grow the fast path's caches (zero-padded along time) so that `need` positions fit. */
function ensureCapacity(state: DecodeState, need: number): void {
  if (!state.fused || need <= state.cap) return;
  const grow = Math.max(need - state.cap, 32);
  const kv = state.kv.map((c) => ({
    k: tf.pad(c.k, [[0, 0], [0, 0], [0, 0], [0, grow]]) as tf.Tensor4D,
    v: tf.pad(c.v, [[0, 0], [0, 0], [0, grow], [0, 0]]) as tf.Tensor4D,
  }));
  disposeKV(state.kv);
  state.kv = kv;
  state.cap += grow;
}

function disposeKV(kv: LayerKV[]): void {
  for (const c of kv) {
    c.k.dispose();
    c.v.dispose();
  }
}

/**
 * Run the prompts once, fill the KV cache, and return the logits for the first new token [B, V].
 * `capacity` (fast path): cache positions to allocate up front (prompt + the tokens you will decode).
 */
export function prefill(model: Transformer, b: SeqBatch, capacity = b.len + 1): { logits: tf.Tensor2D; state: DecodeState } {
  const V = model.cfg.vocab;
  const fast = fastOps();
  const cap = fast ? Math.max(capacity, b.len) : b.len;
  const out = tf.tidy(() => {
    const kv: LayerKV[] = [];
    const h = hidden(model, b, {}, kv);
    const last = tf.reshape(tf.slice(tf.reshape(h, [b.batch, b.len, model.cfg.d]), [0, b.len - 1, 0], [b.batch, 1, model.cfg.d]), [b.batch, model.cfg.d]);
    // fast path: keys transposed to [B, H, dh, cap] (the decode kernel's layout), both padded to the capacity
    const padded = fast
      ? kv.map((c) => ({
          k: tf.pad(tf.transpose(c.k, [0, 1, 3, 2]), [[0, 0], [0, 0], [0, 0], [0, cap - b.len]]),
          v: tf.pad(c.v, [[0, 0], [0, 0], [0, cap - b.len], [0, 0]]),
        }))
      : kv;
    const fused = fast
      ? Array.from({ length: model.cfg.layers }, (_, l) => {
          const P = (n: string) => model.byName[`h${l}.${n}`];
          return { w: tf.concat([P('attn.wq'), P('attn.wk'), P('attn.wv')], 1), b: tf.concat([P('attn.bq'), P('attn.bk'), P('attn.bv')]) };
        })
      : [];
    const headT = fast ? tf.transpose(model.byName.wte) : null;
    return { logits: tf.reshape(head(model, last as tf.Tensor2D), [b.batch, V]), kv: padded, fused, headT } as unknown as tf.TensorContainerObject;
  }) as unknown as { logits: tf.Tensor2D; kv: LayerKV[]; fused: { w: tf.Tensor2D; b: tf.Tensor1D }[]; headT: tf.Tensor2D | null };
  const keyOk: number[][] = [];
  const nextPos = new Int32Array(b.batch);
  for (let r = 0; r < b.batch; r++) {
    const row: number[] = [];
    let n = 0;
    for (let t = 0; t < b.len; t++) {
      const ok = b.attn ? b.attn[r * b.len + t] : 1;
      row.push(ok);
      n += ok;
    }
    keyOk.push(row);
    nextPos[r] = n;
  }
  return { logits: out.logits, state: { rows: b.batch, len: b.len, kv: out.kv, cap, fused: fast ? out.fused : null, headT: out.headT, keyOk, nextPos } };
}

/** The MLP half of a block and the residual around it. */
function mlp(model: Transformer, l: number, x: tf.Tensor2D): tf.Tensor2D {
  const P = (n: string) => model.byName[`h${l}.${n}`] as tf.Tensor;
  const h2 = layerNorm(x, P('ln2.g') as tf.Tensor1D, P('ln2.b') as tf.Tensor1D);
  const f = dense(activation(dense(h2, P('mlp.wfc') as tf.Tensor2D, P('mlp.bfc') as tf.Tensor1D), model.cfg.activation), P('mlp.wproj') as tf.Tensor2D, P('mlp.bproj') as tf.Tensor1D);
  return tf.add(x, f);
}

/** Feed one token per row (at its next position), extend the cache, return logits [rows, V]. */
export function decodeStep(model: Transformer, state: DecodeState, tokens: Int32Array): tf.Tensor2D {
  const { cfg } = model;
  const B = state.rows;
  if (tokens.length !== B) throw new Error(`decodeStep: expected ${B} tokens, got ${tokens.length}`);
  for (let r = 0; r < B; r++) {
    if (state.nextPos[r] >= cfg.ctx) throw new Error(`decodeStep: row ${r} reached the context length ${cfg.ctx}`);
  }
  const logits = state.fused ? decodeFast(model, state, tokens) : decodePlain(model, state, tokens);
  state.len += 1;
  for (let r = 0; r < B; r++) {
    state.keyOk[r].push(1);
    state.nextPos[r]++;
  }
  return logits;
}

/** wasm: fused qkv projection and the in-place JS attention kernel over preallocated caches. */
function decodeFast(model: Transformer, state: DecodeState, tokens: Int32Array): tf.Tensor2D {
  const { cfg } = model;
  const B = state.rows;
  ensureCapacity(state, state.len + 1);
  const cap = state.cap;
  const maskData = new Float32Array(B * cap);
  for (let r = 0; r < B; r++) {
    const ok = state.keyOk[r];
    for (let t = 0; t < state.len; t++) if (!ok[t]) maskData[r * cap + t] = MASK_NEG;
  }
  const fused = state.fused!;
  const dh = cfg.d / cfg.heads;
  // each row's left padding is a prefix of its cache: the first real key
  const first = new Int32Array(B);
  for (let r = 0; r < B; r++) {
    const ok = state.keyOk[r];
    let s = 0;
    while (s < state.len && !ok[s]) s++;
    first[r] = s;
  }
  return tf.tidy(() => {
    const mask = tf.tensor2d(maskData, [B, cap]);
    const starts = tf.tensor1d(first, 'int32');
    let x = embed(model, tokens, state.nextPos);
    const rope = cfg.pos === 'rope' ? ropeTables(state.nextPos, cfg.d / cfg.heads) : undefined;
    for (let l = 0; l < cfg.layers; l++) {
      const P = (n: string) => model.byName[`h${l}.${n}`] as tf.Tensor;
      const h = layerNorm(x, P('ln1.g') as tf.Tensor1D, P('ln1.b') as tf.Tensor1D);
      let qkv = dense(h, fused[l].w, fused[l].b);
      if (rope && ropeRowsReady(dh)) qkv = ropeRaw(qkv, rope.cos, rope.sin, 2 * cfg.heads, dh, 1); // q and k: the first 2H heads
      else if (rope) {
        const d = cfg.d;
        const [q, k, v] = tf.split(qkv, [d, d, d], 1) as tf.Tensor2D[];
        qkv = tf.concat([applyRope(q, cfg.heads, rope), applyRope(k, cfg.heads, rope), v], 1) as tf.Tensor2D;
      }
      const o = decodeAttention(qkv, state.kv[l].k, state.kv[l].v, mask, state.len, starts);
      x = tf.add(x, dense(o, P('attn.wo') as tf.Tensor2D, P('attn.bo') as tf.Tensor1D));
      x = mlp(model, l, x);
    }
    return matmul2d(layerNorm(x, model.byName['lnf.g'] as tf.Tensor1D, model.byName['lnf.b'] as tf.Tensor1D), state.headT!);
  });
}

/** Any backend: caches grow by concatenation; attention as broadcast products (no batched matmul). */
function decodePlain(model: Transformer, state: DecodeState, tokens: Int32Array): tf.Tensor2D {
  const { cfg } = model;
  const B = state.rows;
  const H = cfg.heads;
  const dh = cfg.d / H;
  const L = state.len + 1;
  const maskData = new Float32Array(B * L);
  for (let r = 0; r < B; r++) {
    const ok = state.keyOk[r];
    for (let t = 0; t < state.len; t++) if (!ok[t]) maskData[r * L + t] = MASK_NEG;
  }
  const scale = 1 / Math.sqrt(dh);
  const res = tf.tidy(() => {
    const mask = tf.tensor3d(maskData, [B, 1, L]);
    let x = embed(model, tokens, state.nextPos);
    const rope = cfg.pos === 'rope' ? ropeTables(state.nextPos, dh) : undefined;
    const kv: LayerKV[] = [];
    for (let l = 0; l < cfg.layers; l++) {
      const P = (n: string) => model.byName[`h${l}.${n}`] as tf.Tensor;
      const h = layerNorm(x, P('ln1.g') as tf.Tensor1D, P('ln1.b') as tf.Tensor1D);
      const rot = (t: tf.Tensor2D) => (rope ? applyRope(t, H, rope) : t);
      const q = tf.reshape(rot(dense(h, P('attn.wq') as tf.Tensor2D, P('attn.bq') as tf.Tensor1D)), [B, H, 1, dh]);
      const k = tf.reshape(rot(dense(h, P('attn.wk') as tf.Tensor2D, P('attn.bk') as tf.Tensor1D)), [B, H, 1, dh]);
      const v = tf.reshape(dense(h, P('attn.wv') as tf.Tensor2D, P('attn.bv') as tf.Tensor1D), [B, H, 1, dh]);
      const K = tf.concat([state.kv[l].k, k], 2) as tf.Tensor4D;
      const Vv = tf.concat([state.kv[l].v, v], 2) as tf.Tensor4D;
      kv.push({ k: K, v: Vv });
      const s = tf.add(tf.sum(tf.mul(tf.mul(q, scale), K), -1), mask); // [B, H, L]
      const p = tf.softmax(s);
      const o = tf.reshape(tf.sum(tf.mul(tf.expandDims(p, -1), Vv), 2), [B, cfg.d]) as tf.Tensor2D;
      x = tf.add(x, dense(o, P('attn.wo') as tf.Tensor2D, P('attn.bo') as tf.Tensor1D));
      x = mlp(model, l, x);
    }
    return { logits: head(model, x), kv } as unknown as tf.TensorContainerObject;
  }) as unknown as { logits: tf.Tensor2D; kv: LayerKV[] };
  disposeKV(state.kv);
  state.kv = res.kv;
  state.cap = L;
  return res.logits;
}

/** Keep only the given rows of the cache (drops finished rows so later steps do less work). */
export function selectRows(state: DecodeState, keep: readonly number[]): void {
  if (keep.length === state.rows) return;
  const idx = tf.tensor1d(Int32Array.from(keep), 'int32');
  const kv = state.kv.map((c) => ({ k: tf.gather(c.k, idx) as tf.Tensor4D, v: tf.gather(c.v, idx) as tf.Tensor4D }));
  idx.dispose();
  disposeKV(state.kv);
  state.kv = kv;
  state.keyOk = keep.map((r) => state.keyOk[r]);
  state.nextPos = Int32Array.from(keep, (r) => state.nextPos[r]);
  state.rows = keep.length;
}

export function disposeState(state: DecodeState): void {
  disposeKV(state.kv);
  state.kv = [];
  for (const f of state.fused ?? []) {
    f.w.dispose();
    f.b.dispose();
  }
  state.fused = null;
  state.headT?.dispose();
  state.headT = null;
}

export type FinishReason = 'stop' | 'length';

export interface SampleOptions {
  /** Maximum new tokens per row (≥ 1). */
  maxNew: number;
  /** Softmax temperature; 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Token ids that end a row (the stop token is kept in the output). */
  stop?: readonly number[];
  /** Seed of the per-row random streams. */
  seed: number;
  /** Global index of prompts[0] (data-parallel shards keep the single-process streams). Default 0. */
  rowOffset?: number;
  /** Pad id used for left padding (masked out; any valid id works). Default 0. */
  padId?: number;
  /** Drop finished rows from the cache once fewer than this fraction remain active. Default 0.75. */
  compactBelow?: number;
  /** Wasm heap budget for one chunk of rows (bytes). */
  heapBudget?: number;
}

export interface SampleResult {
  /** New tokens per row (including a stop token when one was produced). */
  tokens: number[][];
  /** log-prob of each new token under the sampling distribution (temperature applied; T=1 for greedy). */
  logprobs: number[][];
  finish: FinishReason[];
}

/** Seed of row `row`'s stream: independent of how rows are batched. */
export function rowSeed(seed: number, row: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ hashString(`sample-row:${row}`)) | 0;
}

/** exp((z − max)/t) of the current row, computed once for the normaliser and reused by the draw. */
let expScratch = new Float64Array(0);

/** Draw one token from a logits row; returns [token, logprob]. */
function drawToken(logits: Float32Array, off: number, V: number, temp: number, rng: Rng | null): [number, number] {
  let max = -Infinity;
  let arg = 0;
  for (let j = 0; j < V; j++) {
    const z = logits[off + j];
    if (z > max) {
      max = z;
      arg = j;
    }
  }
  const t = temp > 0 ? temp : 1;
  if (expScratch.length < V) expScratch = new Float64Array(V);
  const e = expScratch;
  let sum = 0;
  for (let j = 0; j < V; j++) {
    e[j] = Math.exp((logits[off + j] - max) / t);
    sum += e[j];
  }
  const logZ = Math.log(sum);
  if (!rng) return [arg, (logits[off + arg] - max) / t - logZ];
  let u = rng.next() * sum;
  let pick = V - 1;
  for (let j = 0; j < V; j++) {
    u -= e[j];
    if (u < 0) {
      pick = j;
      break;
    }
  }
  return [pick, (logits[off + pick] - max) / t - logZ];
}

function validateSample(model: Transformer, prompts: readonly (readonly number[])[], o: SampleOptions): void {
  const { vocab, ctx } = model.cfg;
  if (!Number.isInteger(o.maxNew) || o.maxNew < 1) throw new Error(`maxNew must be a positive integer (got ${o.maxNew})`);
  const temp = o.temperature ?? 1;
  if (!(temp >= 0) || !Number.isFinite(temp)) throw new Error(`temperature must be ≥ 0 (got ${o.temperature})`);
  if (!Number.isInteger(o.seed)) throw new Error(`seed must be an integer (got ${o.seed})`);
  for (const s of o.stop ?? []) if (!(Number.isInteger(s) && s >= 0 && s < vocab)) throw new Error(`stop token ${s} outside [0, ${vocab})`);
  prompts.forEach((p, i) => {
    if (p.length < 1 || p.length > ctx - 1) throw new Error(`prompt ${i}: length ${p.length} outside [1, ${ctx - 1}] (ctx ${ctx})`);
  });
}

/**
 * Sample continuations of ragged prompts with the KV cache. Rows are processed in chunks that fit the wasm heap.
 * Deterministic: the same seed (and rowOffset) gives the same tokens.
 */
export function sample(model: Transformer, prompts: readonly (readonly number[])[], opts: SampleOptions): SampleResult {
  validateSample(model, prompts, opts);
  const result: SampleResult = { tokens: [], logprobs: [], finish: [] };
  if (prompts.length === 0) return result;
  const maxPrompt = Math.max(...prompts.map((p) => p.length));
  const plan = planSampleChunks(model.cfg, prompts.length, maxPrompt, maxPrompt + opts.maxNew, opts.heapBudget);
  for (let start = 0; start < prompts.length; start += plan.micro) {
    const chunk = prompts.slice(start, start + plan.micro);
    const r = sampleChunk(model, chunk, { ...opts, rowOffset: (opts.rowOffset ?? 0) + start });
    result.tokens.push(...r.tokens);
    result.logprobs.push(...r.logprobs);
    result.finish.push(...r.finish);
  }
  return result;
}

function sampleChunk(model: Transformer, prompts: readonly (readonly number[])[], opts: SampleOptions): SampleResult {
  const V = model.cfg.vocab;
  const temp = opts.temperature ?? 1;
  const stop = new Set(opts.stop ?? []);
  const offset = opts.rowOffset ?? 0;
  const compactBelow = opts.compactBelow ?? 0.75;
  const rngs = prompts.map((_, i) => (temp > 0 ? new Rng(rowSeed(opts.seed, offset + i)) : null));
  const tokens: number[][] = prompts.map(() => []);
  const logprobs: number[][] = prompts.map(() => []);
  const finish: (FinishReason | null)[] = prompts.map(() => null);
  const padded = leftPad(prompts, { padId: opts.padId ?? 0 });
  const { logits: first, state } = prefill(model, padded, padded.len + opts.maxNew);
  let logits = first;
  let rowOf = prompts.map((_, i) => i); // cache row → prompt index
  let live = rowOf.map(() => true); // finished rows ride along (ignored) until the next compaction
  try {
    for (;;) {
      const lv = logits.dataSync() as Float32Array;
      logits.dispose();
      let next = new Int32Array(rowOf.length);
      const keep: number[] = [];
      rowOf.forEach((i, r) => {
        if (!live[r]) {
          state.nextPos[r] = 0; // a rider's position must stay valid; its outputs are discarded
          return;
        }
        const [tok, lp] = drawToken(lv, r * V, V, temp, rngs[i]);
        tokens[i].push(tok);
        logprobs[i].push(lp);
        next[r] = tok;
        if (stop.has(tok)) finish[i] = 'stop';
        else if (tokens[i].length >= opts.maxNew || state.nextPos[r] + 1 >= model.cfg.ctx) finish[i] = 'length'; // prompt + new ≤ ctx
        else keep.push(r);
        if (finish[i]) live[r] = false;
      });
      if (keep.length === 0) break;
      if (keep.length < rowOf.length * compactBelow) {
        selectRows(state, keep);
        next = Int32Array.from(keep, (r) => next[r]);
        rowOf = keep.map((r) => rowOf[r]);
        live = keep.map(() => true);
      }
      logits = decodeStep(model, state, next);
    }
  } finally {
    disposeState(state);
  }
  return { tokens, logprobs, finish: finish.map((f) => f ?? 'length') };
}
