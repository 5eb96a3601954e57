// One source per setting (docs/architecture.md, Where is each setting set?): every flag of the training commands
// maps to a field of the schema that holds its default and bounds, every named preset validates, and the reproduce
// presets are built from the training presets they name.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli';
import { fieldAt } from '../src/flags';
import { getPreset, PRESET_NAMES, PRESETS } from '../src/experiments/presets';
import { GRPO_PRESETS, GrpoConfigSchema, grpoConfig } from '../src/train/grpo-config';
import { SFT_PRESETS, SftConfigSchema, sftConfig } from '../src/train/sft-config';
import { PRETRAIN_PRESETS } from '../src/train/commands';

/** Flags that are not settings of a config: inputs, outputs, run control and the preset choice itself. */
const NOT_CONFIG = ['--data', '--val', '--out', '--init', '--work', '--preset', '--resume', '--force', '--no-progress', '--help'];
/** Generator settings of `bridge pretrain`'s corpus (GenConfig, checked by the corpus spec), not of the SFT config. */
const CORPUS = ['--n', '--ops', '--arith', '--surface', '--distractors'];
/** `bridge pretrain`'s skill measurement (src/train/skill.ts): what is measured, not what is trained. */
const SKILL = ['--skill-every', '--skill-ops', '--skill-n'];

const SFT_FLAGS: Record<string, string> = {
  '--epochs': 'epochs',
  '--batch-size': 'batchSize',
  '--lr': 'schedule.lr',
  '--loss-on': 'lossOn',
  '--seed': 'seed',
  '--max-steps': 'maxSteps',
  '--checkpoint-every': 'checkpointEvery',
  '--workers': 'workers',
  '--d': 'model.d',
  '--layers': 'model.layers',
  '--heads': 'model.heads',
  '--ctx': 'model.ctx',
  '--pos': 'model.pos',
  '--no-divergence-guard': 'divergence.enabled',
};
const GRPO_FLAGS: Record<string, string> = {
  '--steps': 'steps',
  '--prompts': 'promptsPerStep',
  '--group': 'groupSize',
  '--lr': 'lr',
  '--beta': 'beta',
  '--kl': 'klEstimator',
  '--max-new': 'maxNew',
  '--eval-every': 'evalEvery',
  '--workers': 'workers',
  '--seed': 'seed',
  '--dynamic-sampling': 'dynamicSampling',
};

function flagsOf(name: string): string[] {
  const cmd = buildProgram().commands.find((c: Command) => c.name() === name);
  if (!cmd) throw new Error(`no command ${name}`);
  return cmd.options.map((o) => o.long!).filter(Boolean);
}

describe('one source per setting', () => {
  it.each([
    ['sft', SFT_FLAGS, SftConfigSchema, []],
    ['pretrain', { ...SFT_FLAGS, '--form': 'format', '--drill-every': 'drill.every', '--drill-facts': 'drill.facts' }, SftConfigSchema, [...CORPUS, ...SKILL]],
    ['grpo', GRPO_FLAGS, GrpoConfigSchema, []],
  ] as const)('every flag of bridge %s is a schema field or a named non-setting', (name, map, schema, extra) => {
    const flags = flagsOf(name);
    const unmapped = flags.filter((f) => !(f in map) && !NOT_CONFIG.includes(f) && !(extra as readonly string[]).includes(f));
    expect(unmapped).toEqual([]);
    const missing = Object.entries(map).filter(([, field]) => fieldAt(schema, field) === undefined);
    expect(missing).toEqual([]);
    // the map names no flag the command lacks (sft and pretrain share it)
    expect(Object.keys(map).filter((f) => !flags.includes(f))).toEqual([]);
  });

  it('every training preset and every reproduce preset validates', () => {
    for (const [k, p] of Object.entries(GRPO_PRESETS)) expect(() => grpoConfig(p), k).not.toThrow();
    for (const [k, p] of Object.entries(SFT_PRESETS)) expect(() => sftConfig(p), k).not.toThrow();
    for (const [k, p] of Object.entries(PRETRAIN_PRESETS)) expect(() => sftConfig(p.sft), k).not.toThrow();
    for (const n of PRESET_NAMES) expect(() => getPreset(n), n).not.toThrow();
  });

  it('the reproduce presets take their training settings from the presets they name', () => {
    const paper = getPreset('paper').grpo;
    const named = grpoConfig(GRPO_PRESETS.paper);
    for (const k of ['steps', 'promptsPerStep', 'groupSize', 'maxNew', 'lr', 'beta', 'entropyCoef', 'evalEvery'] as const) expect(paper[k], k).toBe(named[k]);
    expect([paper.lr, paper.maxNew]).toEqual([1e-5, 1536]);
    for (const n of ['quick', 'full'] as const) {
      const p = getPreset(n);
      const d = sftConfig(SFT_PRESETS.regime);
      expect(p.sft.schedule, n).toEqual(d.schedule);
      expect(p.sft.model, n).toEqual(d.model);
      const g = grpoConfig(n === 'full' ? GRPO_PRESETS.regime : GRPO_PRESETS.default);
      for (const k of ['steps', 'promptsPerStep', 'groupSize', 'lr', 'beta', 'entropyCoef'] as const) if (n === 'full') expect(p.grpo[k], `${n} ${k}`).toBe(g[k]);
      expect(p.grpo.lr, n).toBe(g.lr);
      expect(PRESETS[n].sft.workers, n).toBe(1);
    }
  });
});
