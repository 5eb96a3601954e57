// `bridge probe accuracy|influence|entropy`: the probes of docs/method.md on a checkpoint, outputs as JSON files. The
// flags derive from ProbeOptionsSchema (src/probes/options.ts); the body (src/probes/run.ts) loads when the command runs.
import type { Command } from 'commander';
import { addSchemaFlags, givenValues, usage, type SchemaFlags } from '../flags';
import { parseConfig } from '../validate';
import { ProbeOptionsSchema } from './options';

export const PROBE_FLAGS: SchemaFlags = {
  schema: ProbeOptionsSchema,
  flags: [
    { flag: '--n', path: 'n' },
    { flag: '--target-n', path: 'targetN' },
    { flag: '--samples', path: 'samples' },
    { flag: '--temperature', path: 'temperature', value: 'T' },
    { flag: '--seed', path: 'seed', value: 'S' },
    { flag: '--norm', path: 'norm' },
    { flag: '--eta', path: 'eta' },
    { flag: '--project', path: 'project' },
    { flag: '--ground-truth', path: 'groundTruth' },
    { flag: '--gt-eta', path: 'gtEta' },
    { flag: '--workers', path: 'workers' },
  ],
};

export interface ProbeFlags {
  ckpt: string;
  data: string;
  out: string;
  targets?: string;
  force?: boolean;
  json?: boolean;
  [flag: string]: unknown;
}

export function register(program: Command): void {
  const cmd = program
    .command('probe')
    .description('probes on a checkpoint: accuracy (rollout-accuracy α histogram), influence (per-step influence by α bin), entropy')
    .argument('<which>', 'accuracy | influence | entropy')
    .requiredOption('--ckpt <RUN>', 'run directory (uses RUN/final) or checkpoint directory')
    .requiredOption('--data <DIR>', 'probe queries (e.g. RL-train problems)')
    .requiredOption('--out <DIR>', 'output directory for <which>.json')
    .option('--targets <DIR>', 'target queries Q for influence (default: the rows after the first --n of --data)');
  addSchemaFlags(cmd, PROBE_FLAGS)
    .option('--force', 'overwrite an existing <which>.json in --out')
    .option('--json', 'print the summary as JSON')
    .action(async (which: string, f: ProbeFlags) => {
      const given = givenValues(PROBE_FLAGS.flags, f);
      const options = parseConfig(ProbeOptionsSchema, 'probe options', Object.fromEntries(given));
      const { runProbe } = await import('./run');
      await runProbe(which, f, options, usage, [...given.keys(), ...(f.targets !== undefined ? ['targets'] : [])]);
    });
}
