import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSplit, toJsonl } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import { initBackend } from '../src/model/backend';
import { createTransformer } from '../src/model/transformer';
import { loadCheckpoint } from '../src/model/checkpoint';
import { Tokenizer } from '../src/text/tokenizer';
import { canonicalTokenizer } from '../src/text/vocab';
import { runSft, sftConfig, runFiles } from '../src/train/sft';
import { evaluate, GREEDY } from '../src/train/evaluate';
import { epochOrder, splitMicroBatches } from '../src/train/batches';
import { encodeExample } from '../src/train/format';
import { learningRate } from '../src/train/schedule';
import { readJsonl } from '../src/fsutil';
import { bridge, bridgeKilledWhen } from './cli-helpers';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bridge-${p}-`));

/** A data directory of easy problems (op 1–2, no distractors, mod 23, compact surface), written like `bridge data` does. */
function writeEasyData(dir: string, n: number, seed: number) {
  const gen = validateGenConfig({ minOps: 1, maxOps: 2, arith: 'mod23', maxInstanceParams: 12, redundantQuery: false });
  const { rows } = generateSplit({ name: 'easy', n, gen, seed, surface: 'compact' });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'problems.jsonl'), toJsonl(rows));
  return rows;
}

const TINY = { ctx: 256, d: 64, layers: 2, heads: 2, mlpRatio: 4, activation: 'gelu' as const };

describe('SFT building blocks', () => {
  it('epoch orders are seeded permutations that differ across epochs', () => {
    const a = epochOrder(50, 1, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, 1, 0)).toEqual(a);
    expect(epochOrder(50, 1, 1)).not.toEqual(a);
  });

  it('micro-batches respect the token budget and cover every example once', () => {
    const tok = canonicalTokenizer('mod23');
    const rows = writeEasyData(tmp('mb'), 12, 3);
    const ex = rows.map((r) => encodeExample(tok, r.query, r.response));
    const mbs = splitMicroBatches(ex, 600, 'response', 512);
    expect(mbs.reduce((a, m) => a + m.batch, 0)).toBe(12);
    for (const m of mbs) expect(m.batch === 1 || m.batch * m.len <= 600).toBe(true);
    // response-only loss never counts a prompt token
    const one = splitMicroBatches([ex[0]], 10_000, 'response', 512)[0];
    const counted = Array.from(one.lossMask).findIndex((v) => v === 1);
    expect(counted).toBe(ex[0].promptLen);
  });

  it('minShards gives every data-parallel replica a micro-batch even when the batch fits in one', () => {
    const tok = canonicalTokenizer('mod23');
    const ex = writeEasyData(tmp('ms'), 8, 3).map((r) => encodeExample(tok, r.query, r.response));
    expect(splitMicroBatches(ex, 1 << 20, 'response', 512)).toHaveLength(1);
    const two = splitMicroBatches(ex, 1 << 20, 'response', 512, 2);
    expect(two.map((m) => m.batch)).toEqual([4, 4]);
    // every example once: the loss-token total is unchanged
    const lossTokens = (ms: typeof two) => ms.reduce((a, m) => a + Array.from(m.lossMask).reduce((x, y) => x + y, 0), 0);
    expect(lossTokens(two)).toBe(lossTokens(splitMicroBatches(ex, 1 << 20, 'response', 512)));
    expect(splitMicroBatches(ex.slice(0, 1), 1 << 20, 'response', 512, 2)).toHaveLength(1);
    expect(() => splitMicroBatches(ex, 1 << 20, 'response', 512, 0)).toThrow(/minShards/);
  });

  it('the prompt encodes as a prefix of the full SFT example', () => {
    const tok = canonicalTokenizer('mod23');
    const [r] = writeEasyData(tmp('pf'), 1, 4);
    const ex = encodeExample(tok, r.query, r.response);
    expect(tok.decode(ex.ids)).toBe(`${r.query}\n${r.response}`);
  });

  it('cosine schedule warms up, peaks at lr and decays to the floor', () => {
    const s = { kind: 'cosine' as const, lr: 1e-3, warmupSteps: 10, minRatio: 0.1 };
    expect(learningRate(s, 0, 100)).toBeCloseTo(1e-4);
    expect(learningRate(s, 9, 100)).toBeCloseTo(1e-3);
    expect(learningRate(s, 100, 100)).toBeCloseTo(1e-4);
  });

  it('rejects out-of-range hyperparameters with the field name', () => {
    expect(() => sftConfig({ epochs: 0 })).toThrow(/epochs/);
    expect(() => sftConfig({ schedule: { kind: 'constant', lr: -1 } })).toThrow(/schedule\.lr/);
    expect(() => sftConfig({ bogus: 1 })).toThrow(/unknown field/);
  });
});

describe('bridge sft (tiny preset)', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('raises greedy accuracy on easy problems from ~0 to clearly higher', async () => {
    const data = tmp('sft-data');
    const test = tmp('sft-test');
    writeEasyData(data, 240, 1);
    const testRows = writeEasyData(test, 40, 2);
    const out = path.join(tmp('sft-run'), 'run');
    // a copy task for a 2-layer model: the answer repeats the stated quantity; response-only loss learns it fastest
    const cfg = sftConfig({ epochs: 8, batchSize: 8, lossOn: 'response', schedule: { kind: 'cosine', lr: 1e-2, warmupSteps: 20 }, seed: 7, model: TINY, checkpointEvery: 1000 });
    const tok = canonicalTokenizer('mod23');
    const before = createTransformer({ ...TINY, vocab: tok.size, dropout: 0 }, { seed: 7 });
    const acc0 = evaluate(before, tok, testRows, { ...GREEDY, batchSize: 40 }).accuracy;
    const res = await runSft({ data, init: 'scratch', out, config: cfg, progress: false });
    const ck = loadCheckpoint(path.join(out, 'final'));
    const after = createTransformer(ck.config, { weights: ck.weights });
    const rep = evaluate(after, Tokenizer.fromJSON(ck.tokenizer as never), testRows, { ...GREEDY, batchSize: 40 });
    expect(acc0).toBeLessThan(0.1);
    expect(rep.accuracy).toBeGreaterThan(acc0 + 0.3);
    // the mechanism counts cover every completion: its right ones are the accuracy's, its first errors the wrong ones
    expect(rep.mechanism.rollouts).toBe(rep.completions.length);
    expect(rep.mechanism.correct).toBe(rep.completions.filter((c) => c.reward >= 1).length);
    expect(Object.values(rep.mechanism.firstError).reduce((a, b) => a + b, 0)).toBe(rep.mechanism.rollouts - rep.mechanism.correct);
    expect(res.steps).toBe(8 * Math.ceil(240 / 8));
    const metrics = readJsonl<{ step: number; loss: number }>(runFiles(out).metrics);
    expect(metrics).toHaveLength(res.steps);
    expect(metrics[metrics.length - 1].loss).toBeLessThan(metrics[0].loss / 3);
  });
});

describe('bridge sft --resume after kill -9', () => {
  it('reaches the same final weights as an uninterrupted run', async () => {
    const data = tmp('resume-data');
    writeEasyData(data, 64, 5);
    const args = (out: string) => ['sft', '--data', data, '--out', out, '--preset', 'tiny', '--max-steps', '40', '--checkpoint-every', '5', '--seed', '3', '--no-progress'];
    const hashOf = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'done.json'), 'utf8')).weightsHash as string;

    const straight = path.join(tmp('resume-a'), 'run');
    const a = bridge(args(straight));
    expect(a.status, a.stderr).toBe(0);

    const killed = path.join(tmp('resume-b'), 'run');
    // kill once a mid-run checkpoint exists (step ≥ 10 of 40)
    await bridgeKilledWhen(args(killed), () => JSON.parse(fs.readFileSync(path.join(killed, 'ckpt', 'meta.json'), 'utf8')).step >= 10);
    expect(fs.existsSync(path.join(killed, 'done.json'))).toBe(false);
    const refused = bridge(args(killed));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/--resume/);
    const b = bridge([...args(killed), '--resume']);
    expect(b.status, b.stderr).toBe(0);
    expect(hashOf(killed)).toBe(hashOf(straight));
    const metrics = readJsonl<{ step: number }>(runFiles(killed).metrics);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe('evaluateTerse: the skill of a base model before SFT', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('scores greedy terse solutions by op count, deterministically and without leaking tensors', async () => {
    const { evaluateTerse } = await import('../src/train/evaluate');
    const tf = await import('@tensorflow/tfjs');
    const tok = canonicalTokenizer('mod23');
    const rows = writeEasyData(tmp('terse'), 6, 11);
    const model = createTransformer({ ...TINY, vocab: tok.size, dropout: 0, pos: 'rope' }, { seed: 3 });
    const before = tf.memory().numTensors;
    const a = evaluateTerse(model, tok, rows, { batchSize: 4, maxNew: 24 });
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluateTerse(model, tok, rows, { batchSize: 3, maxNew: 24 })).toEqual(a); // batching does not change greedy text
    expect(a.problems).toBe(6);
    expect(a.byOps.reduce((s, b) => s + b.problems, 0)).toBe(6);
    const weighted = a.byOps.reduce((s, b) => s + b.accuracy * b.problems, 0) / 6;
    expect(weighted).toBeCloseTo(a.accuracy, 12);
    for (const x of [a.accuracy, a.stepAccuracy, a.exact]) expect(x >= 0 && x <= 1).toBe(true);
    // an untrained model writes no canonical solution
    expect(a.exact).toBe(0);
  });
});
