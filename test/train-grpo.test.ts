import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/model/backend';
import { createTransformer, disposeTransformer, getWeights, setWeights } from '../src/model/transformer';
import { accumulateGrads, computeGrads } from '../src/model/step';
import { saveCheckpoint } from '../src/model/checkpoint';
import { Rng } from '../src/rng';
import { buildTokenizer } from '../src/text/tokenizer';
import { grpoLoss, grpoWeight, type Aggregation, type GrpoBatch, type GrpoCoefs, type KlEstimator } from '../src/train/grpo-loss';
import { alphaHistogram, groupAdvantages, grpoConfig, rolloutBatches, runGrpo } from '../src/train/grpo';
import type { ProblemRow } from '../src/igsm/types';
import { canonicalTokenizer } from '../src/text/vocab';
import { generateSplit, toJsonl } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import { readJsonl } from '../src/fsutil';
import { bridge, bridgeKilledWhen } from './cli-helpers';

const TINY = { vocab: 23, ctx: 32, d: 16, layers: 1, heads: 2, mlpRatio: 2, dropout: 0, activation: 'gelu' as const };
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bridge-${p}-`));

/** Random right-padded rollouts: prompts of 3–5 tokens, completions of 2–6 tokens. */
function randomBatch(rng: Rng, coefs: GrpoCoefs, withOld: boolean, oldNoise: number): GrpoBatch {
  const groups = Array.from({ length: 2 }, () => ({
    row: {} as ProblemRow,
    prompt: Array.from({ length: rng.int(3, 5) }, () => rng.int(3, TINY.vocab - 1)),
    completions: Array.from({ length: 3 }, () => Array.from({ length: rng.int(2, 6) }, () => rng.int(3, TINY.vocab - 1))),
    rewards: [1, 0, rng.int(0, 1)],
  }));
  const [b] = rolloutBatches(groups, groups.map((g) => groupAdvantages(g.rewards, true)), coefs, 1 << 20);
  b.refLogp = Float32Array.from({ length: b.ids.length }, () => -2 + 0.5 * rng.normal());
  if (withOld) b.oldLogp = Float32Array.from({ length: b.ids.length }, () => -3 + oldNoise * rng.normal());
  return b;
}

function coefs(aggregation: Aggregation, klEstimator: KlEstimator): GrpoCoefs {
  return { temperature: 1, beta: 0.1, klEstimator, epsLow: 0.2, epsHigh: 0.28, entCoef: 0.01, aggregation, maxLen: 6 };
}

describe('GRPO loss', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('advantages are (r − mean) / (unbiased std + 1e-6), zero for equal rewards', () => {
    const a = groupAdvantages([1, 0, 0, 1], true);
    const std = Math.sqrt(4 * 0.25 / 3);
    expect(a[0]).toBeCloseTo(0.5 / (std + 1e-6), 6);
    expect(groupAdvantages([1, 1, 1], true)).toEqual([0, 0, 0]);
    expect(groupAdvantages([1, 0], false)).toEqual([0.5, -0.5]);
    expect(alphaHistogram([0, 0.5, 1, 1, 0.1])).toMatchObject({ '0': 1, '(0,0.2]': 1, '(0.4,0.6]': 1, '1': 2 });
  });

  for (const aggregation of ['seq-mean-token-mean', 'token-mean', 'seq-mean-token-sum-norm'] as const) {
    for (const kl of ['k1', 'k3'] as const) {
      it(`gradient matches finite differences (${aggregation}, ${kl})`, () => {
        const rng = new Rng(11);
        const model = createTransformer(TINY, { seed: 3 });
        // the old policy is far from the current one (log-probs ≈ −3 ± 1), so some tokens sit in the clipped branch
        const b = randomBatch(rng, coefs(aggregation, kl), true, 1.0);
        const { grads } = computeGrads(model, grpoLoss, b);
        const w0 = getWeights(model);
        const dir = Float32Array.from({ length: w0.length }, () => rng.normal());
        const norm = Math.sqrt(dir.reduce((a, x) => a + x * x, 0));
        for (let i = 0; i < dir.length; i++) dir[i] /= norm;
        const lossAt = (h: number) => {
          setWeights(model, w0.map((w, i) => w + h * dir[i]));
          return tf.tidy(() => grpoLoss(model, b).dataSync()[0]);
        };
        const h = 1e-2;
        const fd = (lossAt(h) - lossAt(-h)) / (2 * h);
        setWeights(model, w0);
        const analytic = grads.reduce((a, g, i) => a + g * dir[i], 0);
        expect(Math.abs(fd - analytic) / Math.max(1e-6, Math.abs(analytic))).toBeLessThan(1e-2);
      });
    }
  }

  it('with all rewards in every group equal, the policy-gradient part of the update is exactly zero', () => {
    const rng = new Rng(5);
    const model = createTransformer(TINY, { seed: 4 });
    const c = { ...coefs('seq-mean-token-mean', 'k3'), beta: 0, entCoef: 0 };
    const b = randomBatch(rng, c, false, 0);
    b.adv = Float32Array.from(groupAdvantages([1, 1, 1], true).concat(groupAdvantages([0, 0, 0], true)));
    const before = tf.memory().numTensors;
    const { grads } = computeGrads(model, grpoLoss, b);
    expect(grads.every((g) => g === 0)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const aggregation of ['seq-mean-token-mean', 'token-mean', 'seq-mean-token-sum-norm'] as const) {
    it(`skipping zero-advantage rollouts leaves the update unchanged (β = 0, no entropy bonus; ${aggregation})`, () => {
      const rng = new Rng(5);
      const c: GrpoCoefs = { ...coefs(aggregation, 'k3'), beta: 0, entCoef: 0 };
      const group = (rewards: number[]) => ({
        row: {} as ProblemRow,
        prompt: Array.from({ length: rng.int(3, 5) }, () => rng.int(3, TINY.vocab - 1)),
        completions: rewards.map(() => Array.from({ length: rng.int(2, 6) }, () => rng.int(3, TINY.vocab - 1))),
        rewards,
      });
      // two informative groups and two with equal rewards (all advantages exactly 0); small micro-batches, so both
      // paths accumulate over several shards of different sizes
      const groups = [group([1, 0, 0, 1]), group([0, 0, 0, 0]), group([1, 1, 0, 1]), group([1, 1, 1, 1])];
      const adv = groups.map((g) => groupAdvantages(g.rewards, true));
      const update = (skip: boolean) => {
        const model = createTransformer(TINY, { seed: 9 });
        const batches = rolloutBatches(groups, adv, c, 40, skip);
        const g = accumulateGrads(model, grpoLoss, batches.map((b) => ({ batch: b, weight: grpoWeight(b) })));
        disposeTransformer(model);
        return { ...g, rows: batches.reduce((a, b) => a + b.batch, 0) };
      };
      const full = update(false);
      const skipped = update(true);
      expect(full.rows).toBe(16);
      expect(skipped.rows).toBe(8); // only the informative groups' rollouts are backpropagated
      expect(skipped.loss).toBeCloseTo(full.loss, 6);
      // the same gradient up to float32 summation order (the micro-batches hold other rows)
      let scale = 0;
      let maxDiff = 0;
      for (let i = 0; i < full.grads.length; i++) {
        scale = Math.max(scale, Math.abs(full.grads[i]));
        maxDiff = Math.max(maxDiff, Math.abs(full.grads[i] - skipped.grads[i]));
      }
      expect(scale).toBeGreaterThan(1e-3);
      expect(maxDiff / scale).toBeLessThan(1e-5);
      // a wrong denominator (no loss scale) would change the update: the test can tell
      const unscaled = rolloutBatches(groups, adv, c, 40, true).map((b) => ({ ...b, coefs: { ...b.coefs, lossScale: 1 } }));
      const model = createTransformer(TINY, { seed: 9 });
      const wrong = accumulateGrads(model, grpoLoss, unscaled.map((b) => ({ batch: b, weight: grpoWeight(b) })));
      disposeTransformer(model);
      let wrongDiff = 0;
      for (let i = 0; i < full.grads.length; i++) wrongDiff = Math.max(wrongDiff, Math.abs(full.grads[i] - wrong.grads[i]));
      expect(wrongDiff / scale).toBeGreaterThan(0.1);
    });
  }

  it('with no informative rollout, the skipping path keeps one rollout at scale 0: a zero gradient', () => {
    const rng = new Rng(6);
    const c: GrpoCoefs = { ...coefs('seq-mean-token-mean', 'k3'), beta: 0, entCoef: 0 };
    const groups = [0, 1].map((r) => ({
      row: {} as ProblemRow,
      prompt: [4, 5, 6],
      completions: [0, 1, 2].map(() => Array.from({ length: rng.int(2, 6) }, () => rng.int(3, TINY.vocab - 1))),
      rewards: [r, r, r],
    }));
    const batches = rolloutBatches(groups, groups.map((g) => groupAdvantages(g.rewards, true)), c, 1 << 20, true);
    expect(batches.map((b) => b.batch)).toEqual([1]);
    const model = createTransformer(TINY, { seed: 9 });
    const g = computeGrads(model, grpoLoss, batches[0]);
    disposeTransformer(model);
    expect(g.loss).toBe(0);
    expect(g.grads.every((x) => x === 0)).toBe(true);
  });

  it('on-policy (one update per batch) has ratio ≡ 1: no token is clipped', () => {
    const rng = new Rng(6);
    const model = createTransformer(TINY, { seed: 5 });
    const b = randomBatch(rng, coefs('seq-mean-token-mean', 'k3'), false, 0);
    tf.tidy(() => grpoLoss(model, b));
    expect(b.stats!.clipped).toBe(0);
    expect(b.stats!.tokens).toBeGreaterThan(0);
  });

  it('rejects a group size below 2 and other bad settings with the field name', () => {
    expect(() => grpoConfig({ groupSize: 1 })).toThrow(/groupSize.*≥ 2/);
    expect(() => grpoConfig({ aggregation: 'sum' })).toThrow(/aggregation/);
    expect(() => grpoConfig({ klEstimator: 'k2' })).toThrow(/klEstimator/);
  });
});

describe('GRPO on a toy task with a known optimum', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('raises mean reward from < 0.2 to > 0.9 when the reward is 1 for emitting the target token first', async () => {
    const words = ['red', 'green', 'blue', 'cyan', 'gold', 'gray', 'pink', 'teal', 'lime', 'navy', 'plum', 'rose'];
    const tok = buildTokenizer({ entities: [], corpus: [words.join(' ') + ' ' + words.join(' '), '<think>\n' + words.join('\n')], numbers: 'digits' });
    const cfgModel = { ...TINY, vocab: tok.size, ctx: 24 };
    const model = createTransformer(cfgModel, { seed: 1 });
    const dir = tmp('grpo-toy');
    const init = path.join(dir, 'init');
    saveCheckpoint(init, { config: model.cfg, weights: getWeights(model), tokenizer: tok.toJSON() });
    const rng = new Rng(2);
    const rows = Array.from({ length: 16 }, (_, i) => ({
      id: `t${i}`,
      query: Array.from({ length: 3 }, () => rng.pick(words)).join(' '),
      response: '',
      answer: 'gold',
      numOps: 1,
      graph: { modulus: null } as never,
      variant: 'toy',
      surface: 'compact',
    }));
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'problems.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    expect(tok.has(' gold')).toBe(true);
    const rewards: number[] = [];
    await runGrpo({
      init,
      data: path.join(dir, 'data'),
      out: path.join(dir, 'run'),
      config: grpoConfig({ steps: 40, promptsPerStep: 4, groupSize: 8, maxNew: 2, lr: 3e-2, beta: 0, entropyCoef: 0, evalEvery: 0, seed: 3 }),
      progress: false,
      rewardFn: (text) => (text.startsWith(' gold') ? 1 : 0),
      onStep: (m) => rewards.push(m.reward),
    });
    const first = rewards.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
    const last = rewards.slice(-3).reduce((a, b) => a + b, 0) / 3;
    expect(first).toBeLessThan(0.2);
    expect(last).toBeGreaterThan(0.9);
  });
});

describe('bridge grpo --resume after kill -9', () => {
  it('reproduces the uninterrupted run: same final weights hash', async () => {
    await initBackend();
    const dir = tmp('grpo-resume');
    const tok = canonicalTokenizer('mod23');
    const model = createTransformer({ vocab: tok.size, ctx: 256, d: 32, layers: 1, heads: 2, mlpRatio: 2, dropout: 0, activation: 'gelu' }, { seed: 9 });
    const init = path.join(dir, 'sft');
    saveCheckpoint(init, { config: model.cfg, weights: getWeights(model), tokenizer: tok.toJSON() });
    const gen = validateGenConfig({ minOps: 1, maxOps: 2, arith: 'mod23', maxInstanceParams: 12, redundantQuery: false });
    for (const [name, seed] of [['train', 1], ['val', 2]] as const) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'problems.jsonl'), toJsonl(generateSplit({ name, n: 24, gen, seed, surface: 'compact' }).rows));
    }
    const args = (out: string) => ['grpo', '--init', init, '--data', path.join(dir, 'train'), '--val', path.join(dir, 'val'), '--out', out, '--preset', 'tiny', '--steps', '8', '--no-progress'];
    const a = bridge(args(path.join(dir, 'a')));
    expect(a.status, a.stderr).toBe(0);
    const killed = path.join(dir, 'b');
    await bridgeKilledWhen(args(killed), () => JSON.parse(fs.readFileSync(path.join(killed, 'ckpt', 'meta.json'), 'utf8')).step >= 2);
    expect(fs.existsSync(path.join(killed, 'done.json'))).toBe(false);
    const b = bridge([...args(killed), '--resume']);
    expect(b.status, b.stderr).toBe(0);
    const hash = (d: string) => JSON.parse(fs.readFileSync(path.join(d, 'done.json'), 'utf8')).weightsHash;
    expect(hash(killed)).toBe(hash(path.join(dir, 'a')));
    const steps = readJsonl<{ step: number; alpha: number[]; val_accuracy?: number }>(path.join(killed, 'metrics.jsonl'));
    expect(steps.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(steps[0].alpha).toHaveLength(4);
    expect(steps.filter((m) => m.val_accuracy !== undefined).length).toBeGreaterThan(0);
  });
});
