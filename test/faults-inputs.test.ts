// Inputs that were silently wrong, flags that were silently ignored or misread, and errors that did not name the
// file (README "Reliability"): each is now one `error:` line naming the flag or file and why.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { appendJsonl, writeFileAtomic } from '../src/fsutil';
import { runExperiments } from '../src/experiments/runner';
import { cli, expectOneLineError, tinyData, tinySft, tmp } from './faults-fixtures';

const T = tmp('inputs');
const D = path.join(T, 'data'); // 12 rows, mod 23
const EXACT = path.join(T, 'exact');
const S = path.join(T, 'sft');

beforeAll(async () => {
  await tinyData(D);
  await tinyData(EXACT, { arith: 'exact' });
  const r = await tinySft(D, S);
  expect(r.code, r.err).toBe(0);
});

/** A copy of D with problems.jsonl changed by `edit`. */
function editedCopy(name: string, edit: (lines: string[]) => string[]): string {
  const dir = path.join(T, name);
  fs.cpSync(D, dir, { recursive: true });
  const file = path.join(dir, 'problems.jsonl');
  fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)).join('\n') + '\n');
  return dir;
}

describe('inputs are checked against their manifests and against the model', () => {
  it('a problems.jsonl cut at a line boundary, or edited in place, is refused by every reader', async () => {
    const cut = editedCopy('cut', (l) => l.slice(0, 6));
    const edited = editedCopy('edited', (l) => l.map((x, i) => (i === 3 ? x.replace(/"answer":"\d+"/, '"answer":"999"') : x)));
    for (const args of [['sft', '--out', path.join(T, 'r-cut'), '--preset', 'tiny', '--max-steps', '1', '--no-progress'], ['eval', '--ckpt', S]]) {
      expectOneLineError(await cli(...args, '--data', cut), /--data .*cut: problems\.jsonl has 6 rows but manifest\.json says 12/);
      expectOneLineError(await cli(...args, '--data', edited), /--data .*edited: problems\.jsonl differs from manifest\.json \(sha256 [0-9a-f]{12}, manifest [0-9a-f]{12}\)/);
    }
  });

  it('exact-arithmetic data is refused by a mod-23 model (eval, grpo, probe)', async () => {
    const why = /--data .*exact: exact arithmetic, but the model of --(ckpt|init) .* works in mod23 arithmetic/;
    expectOneLineError(await cli('eval', '--ckpt', S, '--data', EXACT), why);
    expectOneLineError(await cli('grpo', '--init', S, '--data', EXACT, '--out', path.join(T, 'g-exact'), '--preset', 'tiny', '--no-progress'), why);
    expectOneLineError(await cli('probe', 'accuracy', '--ckpt', S, '--data', EXACT, '--out', path.join(T, 'p-exact'), '--n', '2', '--samples', '2', '--workers', '1'), why);
  });

  it('conflicting, ignored or misread flags are errors that say why', async () => {
    const run = (name: string) => path.join(T, name);
    const cases: [string[], RegExp][] = [
      [['eval', '--ckpt', S, '--data', D, '--samples', '4', '--temperature', '0'], /--samples 4 needs --temperature > 0/],
      [['data', '--split', 'sft', '--n', '2', '--variant', 'vanilla', '--k', '3', '--out', run('k1')], /--k applies to --variant pp-aug or rc-aug only/],
      [['data', '--split', 'sft', '--n', '2', '--variant', 'bridge', '--k', '2', '--out', run('k2')], /--k applies to --variant pp-aug or rc-aug only/],
      [['sft', '--data', D, '--out', run('rf'), '--resume', '--force'], /--resume and --force exclude each other/],
      [['grpo', '--init', S, '--data', D, '--out', run('rf2'), '--resume', '--force'], /--resume and --force exclude each other/],
      [['sft', '--data', D, '--out', run('hex'), '--lr', '0x1'], /--lr must be a number in \(0, 1\], got "0x1"/],
      [['grpo', '--init', S, '--data', D, '--out', run('hex2'), '--lr', '0x1'], /--lr must be a number in \(0, 1\], got "0x1"/],
      [['eval', '--ckpt', S, '--data', D, '--temperature', '0b1'], /--temperature must be a number in \[0, 10\], got "0b1"/],
      [['data', '--split', 'sft', '--n', '2', '--variant', 'bridge', '--reflect', '0x0', '--out', run('hex3')], /--reflect must be a number in \[0, 1\], got "0x0"/],
      [['probe', 'influence', '--ckpt', S, '--data', D, '--out', run('hex4'), '--eta', '0x1'], /--eta must be a number in \(0, 10\], got "0x1"/],
      [['grpo', '--init', S, '--data', D, '--out', run('ev'), '--preset', 'tiny', '--eval-every', '2', '--no-progress'], /--eval-every validates on --val DIR/],
      [['grpo', '--init', S, '--data', D, '--out', run('pr'), '--preset', 'tiny', '--prompts', '13', '--no-progress'], /--prompts 13 \(prompts per step\) is more than the 12 problems in --data/],
      [['probe', 'accuracy', '--ckpt', S, '--data', D, '--out', run('pn'), '--n', '13', '--samples', '2', '--workers', '1'], /--n 13 is more than the 12 problems in --data/],
      [['probe', 'influence', '--ckpt', S, '--data', D, '--out', run('s1'), '--n', '4', '--samples', '1'], /influence needs --samples ≥ 2/],
      [['probe', 'influence', '--ckpt', S, '--data', D, '--out', run('gt'), '--n', '4', '--ground-truth', '2', '--gt-eta', '0'], /--gt-eta must be a number in \(0, 100\], got "0"/],
      [['probe', 'accuracy', '--ckpt', S, '--data', D, '--out', run('ig'), '--project', '64'], /--project applies to `bridge probe influence` only, not accuracy/],
      [['eval', '--ckpt', S, '--data', D, '--limit', '13'], /--limit 13 is more than the 12 problems/],
    ];
    for (const [args, why] of cases) expectOneLineError(await cli(...args), why);
    // nothing was written: not even an empty output directory
    for (const name of ['k1', 'k2', 'rf', 'rf2', 'hex', 'hex2', 'hex3', 'hex4', 'ev', 'pr', 'pn', 's1', 'gt', 'ig']) expect(fs.existsSync(run(name)), name).toBe(false);
  });
});

describe('errors name the file and the field', () => {
  it('invalid JSON in a run config.json, a data manifest.json or reproduce.json names that file', async () => {
    const run = path.join(T, 'badrun');
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, 'config.json'), '{"config": ');
    expectOneLineError(await tinySft(D, run, '--resume'), /badrun\/config\.json: not valid JSON/);
    const data = editedCopy('badmanifest', (l) => l);
    fs.writeFileSync(path.join(data, 'manifest.json'), '{oops');
    expectOneLineError(await tinySft(data, path.join(T, 'r-bm')), /--data .*badmanifest: .*badmanifest\/manifest\.json: not valid JSON/);
    const out = path.join(T, 'badrepro');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'reproduce.json'), 'preset: tiny');
    await expect(runExperiments({ preset: 'tiny', out, progress: false, log: () => {} })).rejects.toThrow(/badrepro\/reproduce\.json: not valid JSON/);
  });

  it('a full disk names the file being written', () => {
    expect(() => appendJsonl('/dev/full', { step: 1 })).toThrow(/^\/dev\/full: ENOSPC/);
    const target = path.join(T, 'full', 'config.json');
    const spy = vi.spyOn(fs, 'writeFileSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    try {
      expect(() => writeFileAtomic(target, 'x')).toThrow(`${target}: ENOSPC: no space left on device, write`);
    } finally {
      spy.mockRestore();
    }
    expect(fs.readdirSync(path.dirname(target))).toEqual([]); // no temp file left behind
  });

  it('a model too large for the heap, and --init pointing at a data directory, say so', async () => {
    const big = await tinySft(D, path.join(T, 'big'), '--d', '4096', '--layers', '64', '--heads', '64');
    expectOneLineError(big, /model too large for the wasm heap: .*reduce d, layers or ctx/);
    expectOneLineError(await tinySft(D, path.join(T, 'initdata'), '--init', D), /--init .*data: not a checkpoint: its manifest\.json has no format field \(a data directory of `bridge data`\?\)/);
  });
});
