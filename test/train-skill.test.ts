// The base model's own skill (src/train/skill.ts): `bridge pretrain` measures greedy terse solutions at checkpoints and
// at the end, keeps the curve in its recipe, and its test problems never come from the corpus.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { skillTests } from '../src/train/skill';
import { readJsonl } from '../src/fsutil';
import { cli, expectOneLineError, tmp } from './faults-fixtures';

const T = tmp('skill');

describe('skill test sets', () => {
  const spec = { ops: [2, 3], n: 30, arith: 'mod23' as const, surface: 'compact' as const, distractors: false, form: 'values' as const };
  it('are forced-op problems of the asked question form, the same for the same spec', () => {
    const a = skillTests(spec, []);
    expect(a.map((t) => [t.op, t.rows.length])).toEqual([[2, 30], [3, 30]]);
    for (const t of a) for (const r of t.rows) expect(r.numOps).toBe(t.op);
    expect(skillTests(spec, []).map((t) => t.rows.map((r) => r.query))).toEqual(a.map((t) => t.rows.map((r) => r.query)));
    // no distractors: every stated sentence but the question is a needed node
    for (const r of a[0].rows) expect(r.query.trim().split('\n').length).toBe(r.graph.nodes.filter((x) => x.kind === 'instance').length + 1);
  });
  it('drop the problems that are also in the corpus', () => {
    const same = skillTests(spec, [])[0].rows.slice(0, 5);
    const t = skillTests(spec, same);
    expect(t[0].rows.length).toBe(25);
    expect(t[0].rows.some((r) => same.some((c) => c.query === r.query))).toBe(false);
    expect(t[1].rows.length).toBe(30);
  });
});

describe('bridge pretrain --skill-every', () => {
  const pretrain = (out: string, ...extra: string[]) =>
    cli('pretrain', '--preset', 'tiny', '--n', '16', '--max-steps', '4', '--checkpoint-every', '1', '--arith', 'mod23', '--no-progress',
      '--out', out, '--work', path.join(T, 'work-' + path.basename(out)), ...extra);

  it('records the skill at every 2nd checkpoint and at the end, in the work dir and the recipe', async () => {
    const out = path.join(T, 'model');
    const r = await pretrain(out, '--skill-every', '2', '--skill-ops', '1,2', '--skill-n', '3', '--distractors', 'no', '--form', 'named', '--drill-every', '4', '--drill-facts', '5');
    expect(r.code, r.err).toBe(0);
    const rows = readJsonl<{ step: number; tokens: number; byOp: { op: number; problems: number; accuracy: number; stepAccuracy: number }[] }>(path.join(T, 'work-model', 'skill.jsonl'));
    expect(rows.map((x) => x.step)).toEqual([2, 4]);
    expect(rows[1].tokens).toBeGreaterThan(rows[0].tokens);
    for (const row of rows) {
      expect(row.byOp.map((b) => [b.op, b.problems])).toEqual([[1, 3], [2, 3]]);
      for (const b of row.byOp) for (const x of [b.accuracy, b.stepAccuracy]) expect(x >= 0 && x <= 1).toBe(true);
    }
    const recipe = JSON.parse(fs.readFileSync(path.join(out, 'recipe.json'), 'utf8'));
    expect(recipe.skill).toEqual(rows);
    // the recipe names the corpus question form and the line form: both shape the weights
    expect(recipe.command).toContain('--distractors no');
    expect(recipe.command).toContain('--form named');
    expect(recipe.corpus.gen.redundantQuery).toBe(false);
    expect(recipe.sft.format).toBe('terse-named');
    expect(recipe.sft.drill).toEqual({ every: 4, facts: 5 });
    expect(recipe.command).toContain('--drill-every 4 --drill-facts 5');
    // every periodic checkpoint's weights hash, for a partial rebuild check (bench/base-model-recipe.ts --steps K)
    const hashes = readJsonl<{ step: number; tokens: number; weightsHash: string }>(path.join(T, 'work-model', 'checkpoints.jsonl'));
    expect(recipe.checkpoints).toEqual(hashes);
    expect(hashes.map((h) => h.step)).toEqual([1, 2, 3]);
    expect(hashes[1].tokens).toBe(rows[0].tokens);
    for (const h of hashes) expect(h.weightsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set([...hashes.map((h) => h.weightsHash), recipe.weightsHash]).size).toBe(4);
  });

  it('refuses a bad op list and a bad question form with one line', async () => {
    expectOneLineError(await pretrain(path.join(T, 'm2'), '--skill-ops', '2,x'), /--skill-ops must be a comma-separated list, each an integer in \[1, 40\], got "2,x"/);
    expectOneLineError(await pretrain(path.join(T, 'm3'), '--distractors', 'maybe'), /--distractors must be yes or no/);
    expectOneLineError(await pretrain(path.join(T, 'm4'), '--form', 'long'), /--form must be values or named/);
    expectOneLineError(await pretrain(path.join(T, 'm5'), '--drill-facts', '500'), /--drill-facts must be/);
  });
});
