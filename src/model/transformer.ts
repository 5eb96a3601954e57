// Decoder-only transformer: pre-LayerNorm blocks, learned or rotary positions, tied output head, GELU or ReLU MLP.
// Weights are drawn from an explicit seed in JS (src/rng.ts), so the same seed gives the same model on any backend.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng.js';
import { attentionMask, checkBatch, positionsOf, type SeqBatch } from './batch.js';
import { isWasm } from './backend.js';
import { estimateForwardHeapBytes, getHeapBudget, modelConfig, type ModelConfig } from './config.js';
import { activation, attention, attentionRows, attentionRowsReady, dense, embedRows, layerNorm, matmul2d, realRows, ropeRows, ropeRowsReady } from './ops.js';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Offset (in floats) of this parameter in the flat weight vector. */
  offset: number;
  size: number;
  /** Decoupled weight decay applies (matrices and embeddings; not biases or LayerNorm). */
  decay: boolean;
  /** Initial standard deviation (0 = constant init). */
  std: number;
  /** Constant for std = 0 parameters (LayerNorm gains are 1). */
  fill: number;
}

export interface Transformer {
  readonly cfg: ModelConfig;
  readonly specs: readonly ParamSpec[];
  /** Variables aligned with specs. */
  readonly vars: readonly tf.Variable[];
  readonly byName: Readonly<Record<string, tf.Variable>>;
  /** Total parameter count (= paramCount(cfg)). */
  readonly size: number;
}

/** The parameter list in a fixed order: the order of the flat weight vector and of checkpoints. */
export function paramSpecs(cfg: ModelConfig): ParamSpec[] {
  const { d, layers } = cfg;
  const m = cfg.mlpRatio * d;
  const std = 0.02;
  const projStd = 0.02 / Math.sqrt(2 * layers); // GPT-2: residual projections scaled by depth
  const specs: ParamSpec[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], s: number, fill = 0) => {
    const size = shape.reduce((a, b) => a * b, 1);
    specs.push({ name, shape, offset, size, decay: shape.length >= 2, std: s, fill });
    offset += size;
  };
  add('wte', [cfg.vocab, d], std);
  if (cfg.pos === 'learned') add('wpe', [cfg.ctx, d], std);
  for (let l = 0; l < layers; l++) {
    const p = `h${l}.`;
    add(p + 'ln1.g', [d], 0, 1);
    add(p + 'ln1.b', [d], 0);
    for (const w of ['q', 'k', 'v']) {
      add(p + `attn.w${w}`, [d, d], std);
      add(p + `attn.b${w}`, [d], 0);
    }
    add(p + 'attn.wo', [d, d], projStd);
    add(p + 'attn.bo', [d], 0);
    add(p + 'ln2.g', [d], 0, 1);
    add(p + 'ln2.b', [d], 0);
    add(p + 'mlp.wfc', [d, m], std);
    add(p + 'mlp.bfc', [m], 0);
    add(p + 'mlp.wproj', [m, d], projStd);
    add(p + 'mlp.bproj', [d], 0);
  }
  add('lnf.g', [d], 0, 1);
  add('lnf.b', [d], 0);
  return specs;
}

/** Initial flat weights from a seed: N(0, std²) per matrix (Box–Muller on Rng), constants elsewhere. */
export function initialWeights(cfg: ModelConfig, seed: number): Float32Array {
  const specs = paramSpecs(cfg);
  const last = specs[specs.length - 1];
  const flat = new Float32Array(last.offset + last.size);
  const rng = new Rng(seed);
  for (const s of specs) {
    const r = rng.fork(s.name);
    const view = flat.subarray(s.offset, s.offset + s.size);
    if (s.std > 0) for (let i = 0; i < s.size; i++) view[i] = s.std * r.normal();
    else view.fill(s.fill);
  }
  return flat;
}

/** Build a model with weights from `seed` (or from a flat weight vector, e.g. a checkpoint). */
export function createTransformer(cfgInput: Partial<ModelConfig>, init: { seed: number } | { weights: Float32Array }, trainable = true): Transformer {
  const cfg = modelConfig(cfgInput);
  const specs = paramSpecs(cfg);
  const size = specs[specs.length - 1].offset + specs[specs.length - 1].size;
  const flat = 'seed' in init ? initialWeights(cfg, init.seed) : init.weights;
  if (flat.length !== size) throw new Error(`weights: expected ${size} floats for this config, got ${flat.length}`);
  const vars = specs.map((s) => {
    const init = tf.tensor(flat.subarray(s.offset, s.offset + s.size), s.shape, 'float32');
    const v = tf.variable(init, trainable);
    init.dispose(); // the variable holds its own reference to the data; the temporary would otherwise leak one tensor per parameter
    return v;
  });
  const byName: Record<string, tf.Variable> = {};
  specs.forEach((s, i) => (byName[s.name] = vars[i]));
  return { cfg, specs, vars, byName, size };
}

/** All weights as one flat vector in paramSpecs order. */
export function getWeights(model: Transformer): Float32Array {
  const flat = new Float32Array(model.size);
  model.specs.forEach((s, i) => flat.set(model.vars[i].dataSync() as Float32Array, s.offset));
  return flat;
}

/** Overwrite all weights from a flat vector in paramSpecs order. */
export function setWeights(model: Transformer, flat: Float32Array): void {
  if (flat.length !== model.size) throw new Error(`weights: expected ${model.size} floats, got ${flat.length}`);
  model.specs.forEach((s, i) => {
    const t = tf.tensor(flat.subarray(s.offset, s.offset + s.size), s.shape, 'float32');
    model.vars[i].assign(t);
    t.dispose();
  });
}

export function disposeTransformer(model: Transformer): void {
  for (const v of model.vars) v.dispose();
}

export interface ForwardOptions {
  /** Apply dropout (cfg.dropout > 0) with masks drawn from dropoutSeed. */
  train?: boolean;
  dropoutSeed?: number;
  /**
   * Per row, the first position whose output nobody reads (right padding after it): the fused attention skips those
   * rows, whose hidden states then differ from a full forward (like left pads', they are meaningless anyway).
   */
  rowEnd?: Int32Array;
}

export interface LayerKV {
  /** Keys [B, H, T, dh] and values [B, H, T, dh], for the KV cache. */
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

/** Refuse a forward pass that would overflow the wasm heap (an overflow aborts the process uncatchably). */
function checkForwardHeap(cfg: ModelConfig, b: SeqBatch): void {
  if (!isWasm()) return;
  const need = estimateForwardHeapBytes(cfg, b.batch, b.len);
  const budget = getHeapBudget();
  if (need <= budget) return;
  let rows = b.batch;
  while (rows > 1 && estimateForwardHeapBytes(cfg, rows, b.len) > budget) rows = Math.ceil(rows / 2);
  throw new Error(
    `forward batch ${b.batch}×${b.len} needs ~${Math.round(need / 2 ** 20)} MiB of wasm heap (budget ${Math.round(budget / 2 ** 20)} MiB, cap 4096 MiB): ` +
      `run it in chunks of ≤ ${rows} rows`,
  );
}

/** Token + position embeddings of a batch → [B·T, D] (token embeddings only with RoPE). */
export function embed(model: Transformer, ids: Int32Array, pos: Int32Array): tf.Tensor2D {
  const te = embedRows(model.byName.wte as tf.Tensor2D, tf.tensor1d(ids, 'int32'));
  if (model.cfg.pos === 'rope') return te;
  const pe = embedRows(model.byName.wpe as tf.Tensor2D, tf.tensor1d(pos, 'int32'));
  return tf.add(te, pe);
}

/** RoPE angle tables for N tokens at positions `pos`: cos and sin, [N, 1, dh/2] (constants, no gradient). */
export interface RopeTables {
  cos: tf.Tensor3D;
  sin: tf.Tensor3D;
}

export function ropeTables(pos: Int32Array, dh: number): RopeTables {
  const half = dh / 2;
  const c = new Float32Array(pos.length * half);
  const s = new Float32Array(pos.length * half);
  const inv = Float64Array.from({ length: half }, (_, i) => Math.pow(10000, -i / half)); // θ_i, once per call, not per token
  for (let n = 0; n < pos.length; n++)
    for (let i = 0; i < half; i++) {
      const a = pos[n] * inv[i];
      c[n * half + i] = Math.cos(a);
      s[n * half + i] = Math.sin(a);
    }
  return { cos: tf.tensor3d(c, [pos.length, 1, half]), sin: tf.tensor3d(s, [pos.length, 1, half]) };
}

/** Rotate q or k, x [N, H·dh] (head-major), by the tables: pairs (i, i + dh/2) turn by angle pos·θ_i. */
export function applyRope(x: tf.Tensor2D, heads: number, r: RopeTables): tf.Tensor2D {
  const [N, D] = x.shape;
  const dh = D / heads;
  if (ropeRowsReady(dh)) return ropeRows(x, heads, r.cos, r.sin);
  const x3 = tf.reshape(x, [N, heads, dh]);
  const x1 = tf.slice(x3, [0, 0, 0], [N, heads, dh / 2]);
  const x2 = tf.slice(x3, [0, 0, dh / 2], [N, heads, dh / 2]);
  const o1 = tf.sub(tf.mul(x1, r.cos), tf.mul(x2, r.sin));
  const o2 = tf.add(tf.mul(x1, r.sin), tf.mul(x2, r.cos));
  return tf.reshape(tf.concat([o1, o2], 2), [N, D]) as tf.Tensor2D;
}

function dropout(x: tf.Tensor2D, rate: number, seed: number | null): tf.Tensor2D {
  return seed === null || rate <= 0 ? x : (tf.dropout(x, rate, undefined, seed) as tf.Tensor2D);
}

/** One pre-LN block on x [B·T, D]; pushes its k/v to `kvOut` when given (prefill of the KV cache). */
export function block(
  model: Transformer,
  l: number,
  x: tf.Tensor2D,
  B: number,
  T: number,
  mask: tf.Tensor4D,
  dropSeed: number | null,
  kvOut?: LayerKV[],
  rope?: RopeTables,
  rows?: tf.Tensor2D,
): tf.Tensor2D {
  const { cfg } = model;
  const P = (n: string) => model.byName[`h${l}.${n}`] as tf.Tensor;
  const H = cfg.heads;
  const dh = cfg.d / H;
  const h = layerNorm(x, P('ln1.g') as tf.Tensor1D, P('ln1.b') as tf.Tensor1D);
  let q = dense(h, P('attn.wq') as tf.Tensor2D, P('attn.bq') as tf.Tensor1D);
  let k = dense(h, P('attn.wk') as tf.Tensor2D, P('attn.bk') as tf.Tensor1D);
  if (rope) {
    q = applyRope(q, H, rope);
    k = applyRope(k, H, rope);
  }
  const v = dense(h, P('attn.wv') as tf.Tensor2D, P('attn.bv') as tf.Tensor1D);
  const heads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
  if (kvOut) kvOut.push({ k: heads(k), v: heads(v) });
  let merged: tf.Tensor2D;
  if (attentionRowsReady(mask, dh)) merged = attentionRows(q, k, v, mask, H, T, rows);
  else {
    const qh = tf.reshape(heads(q), [B * H, T, dh]) as tf.Tensor3D;
    const kT = tf.reshape(tf.transpose(tf.reshape(k, [B, T, H, dh]), [0, 2, 3, 1]), [B * H, dh, T]) as tf.Tensor3D;
    const o = attention(qh, kT, tf.reshape(heads(v), [B * H, T, dh]) as tf.Tensor3D, mask, H);
    merged = tf.reshape(tf.transpose(tf.reshape(o, [B, H, T, dh]), [0, 2, 1, 3]), [B * T, cfg.d]) as tf.Tensor2D;
  }
  const a = dense(merged, P('attn.wo') as tf.Tensor2D, P('attn.bo') as tf.Tensor1D);
  const x1 = tf.add(x, dropout(a, cfg.dropout, dropSeed === null ? null : dropSeed * 2 + 1)) as tf.Tensor2D;
  const h2 = layerNorm(x1, P('ln2.g') as tf.Tensor1D, P('ln2.b') as tf.Tensor1D);
  const f = dense(
    activation(dense(h2, P('mlp.wfc') as tf.Tensor2D, P('mlp.bfc') as tf.Tensor1D), cfg.activation),
    P('mlp.wproj') as tf.Tensor2D,
    P('mlp.bproj') as tf.Tensor1D,
  );
  return tf.add(x1, dropout(f, cfg.dropout, dropSeed === null ? null : dropSeed * 2 + 2)) as tf.Tensor2D;
}

/** Final LayerNorm and the tied head: h [N, D] → logits [N, V]. */
export function head(model: Transformer, h: tf.Tensor2D): tf.Tensor2D {
  const hn = layerNorm(h, model.byName['lnf.g'] as tf.Tensor1D, model.byName['lnf.b'] as tf.Tensor1D);
  return matmul2d(hn, tf.transpose(model.byName.wte) as tf.Tensor2D);
}

/** Hidden states before the final LayerNorm, [B·T, D]; optionally collecting each layer's k/v. */
export function hidden(model: Transformer, b: SeqBatch, opts: ForwardOptions = {}, kvOut?: LayerKV[]): tf.Tensor2D {
  const { cfg } = model;
  checkBatch(b, cfg.vocab, cfg.ctx);
  checkForwardHeap(cfg, b);
  const train = !!opts.train && cfg.dropout > 0;
  const seed = opts.dropoutSeed ?? 0;
  const m = attentionMask(b);
  const mask = tf.tensor4d(m.data, m.shape);
  const pos = positionsOf(b);
  let x = embed(model, b.ids, pos);
  const rope = cfg.pos === 'rope' ? ropeTables(pos, cfg.d / cfg.heads) : undefined;
  if (train) x = dropout(x, cfg.dropout, seed * 1000 + 999);
  const rows = attentionRowsReady(mask, cfg.d / cfg.heads) ? tf.tensor2d(realRows(b.batch, b.len, b.attn, opts.rowEnd), [b.batch, 2], 'int32') : undefined;
  for (let l = 0; l < cfg.layers; l++) x = block(model, l, x, b.batch, b.len, mask, train ? seed * 1000 + l * 8 : null, kvOut, rope, rows);
  return x;
}

/** Logits [B, T, V] for every position (call inside tf.tidy or a gradient function). */
export function forward(model: Transformer, b: SeqBatch, opts: ForwardOptions = {}): tf.Tensor3D {
  return tf.reshape(head(model, hidden(model, b, opts)), [b.batch, b.len, model.cfg.vocab]) as tf.Tensor3D;
}
