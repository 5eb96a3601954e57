// The options of `bridge reproduce` (src/commands/reproduce.ts): the schema of its own settings (--preset, --jobs,
// --executor), and beyond the local run the Slurm settings' flags (derived from their schema, slurm-settings.ts),
// --status, --collect, --report-only, --wait, and what --estimate adds.
// Loaded with the CLI: the heavier modules are imported when a command needs them.
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import type { SchemaFlags } from '../flags';
import { PRESET_NAMES } from './presets';
import type { RunOutcome } from './runner';
import { collectRepeated, resourcesFor, settingFlags, settingsFromFlags, timeSeconds, type SlurmSettings } from './slurm-settings';

/** The settings of `bridge reproduce` itself; a preset (src/experiments/presets.ts) holds everything about the run's sizes. */
export const ReproduceOptionsSchema = z
  .object({
    preset: z.enum(PRESET_NAMES).optional().describe('the run (src/experiments/presets.ts); required unless --status or --report-only'),
    jobs: z.number().int().min(1).max(64).optional().describe('stages run at once, one worker process each'),
    executor: z.enum(['local', 'slurm']).default('local').describe('where stages run: worker processes here (local), or one Slurm batch job each (slurm; README "On a Slurm cluster")'),
  })
  .strict();

export const REPRODUCE_FLAGS: SchemaFlags = {
  schema: ReproduceOptionsSchema,
  flags: [
    { flag: '--preset', path: 'preset', value: 'name' },
    { flag: '--jobs', path: 'jobs', defaultText: 'the number of cores' },
    { flag: '--executor', path: 'executor', value: 'local|slurm' },
  ],
};

export interface ReproduceFlags {
  preset?: string;
  out?: string;
  jobs?: number;
  force?: boolean;
  estimate?: boolean;
  progress: boolean;
  executor?: 'local' | 'slurm';
  collect?: boolean;
  reportOnly?: boolean;
  status?: string;
  json?: boolean;
  wait?: boolean;
  slurmConfig?: string;
  [setting: string]: unknown;
}

export function registerExecutorOptions(cmd: Command): Command {
  cmd
    .option('--collect', 'run nothing: assemble OUT/results and the report from the stages finished so far')
    .option('--report-only', 'run and assemble nothing: redraw the figures, report.html and summary.md from OUT/results with the current code (needs no stage directories; --preset optional)')
    .option('--status <DIR>', "every stage's state in DIR: done, running or queued (with its Slurm job), failed (with its log tail); local and Slurm runs")
    .option('--json', 'with --status: the states as JSON')
    .option('--wait', 'with --executor slurm: follow the jobs until every one has ended (exit status 1 when a stage failed)')
    .option('--slurm-config <FILE>', 'with --executor slurm: Slurm settings as JSON (docs/slurm.example.json); the flags below override it');
  for (const f of settingFlags()) {
    if (f.form === 'list') cmd.option(f.syntax, f.help, collectRepeated);
    else cmd.option(f.syntax, f.help);
  }
  return cmd;
}

/** One stage kind's Slurm request, as --estimate prints it. */
function resourceText(s: SlurmSettings) {
  return (kind: Parameters<typeof resourcesFor>[1]) => {
    const r = resourcesFor(s, kind);
    return { text: `${r.partition ? `--partition=${r.partition} ` : ''}--cpus-per-task=${r.cpus} --mem=${r.mem} --time=${r.time}${r.gpus ? ` --gres=gpu:${r.gpus}` : ''}`, limitSeconds: timeSeconds(r.time) };
  };
}

/**
 * Everything of `bridge reproduce` that is not the local run: 'handled' when the command is complete (--status,
 * --report-only, a Slurm submission), else what the local run should do (`collectOnly`: --collect, here or after a Slurm run).
 */
export async function executorStep(f: ReproduceFlags, usage: (msg: string) => Error, log = (l: string) => process.stderr.write(l + '\n')): Promise<'handled' | { collectOnly: boolean }> {
  if (f.status !== undefined) {
    const { runStatus, formatStatus } = await import('./status');
    const st = runStatus(f.status);
    process.stdout.write((f.json ? JSON.stringify(st, null, 2) : formatStatus(st)) + '\n');
    return 'handled';
  }
  if (f.json) throw usage('--json applies to --status');
  if (f.reportOnly) return reportOnlyStep(f, usage, log);
  if (f.preset === undefined) throw usage("required option '--preset <name>' not specified");
  if (f.out === undefined) throw usage("required option '--out <DIR>' not specified");
  let settings: SlurmSettings;
  let given: string[];
  try {
    ({ settings, given } = settingsFromFlags(f, f.slurmConfig));
  } catch (err) {
    throw usage((err as Error).message);
  }
  if ((f.executor ?? 'local') === 'local') {
    const slurmOnly = [...(f.slurmConfig !== undefined ? ['--slurm-config'] : []), ...(f.wait ? ['--wait'] : []), ...given];
    if (slurmOnly.length) throw usage(`${slurmOnly[0]} applies to --executor slurm`);
    if (!f.collect && !f.estimate) (await import('./executor-slurm')).refuseWhileQueued(f.out, 'a local run would run their stages a second time');
    return { collectOnly: !!f.collect };
  }
  if (f.jobs !== undefined) throw usage('--jobs applies to --executor local (Slurm runs every stage whose inputs are done)');
  if (f.collect) {
    if (f.wait) throw usage('--collect and --wait exclude each other: --collect assembles what has finished, now');
    return { collectOnly: true };
  }
  const { getPreset } = await import('./presets');
  let preset;
  try {
    preset = getPreset(f.preset);
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (f.estimate) {
    const [{ estimateCost, formatEstimate, formatStagePlan }, { buildPlan }, { readDone }] = await Promise.all([import('./cost'), import('./definitions'), import('./runner')]);
    const plan = buildPlan(preset, f.out);
    const finished = new Set(f.force ? [] : plan.stages.filter((s) => readDone(s)).map((s) => s.id));
    const est = estimateCost(plan, preset, Math.max(1, plan.stages.length - finished.size), finished);
    log(formatEstimate(preset, plan, est, finished.size));
    log(formatStagePlan(plan, est, finished, resourceText(settings)));
    return 'handled';
  }
  const slurm = await import('./executor-slurm');
  const sub = await slurm.submitSlurm({ preset, out: f.out, settings, force: f.force, log });
  // every stage was already done: assemble the results here, as a local run with nothing left to run does
  if (sub.collectJob === null) return { collectOnly: true };
  if (!f.wait) return 'handled';
  const st = await slurm.waitSlurm(path.resolve(f.out), settings, log);
  const failed = st.stages.filter((s) => s.state === 'failed');
  if (failed.length) throw new Error(`${failed.length} stage(s) failed: ${failed.map((s) => s.id).join(', ')} (bridge reproduce --status ${f.out} shows their log tails)`);
  if (st.collect.job && st.collect.job.state !== 'COMPLETED') throw new Error(`the results job ${st.collect.job.id} ended ${st.collect.job.state}: see ${st.collect.log}`);
  log(`slurm: every job has ended; results in ${path.join(f.out, 'results')}`);
  return 'handled';
}

/** --report-only: the report of OUT/results redrawn with the current code; every flag that runs or assembles stages is refused. */
async function reportOnlyStep(f: ReproduceFlags, usage: (msg: string) => Error, log: (l: string) => void): Promise<'handled'> {
  if (f.out === undefined) throw usage("required option '--out <DIR>' not specified");
  let given: string[];
  try {
    ({ given } = settingsFromFlags(f, f.slurmConfig));
  } catch (err) {
    throw usage((err as Error).message);
  }
  const runFlags = [
    ...(f.collect ? ['--collect'] : []), ...(f.force ? ['--force'] : []), ...(f.estimate ? ['--estimate'] : []), ...(f.jobs !== undefined ? ['--jobs'] : []),
    ...((f.executor ?? 'local') !== 'local' ? ['--executor'] : []), ...(f.wait ? ['--wait'] : []), ...(f.slurmConfig !== undefined ? ['--slurm-config'] : []), ...given,
  ];
  if (runFlags.length) throw usage(`${runFlags[0]} does not apply to --report-only (it runs and assembles nothing)`);
  const { rewriteReport } = await import('./runner');
  const { files, rows } = await rewriteReport(f.out, f.preset);
  log(`reproduce --report-only: ${files.length} files from ${rows} rows → ${path.join(f.out, 'report.html')}, summary.md, figures/`);
  return 'handled';
}

/** --estimate of a local run: per stage kind, and the critical path. */
export async function printLocalStagePlan(res: RunOutcome, jobs: number, log = (l: string) => process.stderr.write(l + '\n')): Promise<void> {
  const { estimateCost, formatStagePlan } = await import('./cost');
  const finished = new Set(res.reused);
  log(formatStagePlan(res.plan, estimateCost(res.plan, res.preset, jobs, finished), finished));
}
