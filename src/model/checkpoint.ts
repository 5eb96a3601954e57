// Checkpoints: one directory with weights (float32 LE), model config, tokenizer, optimizer state, training meta and
// a manifest of sha256 hashes. Written to a temp directory and renamed into place; every load verifies the hashes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { configDiff, modelConfig, paramCount, type ModelConfig } from './config.js';
import type { AdamWState } from './optim.js';
import { paramSpecs, setWeights, type Transformer } from './transformer.js';

export const CHECKPOINT_FORMAT = 'bridge-checkpoint/1';

export interface Checkpoint {
  config: ModelConfig;
  /** Flat weights in paramSpecs(config) order. */
  weights: Float32Array;
  /** The tokenizer's own JSON (opaque to the model). */
  tokenizer: unknown;
  /** AdamW state, or null for weights-only checkpoints. */
  optimizer?: AdamWState | null;
  /** Training metadata (opaque: step, data, losses …). */
  meta?: unknown;
}

interface FileEntry {
  bytes: number;
  sha256: string;
}

interface Manifest {
  format: string;
  files: Record<string, FileEntry>;
  /** sha256 over the sorted "name sha256" lines of all files: one id for the whole checkpoint. */
  contentHash: string;
  weightsHash: string;
}

function sha256(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** sha256 of a flat weight vector (float32 bytes): compares weights across runs and processes. */
export function weightsHash(weights: Float32Array): string {
  return sha256(bytesOf(weights));
}

function contentHash(files: Record<string, FileEntry>): string {
  return sha256(
    Object.keys(files)
      .sort()
      .map((k) => `${k} ${files[k].sha256}\n`)
      .join(''),
  );
}

/** Write a checkpoint directory atomically (temp dir + rename). Returns the manifest's content hash. */
export function saveCheckpoint(dir: string, ck: Checkpoint): string {
  const config = modelConfig(ck.config);
  const n = paramCount(config);
  if (ck.weights.length !== n) throw new Error(`saveCheckpoint: ${ck.weights.length} weights, config needs ${n}`);
  const specs = paramSpecs(config);
  const files: Record<string, Uint8Array | string> = {
    'weights.bin': bytesOf(ck.weights),
    'model.json': JSON.stringify({ config, params: specs.map((s) => ({ name: s.name, shape: s.shape, offset: s.offset })) }, null, 1) + '\n',
    'tokenizer.json': JSON.stringify(ck.tokenizer ?? null) + '\n',
    'meta.json': JSON.stringify(ck.meta ?? null, null, 2) + '\n',
  };
  if (ck.optimizer) {
    const o = ck.optimizer;
    if (o.m.length !== n || o.v.length !== n) throw new Error(`saveCheckpoint: optimizer state has ${o.m.length} entries, config needs ${n}`);
    const both = new Float32Array(2 * n);
    both.set(o.m, 0);
    both.set(o.v, n);
    files['optimizer.bin'] = bytesOf(both);
    files['optimizer.json'] = JSON.stringify({ step: o.step, size: n }) + '\n';
  }
  const entries: Record<string, FileEntry> = {};
  for (const [name, data] of Object.entries(files)) {
    entries[name] = { bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength, sha256: sha256(data) };
  }
  const manifest: Manifest = { format: CHECKPOINT_FORMAT, files: entries, contentHash: contentHash(entries), weightsHash: entries['weights.bin'].sha256 };

  const abs = path.resolve(dir);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const tag = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const tmp = `${abs}.tmp-${tag}`;
  fs.mkdirSync(tmp);
  try {
    for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(tmp, name), data);
    fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n'); // last: marks completeness
    if (fs.existsSync(abs)) {
      const old = `${abs}.old-${tag}`;
      fs.renameSync(abs, old);
      fs.renameSync(tmp, abs);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, abs);
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const msg = (err as Error).message;
    throw msg.includes(abs) ? err : new Error(`saving checkpoint ${abs}: ${msg}`); // ENOSPC and friends name no path
  }
  return manifest.contentHash;
}

export interface LoadOptions {
  /** The config the caller needs: a mismatch is an error naming the differing fields. */
  expect?: ModelConfig;
}

/**
 * Read and verify a checkpoint directory. `label` names it in errors (e.g. the CLI flag '--init').
 * Missing files, hash mismatches, layout or size mismatches and config mismatches all fail with one clear line.
 */
export function loadCheckpoint(dir: string, label = 'checkpoint', opts: LoadOptions = {}): Checkpoint & { contentHash: string } {
  const where = `${label} ${dir}`;
  const mpath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(dir)) throw new Error(`${where}: directory does not exist`);
  if (!fs.existsSync(mpath)) throw new Error(`${where}: no manifest.json (not a checkpoint directory, or an interrupted save)`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(mpath, 'utf8')) as Manifest;
  } catch {
    throw new Error(`${where}: manifest.json is corrupted (not valid JSON)`);
  }
  if (manifest.format === undefined) {
    const data = fs.existsSync(path.join(dir, 'problems.jsonl')) ? ' (a data directory of `bridge data`?)' : '';
    throw new Error(`${where}: not a checkpoint: its manifest.json has no format field${data}`);
  }
  if (manifest.format !== CHECKPOINT_FORMAT) throw new Error(`${where}: format '${manifest.format}' is not ${CHECKPOINT_FORMAT}`);
  const data: Record<string, Buffer> = {};
  for (const [name, e] of Object.entries(manifest.files ?? {})) {
    const p = path.join(dir, name);
    if (!fs.existsSync(p)) throw new Error(`${where}: ${name} is missing`);
    const buf = fs.readFileSync(p);
    if (buf.byteLength !== e.bytes || sha256(buf) !== e.sha256) {
      throw new Error(`${where}: ${name} is corrupted (size or sha256 differs from manifest.json)`);
    }
    data[name] = buf;
  }
  if (contentHash(manifest.files) !== manifest.contentHash) throw new Error(`${where}: manifest.json is corrupted (content hash differs)`);
  for (const need of ['weights.bin', 'model.json', 'tokenizer.json']) {
    if (!data[need]) throw new Error(`${where}: manifest lists no ${need}`);
  }
  const model = JSON.parse(data['model.json'].toString('utf8')) as { config: ModelConfig; params: { name: string; shape: number[] }[] };
  let config: ModelConfig;
  try {
    config = modelConfig(model.config);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  const specs = paramSpecs(config);
  const layoutOk =
    model.params.length === specs.length &&
    model.params.every((p, i) => p.name === specs[i].name && p.shape.join('x') === specs[i].shape.join('x'));
  if (!layoutOk) throw new Error(`${where}: parameter layout differs from this code's transformer (different model version?)`);
  const n = paramCount(config);
  const wb = data['weights.bin'];
  if (wb.byteLength !== 4 * n) throw new Error(`${where}: weights.bin holds ${wb.byteLength / 4} floats, the config needs ${n}`);
  if (opts.expect) {
    const diff = configDiff(modelConfig(opts.expect), config);
    if (diff.length) throw new Error(`${where}: model config does not match (expected vs checkpoint: ${diff.join(', ')})`);
  }
  const weights = new Float32Array(wb.buffer.slice(wb.byteOffset, wb.byteOffset + wb.byteLength));
  let optimizer: AdamWState | null = null;
  if (data['optimizer.bin'] && data['optimizer.json']) {
    const oj = JSON.parse(data['optimizer.json'].toString('utf8')) as { step: number; size: number };
    const ob = data['optimizer.bin'];
    if (oj.size !== n || ob.byteLength !== 8 * n) throw new Error(`${where}: optimizer state size does not match the model (${oj.size} vs ${n})`);
    const both = new Float32Array(ob.buffer.slice(ob.byteOffset, ob.byteOffset + ob.byteLength));
    optimizer = { step: oj.step, m: both.slice(0, n), v: both.slice(n) };
  }
  return {
    config,
    weights,
    tokenizer: JSON.parse(data['tokenizer.json'].toString('utf8')),
    optimizer,
    meta: data['meta.json'] ? JSON.parse(data['meta.json'].toString('utf8')) : null,
    contentHash: manifest.contentHash,
  };
}

/** Load a checkpoint's weights into an existing model; a different config is a clear error. */
export function restoreWeights(model: Transformer, dir: string, label = 'checkpoint'): Checkpoint {
  const ck = loadCheckpoint(dir, label, { expect: model.cfg });
  setWeights(model, ck.weights);
  return ck;
}
