import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/model/backend';
import { leftPad } from '../src/model/batch';
import { modelConfig } from '../src/model/config';
import { sample } from '../src/model/sampler';
import { scoreSequences } from '../src/model/score';
import { createTransformer, disposeTransformer, forward, type Transformer } from '../src/model/transformer';
import { Rng } from '../src/rng';

const cfg = modelConfig({ vocab: 19, ctx: 32, d: 16, layers: 2, heads: 2 });
let model: Transformer;

beforeAll(async () => {
  await initBackend();
  model = createTransformer(cfg, { seed: 11 });
});
afterAll(() => disposeTransformer(model));

function prompts(seed: number, lengths: number[]): number[][] {
  const rng = new Rng(seed);
  return lengths.map((n) => Array.from({ length: n }, () => rng.int(0, cfg.vocab - 1)));
}

describe('sampler', () => {
  const ps = prompts(1, [4, 1, 7, 3, 5]);

  it('same seed ⇒ identical samples; another seed ⇒ different samples', () => {
    const a = sample(model, ps, { maxNew: 12, seed: 5 });
    const b = sample(model, ps, { maxNew: 12, seed: 5 });
    const c = sample(model, ps, { maxNew: 12, seed: 6 });
    expect(b).toEqual(a);
    expect(c.tokens).not.toEqual(a.tokens);
    for (const t of a.tokens) expect(t).toHaveLength(12);
    expect(a.finish).toEqual(Array(5).fill('length'));
  });

  it('rows are independent of batching: shards with rowOffset reproduce the whole batch', () => {
    const whole = sample(model, ps, { maxNew: 9, seed: 3, stop: [2] });
    const first = sample(model, ps.slice(0, 2), { maxNew: 9, seed: 3, stop: [2] });
    const rest = sample(model, ps.slice(2), { maxNew: 9, seed: 3, stop: [2], rowOffset: 2 });
    expect([...first.tokens, ...rest.tokens]).toEqual(whole.tokens);
    expect([...first.finish, ...rest.finish]).toEqual(whole.finish);
  });

  it('returned log-probs equal scoreSequences on the sampled sequences (T = 1 and T = 0.7)', () => {
    for (const temperature of [1, 0.7]) {
      const r = sample(model, ps, { maxNew: 8, seed: 9, temperature });
      const full = leftPad(ps.map((p, i) => [...p, ...r.tokens[i]]));
      const lp = tf.tidy(() => scoreSequences(model, full, { temperature }).logp.dataSync() as Float32Array);
      let maxd = 0;
      ps.forEach((p, i) => {
        const pad = full.len - p.length - r.tokens[i].length;
        r.logprobs[i].forEach((l, s) => (maxd = Math.max(maxd, Math.abs(l - lp[i * full.len + pad + p.length + s]))));
      });
      expect(maxd).toBeLessThan(1e-4);
    }
  });

  it('greedy (T = 0) follows the argmax of a full forward pass', () => {
    const r = sample(model, ps.slice(0, 3), { maxNew: 6, seed: 0, temperature: 0 });
    ps.slice(0, 3).forEach((p, i) => {
      const seq = [...p];
      for (let s = 0; s < 6; s++) {
        const logits = tf.tidy(() => forward(model, leftPad([seq])).dataSync() as Float32Array);
        const last = logits.slice((seq.length - 1) * cfg.vocab, seq.length * cfg.vocab);
        const arg = last.indexOf(Math.max(...last));
        expect(r.tokens[i][s]).toBe(arg);
        seq.push(arg);
      }
    });
  });

  it('stops at a stop token (kept) and reports finish reasons', () => {
    const many = prompts(2, Array(16).fill(3));
    const stopTok = 4;
    const r = sample(model, many, { maxNew: 20, seed: 1, stop: [stopTok], temperature: 1.5 });
    let stops = 0;
    r.tokens.forEach((t, i) => {
      const at = t.indexOf(stopTok);
      if (r.finish[i] === 'stop') {
        stops++;
        expect(at).toBe(t.length - 1);
      } else {
        expect(at).toBe(-1);
        expect(t).toHaveLength(20);
      }
    });
    expect(stops).toBeGreaterThan(0);
    expect(stops).toBeLessThan(16);
  });

  it('ends a row with "length" at the context limit', () => {
    const r = sample(model, prompts(3, [30, 2]), { maxNew: 10, seed: 2 });
    expect(r.tokens[0]).toHaveLength(2); // positions 30 and 31 fill ctx = 32
    expect(r.finish[0]).toBe('length');
    expect(r.tokens[1]).toHaveLength(10);
  });

  it('rejects bad options with one clear line', () => {
    expect(() => sample(model, ps, { maxNew: 0, seed: 1 })).toThrow('maxNew must be a positive integer (got 0)');
    expect(() => sample(model, ps, { maxNew: 2, seed: 1, temperature: -1 })).toThrow('temperature must be ≥ 0 (got -1)');
    expect(() => sample(model, [[]], { maxNew: 2, seed: 1 })).toThrow('prompt 0: length 0 outside [1, 31] (ctx 32)');
    expect(() => sample(model, ps, { maxNew: 2, seed: 1, stop: [40] })).toThrow('stop token 40 outside [0, 19)');
  });
});
