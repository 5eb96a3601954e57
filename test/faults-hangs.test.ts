// Hangs, quadratic paths and unnoticed divergence (README "Reliability"): an --out on a pseudo filesystem is refused
// at once, the reward's scans are linear in the completion, and a diverging SFT run stops with its last good state.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { extractBoxed, formatOk, reward } from '../src/igsm/answer';
import { verifyAnswer } from '../src/inject';
import { generateSplit } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import { binBridge, expectOneLineError, tinyData, tinySft, tmp } from './faults-fixtures';

const T = tmp('hangs');
const D = path.join(T, 'data');

beforeAll(async () => {
  await tinyData(D);
});

describe('no hangs, no quadratic scans', () => {
  it('an --out inside /proc or /sys is refused at once (Node’s recursive mkdir spins there forever)', () => {
    for (const args of [
      ['data', '--split', 'sft', '--n', '2', '--out', '/proc/bridge-faults/x'],
      ['sft', '--data', D, '--out', '/proc/bridge-faults/run', '--preset', 'tiny', '--no-progress'],
      ['reproduce', '--preset', 'tiny', '--out', '/sys/bridge-faults', '--no-progress'],
    ]) {
      const t0 = Date.now();
      // a child process: a regression would spin, and an in-process spin cannot be interrupted
      const r = spawnSync(process.execPath, [binBridge, ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(r.signal, `${args[0]} ended by itself`).toBeNull();
      expectOneLineError({ code: r.status ?? -1, out: r.stdout, err: r.stderr }, /\/(proc|sys) is on the (proc|sysfs) pseudo filesystem; choose a directory on a disk/);
      expect(Date.now() - t0).toBeLessThan(20_000);
    }
  });

  /** Best of three: the time of the work itself, not of a neighbour on the shared cores. */
  const ms = (f: () => unknown) => Math.min(...[0, 1, 2].map(() => { const t = performance.now(); f(); return performance.now() - t; }));
  const MB = 1 << 20;
  const repeat = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length));

  it('formatOk, extractBoxed and reward take < 100 ms on 1 MB of adversarial repeats (they were quadratic: 31.7 s)', () => {
    for (const unit of ['<think>\n', '</think>\n', '</think> <answer>', '\\boxed{', '<answer></answer>x', 'a\n']) {
      const s = repeat(unit, MB);
      for (const [name, f] of [['formatOk', () => formatOk(s)], ['extractBoxed', () => extractBoxed(s)], ['reward', () => reward(s, '7', { formatBonus: 0.1 })]] as const) {
        expect(ms(f), `${name} on ${JSON.stringify(unit)} × ${s.length / unit.length}`).toBeLessThan(100);
      }
      // and linear: 4 MB within 4× the bound (quadratic would be 16× the 1 MB time)
      expect(ms(() => formatOk(repeat(unit, 4 * MB)))).toBeLessThan(400);
    }
  });

  it('formatOk decides exactly as the regular expression it replaces', () => {
    const reference = (c: string) => {
      const m = /^<think>.*?<\/think>\s*<answer>.*?<\/answer>$/ms.exec('<think>' + c);
      return m !== null && m.index === 0 ? 1 : 0;
    };
    const piece = fc.constantFrom('<think>', '</think>', '<answer>', '</answer>', '\n', '\r', '\u2028', ' ', '\t', 'x', '<', '>', '\\boxed{1}');
    fc.assert(fc.property(fc.array(piece, { maxLength: 14 }), (parts) => formatOk(parts.join('')) === reference(parts.join(''))), { numRuns: 4000, seed: 18 });
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => extractBoxed(s) === (/\\boxed\{([^}]*)\}/.exec(s)?.[1] ?? null)), { numRuns: 2000, seed: 18 });
    expect(formatOk('\n</think>\n<answer>\\boxed{7}</answer>')).toBe(1);
    expect(formatOk('\n</think>\n<answer>\\boxed{7}</answer> trailing')).toBe(0);
  });

  it('the verifier reads 1 MB of a rollout in < 1 s', () => {
    const gen = validateGenConfig({ minOps: 2, maxOps: 3, arith: 'mod23' });
    const row = generateSplit({ name: 'v', n: 1, gen, seed: 1, surface: 'compact' }).rows[0];
    const [first, ...rest] = row.response.split('\n');
    for (const body of [repeat('\n', MB), repeat(rest.join('\n') + '\n', MB), repeat('<think>\n', MB), repeat('\\boxed{', MB)]) {
      expect(ms(() => verifyAnswer(row.graph, `${first}\n${body}`, { surface: row.surface }))).toBeLessThan(1000);
    }
  });
});

describe('a diverging run stops with its last good state', () => {
  it('sft --lr 1 stops with one line and the state of a good step; --no-divergence-guard lets it run', async () => {
    const out = path.join(T, 'lr1');
    const r = await tinySft(D, out, '--lr', '1', '--max-steps', '60', '--checkpoint-every', '5');
    expectOneLineError(r, /sft step (\d+): loss diverged: the mean of the last 5 losses is .*× its running minimum .*; the state after step (\d+) is saved in .*ckpt \(--no-divergence-guard turns this check off\)/);
    const [, fired, kept] = /sft step (\d+):.*state after step (\d+)/.exec(r.err)!.map(Number);
    expect(kept).toBeLessThan(fired);
    expect(fired, r.err).toBeLessThan(40);
    expect(fs.existsSync(path.join(out, 'done.json'))).toBe(false);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'ckpt', 'meta.json'), 'utf8'));
    expect(meta.step).toBe(kept + 1);
    const losses = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).loss as number);
    expect(Math.max(...losses.slice(-5))).toBeGreaterThan(2 * Math.min(...losses));
    const off = await tinySft(D, path.join(T, 'lr1-off'), '--lr', '1', '--max-steps', String(fired + 2), '--no-divergence-guard');
    expect(off.code, off.err).toBe(0);
    expect(JSON.parse(off.out).steps).toBe(fired + 2);
  });
});
