// The one registry of `bridge` commands: every command module exports `register(program)` and is listed here, in the
// order of the pipeline (docs/architecture.md, The folders of src/). Imports run one way: this file uses the command
// modules, they never import it or src/cli.ts.
import { Command } from 'commander';
import type { SchemaFlags } from '../flags';
import * as data from './data';
import * as reproduce from './reproduce';
import * as train from '../train/commands';
import * as probes from '../probes/commands';
import { REPRODUCE_FLAGS } from '../experiments/reproduce-options';

/** Every command module, in the order `bridge --help` lists their commands. */
export const COMMAND_MODULES: readonly { register: (program: Command) => void }[] = [data, train, probes, reproduce];

/** The schema-derived flags of each command (test/flags-schema.test.ts checks every flag maps to one of them or is a non-setting). */
export const COMMAND_FLAGS: Record<string, readonly SchemaFlags[]> = {
  data: data.DATA_FLAGS,
  stats: [],
  sft: [train.SFT_FLAGS],
  pretrain: [...train.PRETRAIN_CORPUS_FLAGS, train.PRETRAIN_SKILL_FLAGS, train.PRETRAIN_SFT_FLAGS],
  grpo: [train.GRPO_FLAGS],
  eval: [train.EVAL_FLAGS],
  probe: [probes.PROBE_FLAGS],
  reproduce: [REPRODUCE_FLAGS],
};

export function buildProgram(): Command {
  const program = new Command();
  program.name('bridge').description('BRIDGE workbench: iGSM-reasoning data, behaviour injection, training and probes').exitOverride();
  for (const m of COMMAND_MODULES) m.register(program);
  return program;
}
