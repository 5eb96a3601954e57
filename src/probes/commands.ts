// `bridge probe accuracy|influence|entropy`: the probes of docs/method.md on a checkpoint, outputs as JSON files.
import type { Command } from 'commander';
import type { ProbeFlags, Usage } from './run';

export function registerProbeCommands(program: Command, usage: Usage): void {
  program
    .command('probe')
    .description('probes on a checkpoint: accuracy (rollout-accuracy α histogram), influence (per-step influence by α bin), entropy')
    .argument('<which>', 'accuracy | influence | entropy')
    .requiredOption('--ckpt <RUN>', 'run directory (uses RUN/final) or checkpoint directory')
    .requiredOption('--data <DIR>', 'probe queries (e.g. RL-train problems)')
    .requiredOption('--out <DIR>', 'output directory for <which>.json')
    .option('--targets <DIR>', 'target queries Q for influence (default: the rows after the first --n of --data)')
    .option('--n <N>', 'probe queries', '64')
    .option('--target-n <N>', 'target queries', '32')
    .option('--samples <N>', 'rollouts per query', '32')
    .option('--temperature <T>', 'rollout temperature', '1')
    .option('--seed <S>', 'sampling seed', '0')
    .option('--norm <mean|sum>', 'g(q,o) over tokens: token mean (the trainer) or sum', 'mean')
    .option('--eta <X>', "the trainer's learning rate, for I_q at that η", '1e-4')
    .option('--project <K[,K…]>', 'also report count-sketch projected co-influence with K buckets (one or more sizes) and its error vs exact')
    .option('--ground-truth <N>', 'influence: also take real gradient steps on N informative probe queries', '0')
    .option('--gt-eta <X>', 'step size of the ground-truth check', '1e-2')
    .option('--workers <N>', 'sampling replicas', '2')
    .option('--force', 'overwrite an existing <which>.json in --out')
    .option('--json', 'print the summary as JSON')
    .action(async (which: string, f: ProbeFlags, cmd: Command) => {
      const { runProbe } = await import('./run');
      await runProbe(which, f, usage, Object.keys(f).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
    });
}
