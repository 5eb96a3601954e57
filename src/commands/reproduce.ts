// `bridge reproduce`: Table 1, Figure 1 and Figure 4 end to end. Its own flags derive from ReproduceOptionsSchema, the
// Slurm ones from SlurmSettingsSchema (src/experiments/reproduce-options.ts, slurm-settings.ts); the runner and the
// report load when the command runs.
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { addSchemaFlags, usage } from '../flags';
import { executorStep, printLocalStagePlan, registerExecutorOptions, REPRODUCE_FLAGS, type ReproduceFlags } from '../experiments/reproduce-options';

export function register(program: Command): void {
  const reproduce = program
    .command('reproduce')
    .description('Table 1, Figure 1 and Figure 4 end to end: resumable stages in parallel workers or Slurm jobs → OUT/results + the report');
  addSchemaFlags(reproduce, REPRODUCE_FLAGS)
    .option('--out <DIR>', 'output directory (stages/, results/, the report); required unless --status')
    .option('--force', 'start over: delete DIR first (also needed to reuse a DIR of another preset)')
    .option('--estimate', "print the plan, its estimated cost, each stage kind's resources and the critical path; run nothing")
    .option('--no-progress', 'no progress display (the estimate and the summary still print)');
  registerExecutorOptions(reproduce).action(async (flags: ReproduceFlags) => {
    const step = await executorStep(flags, usage);
    if (step === 'handled') return;
    const f = flags as ReproduceFlags & { preset: string; out: string };
    const jobs = f.jobs;
    const { runExperiments } = await import('../experiments/runner');
    const command = ['bridge reproduce --preset', f.preset, '--out', f.out, ...(jobs ? ['--jobs', String(jobs)] : []), ...(f.force ? ['--force'] : []), ...(f.collect ? ['--collect'] : [])].join(' ');
    const res = await runExperiments({ preset: f.preset, out: f.out, jobs, force: f.force, progress: f.progress, command, estimateOnly: f.estimate, collectOnly: step.collectOnly });
    if (f.estimate) return printLocalStagePlan(res, jobs ?? os.cpus().length);
    // the report shows whatever finished; stage failures are still the first thing the exit status reports
    let reportError: Error | null = null;
    try {
      // the report follows OUT/results: an incomplete run does not replace it either
      const { writeReport } = await import('../report/index');
      if (!res.keptPrevious) await writeReport(f.out, res.rows, res.meta);
    } catch (err) {
      reportError = err as Error;
    }
    if (res.failures.length) {
      const also = reportError ? `; the report failed too: ${reportError.message.split('\n')[0]}` : '';
      throw new Error(`${res.failures.length} stage(s) failed: ${res.failures.map((x) => x.id).join(', ')} (each has an error.log in ${path.join(f.out, 'stages')})${also}`);
    }
    if (reportError) throw reportError;
  });
}
