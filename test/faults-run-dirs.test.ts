// Faults around run directories (README "Reliability"): --out that holds someone else's files, --force next to the
// data, a second writer, signals, and --resume on other inputs. Each case failed before the fix it names.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSft, sftConfig } from '../src/train/sft';
import { runGrpo, grpoConfig } from '../src/train/grpo';
import { SFT_PRESETS } from '../src/train/commands';
import { binBridge, cli, expectOneLineError, fingerprint, foreignLock, tinyData, tinySft, tmp } from './faults-fixtures';

const T = tmp('rundirs');
const D = path.join(T, 'data');
const D2 = path.join(T, 'data2');
const S = path.join(T, 'sft'); // a finished tiny SFT run: the checkpoint of eval, grpo and --init

beforeAll(async () => {
  await tinyData(D);
  await tinyData(D2, { seed: 2 });
  const r = await tinySft(D, S);
  expect(r.code, r.err).toBe(0);
});

/** An unfinished run: `steps` optimizer steps with a checkpoint each, then "killed" (an exception from onStep). */
async function unfinishedSft(out: string, steps: number): Promise<void> {
  const config = sftConfig({ ...SFT_PRESETS.tiny, maxSteps: 6, checkpointEvery: 1 });
  await expect(
    runSft({ data: D, init: 'scratch', out, config, progress: false, onStep: (s) => { if (s > steps) throw new Error('killed'); } }),
  ).rejects.toThrow('killed');
}

describe('pretrain --out is checked before training and never replaces what is not a model', () => {
  const pretrain = (out: string, work: string, ...extra: string[]) =>
    cli('pretrain', '--preset', 'tiny', '--n', '8', '--max-steps', '2', '--no-progress', '--out', out, '--work', work, ...extra);

  it('a file, a directory of the user, or a path below a file is refused at once, and stays as it was', async () => {
    const file = path.join(T, 'notes.txt');
    fs.writeFileSync(file, 'mine');
    const dir = path.join(T, 'mydir');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'thesis.tex'), 'chapter 1');
    const before = fingerprint(dir);
    for (const [out, why] of [[file, /--out .*notes\.txt: exists and is not a directory/], [dir, /--out .*mydir: holds thesis\.tex, not a model's files/], [path.join(file, 'm'), /notes\.txt\/m: .*notes\.txt exists and is not a directory/]] as const) {
      const work = path.join(T, `w-${path.basename(out)}`);
      expectOneLineError(await pretrain(out, work), why);
      expectOneLineError(await pretrain(out, work, '--force'), why);
      expect(fs.existsSync(work), 'nothing was trained').toBe(false);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
    expect(fingerprint(dir)).toEqual(before);
  });

  it('a rerun reuses the finished training of its --work (an export that failed is redone without retraining)', async () => {
    const work = path.join(T, 'pw');
    const a = await pretrain(path.join(T, 'model-a'), work);
    expect(a.code, a.err).toBe(0);
    // the recipe's command names every setting that shapes the weights, the loss mask and a step cap included
    const recipe = JSON.parse(fs.readFileSync(path.join(T, 'model-a', 'recipe.json'), 'utf8'));
    expect(recipe.command).toContain(`--loss-on ${recipe.sft.lossOn}`);
    expect(recipe.command).toContain('--max-steps 2');
    const b = await pretrain(path.join(T, 'model-b'), work);
    expect(b.code, b.err).toBe(0);
    expect(b.err).toMatch(/reusing the finished run/);
    expect(JSON.parse(b.out).weightsHash).toBe(JSON.parse(a.out).weightsHash);
    expect(fs.existsSync(path.join(T, 'model-b', 'manifest.json'))).toBe(true);
    // other settings on the same --work: refused, naming the field
    expectOneLineError(await pretrain(path.join(T, 'model-c'), work, '--lr', '0.002'), /--work .*: config field schedule\.lr is 0\.002 now but 0\.01/);
  });
});

describe('a run directory holds only its run; --force removes only what the run wrote', () => {
  it('sft --resume into an unrelated directory is refused and its files stay byte for byte', async () => {
    const u = path.join(T, 'unrelated');
    fs.mkdirSync(u);
    fs.writeFileSync(path.join(u, 'config.json'), '{"theme": "dark"}\n');
    fs.writeFileSync(path.join(u, 'metrics.jsonl'), '{"my": "measurements"}\n');
    const before = fingerprint(u);
    expectOneLineError(await tinySft(D, u, '--resume'), /--out .*unrelated: not empty \(config\.json, metrics\.jsonl\) and not a bridge sft run/);
    expect(fingerprint(u)).toEqual(before);
  });

  it('sft --force with the data inside --out trains and keeps the data', async () => {
    const out = path.join(T, 'holder');
    const data = await tinyData(path.join(out, 'data'));
    const before = fingerprint(data);
    for (let i = 0; i < 2; i++) {
      const r = await tinySft(data, out, '--force');
      expect(r.code, r.err).toBe(0);
      expect(fingerprint(data)).toEqual(before);
    }
  });

  it('eval --out FILE does not overwrite a file without --force', async () => {
    const file = path.join(T, 'report.json');
    fs.writeFileSync(file, 'keep me');
    expectOneLineError(await cli('eval', '--ckpt', S, '--data', D, '--out', file, '--json'), /--out .*report\.json: exists \(pass --force to overwrite it\)/);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
    const r = await cli('eval', '--ckpt', S, '--data', D, '--out', file, '--json', '--force');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).problems).toBe(12);
  });
});

describe('one lock for every writing command; stopping `npx bridge` stops the trainer', () => {
  it('every writing command is refused while another process holds the lock of its output', async () => {
    const X = path.join(T, 'locked');
    const holder = foreignLock(path.join(X, '.bridge.lock'));
    try {
      const inUse = /in use by `bridge sft \(test holder\)` \(pid \d+/;
      expectOneLineError(await tinySft(D, X), inUse);
      expectOneLineError(await tinySft(D, X, '--resume'), inUse);
      expectOneLineError(await cli('grpo', '--init', S, '--data', D, '--out', X, '--preset', 'tiny', '--no-progress'), inUse);
      expectOneLineError(await cli('data', '--split', 'sft', '--n', '2', '--out', X), inUse);
      expectOneLineError(await cli('probe', 'accuracy', '--ckpt', S, '--data', D, '--out', X, '--n', '2', '--samples', '2', '--workers', '1'), inUse);
      expectOneLineError(await cli('pretrain', '--preset', 'tiny', '--n', '8', '--out', path.join(T, 'm-locked'), '--work', X, '--no-progress'), inUse);
      expectOneLineError(await cli('reproduce', '--preset', 'tiny', '--out', X, '--no-progress'), inUse);
      const F = path.join(T, 'locked.json');
      const fileHolder = foreignLock(`${F}.lock`);
      expectOneLineError(await cli('eval', '--ckpt', S, '--data', D, '--out', F), inUse);
      fileHolder.kill();
      expect(fs.readdirSync(X)).toEqual(['.bridge.lock']); // nobody wrote anything
    } finally {
      holder.kill();
    }
    // a lock of another host cannot be checked from here: refused, naming the file to delete
    fs.writeFileSync(path.join(X, '.bridge.lock'), JSON.stringify({ pid: 1, host: 'elsewhere', start: null, command: 'bridge sft', since: 'then' }));
    expectOneLineError(await tinySft(D, X), /pid 1 on host elsewhere; delete .*\.bridge\.lock if it no longer runs/);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to \`npx bridge sft\` stops the trainer within 2 s; the stale lock it leaves is taken over`, async () => {
      const out = path.join(T, `sig-${signal}`);
      const wrapper = spawn(process.execPath, [binBridge, 'sft', '--data', D, '--out', out, '--preset', 'tiny', '--max-steps', '100000', '--no-progress'], { stdio: 'ignore' });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => wrapper.on('exit', (code, sig) => r({ code, signal: sig })));
      const metrics = path.join(out, 'metrics.jsonl');
      const lines = () => (fs.existsSync(metrics) ? fs.readFileSync(metrics, 'utf8').split('\n').filter(Boolean).length : 0);
      const t0 = Date.now();
      while (lines() < 2) {
        expect(Date.now() - t0, 'the run started').toBeLessThan(60_000);
        await new Promise((r) => setTimeout(r, 50));
      }
      const trainer = JSON.parse(fs.readFileSync(path.join(out, '.bridge.lock'), 'utf8')).pid as number;
      expect(trainer).not.toBe(wrapper.pid); // the trainer runs in the wrapper's child
      const tKill = Date.now();
      wrapper.kill(signal);
      const alive = () => {
        try {
          process.kill(trainer, 0);
          return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${trainer}/stat`, 'utf8'));
        } catch {
          return false;
        }
      };
      while (alive()) {
        expect(Date.now() - tKill, 'the trainer stopped within 2 s').toBeLessThan(2000);
        await new Promise((r) => setTimeout(r, 20));
      }
      const end = await exited;
      expect(end.signal === signal || end.code === 128 + os.constants.signals[signal], JSON.stringify(end)).toBe(true);
      const n = lines();
      await new Promise((r) => setTimeout(r, 300));
      expect(lines(), 'no step after the signal').toBe(n);
      // the lock of the killed trainer is stale: the next command takes it over
      const again = await tinySft(D, out, '--force');
      expect(again.code, again.err).toBe(0);
      expect(again.err).toMatch(/took over a stale lock \(pid \d+ is not running\)/);
    });
  }
});

describe('--resume compares what it resumes with', () => {
  it('other --data, --init or flags are refused naming the field; the same ones resume', async () => {
    const out = path.join(T, 'resume');
    await unfinishedSft(out, 2);
    const config = fs.readFileSync(path.join(out, 'config.json'), 'utf8');
    const resume = (...extra: string[]) => cli('sft', '--out', out, '--preset', 'tiny', '--max-steps', '6', '--checkpoint-every', '1', '--no-progress', '--resume', ...extra);
    expectOneLineError(await resume('--data', D2), /--resume .*: --data differs from the run's \(it started from .*data\): sha256 [0-9a-f]{12} now, [0-9a-f]{12} recorded/);
    expectOneLineError(await resume('--data', D, '--init', S), /--resume .*: --init differs from the run's/);
    expectOneLineError(await resume('--data', D, '--lr', '0.02'), /--resume .*: config field schedule\.lr is 0\.02 now but 0\.01 in its config\.json/);
    expect(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).toBe(config);
    const ok = await resume('--data', D);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out).steps).toBe(6);
  });

  it('model-shape flags with --init are an error, not a false record', async () => {
    expectOneLineError(await tinySft(D, path.join(T, 'shape'), '--init', S, '--d', '128'), /--d applies to --init scratch only/);
    const r = await tinySft(D, path.join(T, 'shape2'), '--init', S);
    expect(r.code, r.err).toBe(0);
    const rec = JSON.parse(fs.readFileSync(path.join(T, 'shape2', 'config.json'), 'utf8'));
    expect(rec.model.d).toBe(64); // the shape trained, from the checkpoint
  });

  it('grpo --resume on other --data is refused', async () => {
    const out = path.join(T, 'grpo-resume');
    const config = grpoConfig({ steps: 3, promptsPerStep: 2, groupSize: 2, maxNew: 8, lr: 1e-3, evalEvery: 0, checkpointEvery: 1 });
    const init = path.join(S, 'final');
    await expect(runGrpo({ init, data: D, out, config, progress: false, onStep: (m) => { if (m.step >= 1) throw new Error('killed'); } })).rejects.toThrow('killed');
    await expect(runGrpo({ init, data: D2, out, config, resume: true, progress: false })).rejects.toThrow(/--resume .*: --data differs from the run's/);
    const res = await runGrpo({ init, data: D, out, config, resume: true, progress: false });
    expect(res.steps).toBe(3);
  });
});
