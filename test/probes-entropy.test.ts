import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src/model/backend';
import { createTransformer, getWeights } from '../src/model/transformer';
import { saveCheckpoint } from '../src/model/checkpoint';
import { paramCount } from '../src/model/config';
import { canonicalTokenizer } from '../src/text/vocab';
import { generateSplit, toJsonl } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import { responsePerplexity, rolloutEntropy } from '../src/probes/entropy';
import { accuracyReport, sampleGroups } from '../src/probes/rollouts';
import { bridge } from './cli-helpers';

describe('entropy, perplexity and rollout-accuracy probes', () => {
  beforeAll(async () => {
    await initBackend();
  });
  const tok = canonicalTokenizer('mod23');
  const cfg = { vocab: tok.size, ctx: 256, d: 16, layers: 1, heads: 2, mlpRatio: 2, dropout: 0, activation: 'gelu' as const };
  const rows = generateSplit({ name: 'p', n: 6, gen: validateGenConfig({ minOps: 1, maxOps: 2, arith: 'mod23', redundantQuery: false, maxInstanceParams: 12 }), seed: 3, surface: 'compact' }).rows;

  it('a model with all-zero weights is uniform: entropy ln V and perplexity V', async () => {
    const uniform = createTransformer(cfg, { weights: new Float32Array(paramCount(cfg)) });
    const groups = await sampleGroups(uniform, tok, rows, { n: 4, temperature: 1, seed: 1, maxNew: 8 });
    const e = rolloutEntropy(uniform, groups, 1);
    expect(e.tokens).toBe(groups.reduce((a, g) => a + g.completions.reduce((b, c) => b + c.length, 0), 0));
    expect(e.entropy).toBeCloseTo(Math.log(tok.size), 4);
    expect(responsePerplexity(uniform, tok, rows).perplexity).toBeCloseTo(tok.size, 1);
    const rep = accuracyReport(groups, { n: 4, temperature: 1 });
    expect(rep.queries).toBe(6);
    expect(Object.values(rep.histogram).reduce((a, b) => a + b, 0)).toBe(6);
    expect(rep.histogram['0']).toBe(6); // a uniform model over ~750 tokens never writes a correct answer in 8 tokens
  });

  it('bridge probe accuracy writes the α histogram for a checkpoint', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-probe-'));
    const model = createTransformer(cfg, { seed: 1 });
    saveCheckpoint(path.join(dir, 'ck'), { config: model.cfg, weights: getWeights(model), tokenizer: tok.toJSON() });
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'problems.jsonl'), toJsonl(rows));
    const r = bridge(['probe', 'accuracy', '--ckpt', path.join(dir, 'ck'), '--data', path.join(dir, 'data'), '--out', path.join(dir, 'out'), '--n', '4', '--samples', '3', '--workers', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const acc = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'accuracy.json'), 'utf8'));
    expect(acc.alphas).toHaveLength(4);
    expect(acc.samples).toBe(3);
    const bad = bridge(['probe', 'nonsense', '--ckpt', dir, '--data', dir, '--out', dir]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/accuracy, influence or entropy/);
  });
});
