// The flags of every command derive from the schemas that hold the settings (src/flags.ts; docs/architecture.md,
// Where is each setting set?): every flag maps to a schema field or is on a short list of non-settings, --help shows
// each field's description, default and bounds, a bad value stops with one line naming the flag and the range that
// --help shows, and --ops has one parser with one rule in every command that takes it.
import fs from 'node:fs';
import path from 'node:path';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli';
import { COMMAND_FLAGS } from '../src/commands/index';
import { fieldAt, fieldInfo, flagHelp, parseFieldValue, rangeText, type FlagSpec, type SchemaFlags } from '../src/flags';
import { SlurmSettingsSchema, settingFlags } from '../src/experiments/slurm-settings';
import { GrpoConfigSchema } from '../src/train/grpo-config';
import { SftConfigSchema } from '../src/train/sft-config';

/** Flags that are not settings: inputs, outputs, run control, what to print, and the preset choice of the training commands. */
const NOT_SETTINGS = new Set([
  '--data', '--val', '--targets', '--ckpt', '--init', '--out', '--work', '--preset', '--resume', '--force', '--no-progress', '--json',
  '--estimate', '--collect', '--report-only', '--status', '--wait', '--slurm-config', '--help',
]);

const program = buildProgram();
const commandOf = (name: string): Command => program.commands.find((c) => c.name() === name)!;
const oneSpace = (s: string) => s.replace(/\s+/g, ' ');
const specsOf = (name: string): { group: SchemaFlags; spec: FlagSpec }[] => (COMMAND_FLAGS[name] ?? []).flatMap((group) => group.flags.map((spec) => ({ group, spec })));

async function refusal(args: string[]): Promise<string> {
  try {
    await buildProgram().parseAsync(args, { from: 'user' });
  } catch (err) {
    return (err as Error).message;
  }
  return '(accepted)';
}

describe('flags derived from the schemas', () => {
  it('the registry covers every command and every command has a registry entry', () => {
    expect(program.commands.map((c) => c.name()).sort()).toEqual(Object.keys(COMMAND_FLAGS).sort());
  });

  it('commands are registered in one place, and imports run one way: no module below it imports the registry or the CLI', () => {
    const src = path.resolve(__dirname, '..', 'src');
    const files = fs.readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const registering = files.filter((f) => /\.command\(/.test(fs.readFileSync(path.join(src, f), 'utf8')));
    expect(registering.sort()).toEqual(['commands/data.ts', 'commands/reproduce.ts', 'probes/commands.ts', 'train/commands.ts']);
    const text = (f: string) => fs.readFileSync(path.join(src, f), 'utf8');
    const importers = files.filter((f) => /from '[./]*(cli|commands\/index)(\.js)?'/.test(text(f)) || (f.startsWith('commands/') && /from '\.\/index'/.test(text(f))));
    expect(importers).toEqual(['cli.ts']);
  });

  it.each(Object.keys(COMMAND_FLAGS))('every flag of bridge %s is a schema field or a named non-setting', (name) => {
    const specs = specsOf(name);
    const slurm = name === 'reproduce' ? settingFlags() : [];
    const unmapped = commandOf(name)
      .options.map((o: Option) => o.long!)
      .filter((f) => !NOT_SETTINGS.has(f) && !specs.some((s) => s.spec.flag === f) && !slurm.some((s) => s.flag === f));
    expect(unmapped).toEqual([]);
    for (const { group, spec } of specs) expect(fieldAt(group.schema, spec.path), `${spec.flag} → ${spec.path}`).toBeDefined();
    for (const s of slurm) expect(fieldAt(SlurmSettingsSchema, s.form === 'resource' ? `resources.default.${s.key}` : s.key), s.flag).toBeDefined();
    // no spec names a flag the command lacks
    const flags = commandOf(name).options.map((o) => o.long);
    expect(specs.map((s) => s.spec.flag).filter((f) => !flags.includes(f))).toEqual([]);
  });

  it('the field lookup finds nested fields and rejects unknown ones', () => {
    expect(fieldAt(SftConfigSchema, 'model.d')).toBeDefined();
    expect(fieldAt(SftConfigSchema, 'schedule.lr')).toBeDefined();
    expect(fieldAt(SftConfigSchema, 'model.width')).toBeUndefined();
    expect(fieldAt(GrpoConfigSchema, 'groupsize')).toBeUndefined();
  });

  it.each(Object.keys(COMMAND_FLAGS).filter((n) => specsOf(n).length))('bridge %s --help shows each field\'s description, default and bounds', (name) => {
    const help = oneSpace(commandOf(name).helpInformation());
    for (const { group, spec } of specsOf(name)) {
      const info = fieldInfo(fieldAt(group.schema, spec.path)!);
      const text = spec.help ?? info.description;
      expect(text, `${spec.flag} has a description`).toBeTruthy();
      expect(help, spec.flag).toContain(oneSpace(flagHelp(group.schema, spec, group.presets)));
      expect(help, spec.flag).toContain(oneSpace(text!));
      if (info.kind === 'boolean' && !spec.parse) continue;
      expect(help, spec.flag).toContain(spec.range ?? rangeText(info));
      // a flag that takes a value says so in its syntax
      expect(help, spec.flag).toMatch(new RegExp(`${spec.flag} <[^>]+>`));
      // numbers are bounded on both sides, so the help states a range
      if (info.kind === 'number') expect([info.lo, info.hi], spec.flag).not.toContain(undefined);
    }
  });

  it('the training flags show the default of each preset, and the field default where a preset leaves a group out', () => {
    expect(oneSpace(commandOf('pretrain').helpInformation())).toContain('--drill-every <N> one arithmetic drill example per N corpus problems (0 = none; src/train/drill.ts) (default 0; an integer in [0, 1000000])');
    const help = oneSpace(commandOf('sft').helpInformation());
    expect(help).toContain('--epochs <N> passes over the data (default by --preset: tiny 8, default 14, regime 12; an integer in [1, 10000])');
    expect(oneSpace(commandOf('grpo').helpInformation())).toContain('--group <G> rollouts per prompt (the paper: 32) (default by --preset: tiny 4, default 8, regime 8, paper 32; an integer in [2, 1024])');
    expect(oneSpace(commandOf('pretrain').helpInformation())).toMatch(/--ops <A-B> op range of the corpus \(default by --preset: tiny 1-3, default 1-20, regime 1-8; A-B \(or A\)/);
  });

  it.each(Object.keys(COMMAND_FLAGS))('a value out of range for a number flag of bridge %s is one line naming the flag and the range', async (name) => {
    for (const { group, spec } of specsOf(name)) {
      const info = fieldInfo(fieldAt(group.schema, spec.path)!);
      if (info.kind !== 'number' || spec.parse) continue;
      const range = rangeText(info);
      const above = String(info.hi! + (info.int ? 1 : info.hi! || 1));
      for (const bad of [above, '0x1', 'Infinity', '']) {
        const args = name === 'probe' ? [name, 'accuracy', spec.flag, bad] : [name, spec.flag, bad];
        expect(await refusal(args), `${spec.flag} ${bad}`).toBe(`${spec.flag} must be ${range}, got "${bad}"`);
      }
    }
  });

  it('choices and lists are checked the same way', async () => {
    expect(await refusal(['sft', '--loss-on', 'half'])).toBe('--loss-on must be one of all, response, got "half"');
    expect(await refusal(['data', '--variant', 'foo'])).toMatch(/^--variant must be one of vanilla, bridge, .*, got "foo"$/);
    expect(await refusal(['probe', 'influence', '--project', '64,0'])).toBe('--project must be a comma-separated list, each an integer in [1, 16777216], got "64,0"');
    expect(await refusal(['reproduce', '--executor', 'pbs'])).toBe('--executor must be one of local, slurm, got "pbs"');
  });

  it('--ops has one parser and one rule in bridge data and bridge pretrain', () => {
    const ops = (name: string) => commandOf(name).options.find((o) => o.long === '--ops')!;
    for (const name of ['data', 'pretrain']) {
      const parse = (raw: string) => ops(name).parseArg!(raw, undefined);
      expect(parse('5'), name).toEqual([5, 5]);
      expect(parse(' 3 - 7 '), name).toEqual([3, 7]);
      for (const bad of ['3-2', '0-3', '1-61', 'a-b', '1-2-3']) expect(() => parse(bad), `${name} ${bad}`).toThrow(/^--ops(:| must)/);
    }
    expect(() => ops('data').parseArg!('3-2', undefined)).toThrow('--ops: min 3 > max 2; must be A-B (or A) with integers 1 ≤ A ≤ B ≤ 60');
    expect(() => ops('pretrain').parseArg!('3-2', undefined)).toThrow('--ops: min 3 > max 2; must be A-B (or A) with integers 1 ≤ A ≤ B ≤ 60');
  });

  it('parseFieldValue reads plain decimals only and honours open bounds', () => {
    const lr = fieldAt(GrpoConfigSchema, 'lr')!;
    expect(parseFieldValue('--lr', '1e-5', lr)).toBe(1e-5);
    expect(parseFieldValue('--lr', '1', lr)).toBe(1);
    for (const bad of ['0', '0x1', '0b1', ' ', '1e400', '-1']) expect(() => parseFieldValue('--lr', bad, lr), bad).toThrow(`--lr must be a number in (0, 1], got "${bad}"`);
    const beta1 = fieldAt(SftConfigSchema, 'beta1')!;
    expect(rangeText(fieldInfo(beta1))).toBe('a number in [0, 1)');
    expect(() => parseFieldValue('--beta1', '1', beta1)).toThrow('--beta1 must be a number in [0, 1), got "1"');
    const epochs = fieldAt(SftConfigSchema, 'epochs')!;
    expect(() => parseFieldValue('--epochs', '2.5', epochs)).toThrow('--epochs must be an integer in [1, 10000], got "2.5"');
    expect(parseFieldValue('--epochs', '+3', epochs)).toBe(3);
  });
});
