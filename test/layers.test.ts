// Layers that hold (docs/architecture.md, The pipeline): the data, experiment, report and config modules never load
// tfjs, not even for a type or a schema. A child process imports each of them with a guard (test/tfjs-guard.mjs)
// that makes resolving any @tensorflow/* package throw, by ESM import or by require; a module that reaches tfjs
// through any chain of static imports then fails to import, and the error names the file that asked for it. Two
// controls that do load tfjs must fail the same way, so a guard that stopped working would fail this test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCheckpoint } from '../src/model/checkpoint-path';

const ROOT = path.resolve(__dirname, '..');
const ts = (dir: string) =>
  fs
    .readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f}`);

/** The stage processes run trainers (and exit when started without their parent): they are the heavy side. */
const STAGE_PROCESSES = new Set(['src/experiments/worker.ts', 'src/experiments/stage-main.ts']);
const LIGHT = [
  ...['src/igsm', 'src/inject', 'src/text', 'src/report', 'src/notebook', 'src/commands'].flatMap(ts),
  ...ts('src/experiments').filter((f) => !STAGE_PROCESSES.has(f)),
  'src/rng.ts',
  'src/flags.ts',
  'src/validate.ts',
  'src/cli.ts',
  'src/probes/commands.ts',
  'src/probes/options.ts',
  ...['commands', 'eval-options', 'skill-options', 'alpha', 'batches', 'data', 'divergence', 'format', 'grpo-config', 'progress', 'run-dir', 'schedule', 'sft-config'].map((f) => `src/train/${f}.ts`),
  ...['config', 'checkpoint-path', 'batch', 'optim'].map((f) => `src/model/${f}.ts`),
];
const CONTROLS = ['src/train/grpo.ts', 'src/model/backend.ts'];

function importUnderGuard(modules: string[]): Record<string, string> {
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--import', './test/tfjs-guard.mjs', 'test/layers-child.mjs', ...modules], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, string>;
}

describe('layers', () => {
  it('no module under src/igsm, inject, text, report, experiments (but the stage processes), the CLI and the config modules of train/ and model/ loads tfjs', () => {
    const res = importUnderGuard([...CONTROLS, ...LIGHT]);
    for (const c of CONTROLS) expect(res[c], c).toMatch(/^tfjs loaded: @tensorflow\/tfjs from /);
    const leaks = LIGHT.filter((m) => res[m] !== 'ok').map((m) => `${m}: ${res[m]}`);
    expect(leaks).toEqual([]);
    expect(LIGHT.length).toBeGreaterThan(50);
  }, 180_000);

  it('resolveCheckpoint takes a run directory to its final/ checkpoint and leaves a checkpoint directory as it is', () => {
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-ckpt-'));
    expect(resolveCheckpoint(run)).toBe(run);
    fs.mkdirSync(path.join(run, 'final'));
    expect(resolveCheckpoint(run)).toBe(run);
    fs.writeFileSync(path.join(run, 'final', 'manifest.json'), '{}');
    expect(resolveCheckpoint(run)).toBe(path.join(run, 'final'));
    fs.rmSync(run, { recursive: true, force: true });
  });
});
