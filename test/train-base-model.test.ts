import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { loadCheckpoint } from '../src/model/checkpoint';
import { Tokenizer } from '../src/text/tokenizer';
import { canonicalTokenizer } from '../src/text/vocab';

const models = path.resolve(__dirname, '..', 'data', 'models');
const shipped = fs.existsSync(models) ? fs.readdirSync(models).filter((d) => fs.existsSync(path.join(models, d, 'recipe.json'))) : [];

describe('shipped base models (data/models)', () => {
  it('at least one base model is shipped', () => {
    expect(shipped.length).toBeGreaterThan(0);
  });

  for (const name of shipped) {
    it(`${name} loads, its files match their hashes, and its weights are the ones its recipe produced`, () => {
      const dir = path.join(models, name);
      const ck = loadCheckpoint(dir); // verifies every file against the manifest's sha256
      const recipe = JSON.parse(fs.readFileSync(path.join(dir, 'recipe.json'), 'utf8'));
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      expect(manifest.weightsHash).toBe(recipe.weightsHash);
      expect(recipe.command).toMatch(/^npx bridge pretrain /);
      expect(recipe.command).toContain(`--workers ${recipe.sft.workers}`);
      // a base model speaks the workbench's canonical vocabulary for its arithmetic, so SFT data encodes with it
      const tok = Tokenizer.fromJSON(ck.tokenizer as never);
      expect(tok.toJSON()).toEqual(canonicalTokenizer(recipe.corpus.gen.arith).toJSON());
      expect(ck.config.vocab).toBe(tok.size);
      expect(ck.optimizer ?? null).toBeNull();
    });
  }
});
