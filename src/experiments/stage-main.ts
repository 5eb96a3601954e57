// One stage of `bridge reproduce --executor slurm`, as the program of its batch job:
//   node --import=<tsx loader> src/experiments/stage-main.ts OUT/stages/<id>/job.json
// It runs exactly what a local worker process runs for the stage (runStageToDone: the stage, then done.json), prints
// its progress into the job's log and, when the stage fails, writes the stage's error.log as the local runner does
// (the batch script writes it when Slurm terminates the job: slurm-settings.ts batchScript). SFT and GRPO resume from
// their checkpoints when the stage runs again.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fsutil';
import { runStageToDone, type StageJob } from './stages';

/** At most one progress line per this many ms (plus the last step), so long stages keep their logs short. */
const PROGRESS_EVERY_MS = 10_000;

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: stage-main.ts OUT/stages/<id>/job.json (written by bridge reproduce --executor slurm)\n');
  process.exit(2);
}
const job = JSON.parse(fs.readFileSync(file, 'utf8')) as StageJob;
const errorLog = path.join(job.dir, 'error.log');
const doneFile = path.join(job.dir, 'done.json');
const fail = (reason: string, details: string) => {
  if (!fs.existsSync(doneFile)) writeFileAtomic(errorLog, `${job.id} failed: ${reason}\n\n${details}\n`);
};

fs.rmSync(errorLog, { force: true });
process.stdout.write(`[stage ${job.id}] start on ${process.env.SLURMD_NODENAME ?? 'this host'} (job ${process.env.SLURM_JOB_ID ?? '?'})\n`);
let last = 0;
try {
  const seconds = await runStageToDone(job, (value, total, info) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS && value < total) return;
    last = now;
    process.stdout.write(`[stage ${job.id}] ${value}/${total}${info ? ` ${info}` : ''}\n`);
  });
  process.stdout.write(`[stage ${job.id}] done in ${seconds.toFixed(1)} s\n`);
  process.exit(0);
} catch (err) {
  const e = err as Error;
  const reason = String(e?.message ?? err).split('\n')[0];
  fail(reason, e?.stack ?? '');
  process.stderr.write(`[stage ${job.id}] failed: ${e?.stack ?? reason}\n`);
  process.exit(1);
}
