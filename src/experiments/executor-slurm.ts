// `bridge reproduce --executor slurm`: every stage that is not done becomes one batch job running what a local worker
// runs for it (src/experiments/stage-main.ts), with --dependency=afterok on its inputs' jobs, the stage id as job name,
// the stage directory as working directory and log directory, and its kind's resources (slurm-settings.ts). A last
// job assembles OUT/results and the report once every stage job has ended. The submitter then exits (or, with
// --wait, follows the jobs). The run directory decides what is left to do: a stage with done.json is never submitted
// again, a stage whose job is still queued or running (squeue, matched by its working directory) keeps that job, and
// a failed or cancelled stage is submitted again and resumes from its checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileAtomic, writeJsonAtomic } from '../fsutil';
import { buildPlan, type Plan } from './definitions';
import { PRESET_NAMES, type Preset } from './presets';
import { claimOut, jobOf } from './runner';
import { reusableStages } from './outputs';
import { addRecord, endedJobs, hasSlurmJobs, jobLog, markerDir, markerFile, queuedJobs, runQueue, sbatch, scancel, slurmCommand, slurmDir } from './slurm';
import { batchScript, sbatchArgs, type SlurmSettings } from './slurm-settings';
import { runStatus, type RunStatus, type StageState } from './status';

const here = fileURLToPath(import.meta.url);
const srcDir = path.resolve(path.dirname(here), '..');

/** `node --import=<tsx loader> FILE.ts ARGS…` as the job runs it (the source tree must be visible to the nodes too). */
function nodeCommand(s: SlurmSettings, file: string, args: string[]): string[] {
  const loader = pathToFileURL(path.join(path.dirname(createRequire(here).resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  return [s.nodeExecutable ?? process.execPath, `--import=${loader}`, file, ...args];
}

export interface SubmitOptions {
  preset: Preset;
  out: string;
  settings: SlurmSettings;
  /** Start over: delete OUT first (refused while jobs of it are queued or running). */
  force?: boolean;
  log?: (line: string) => void;
}

export interface SubmitOutcome {
  plan: Plan;
  /** Stages submitted now, and stages whose job was already queued or running. */
  submitted: { id: string; job: string }[];
  queued: { id: string; job: string }[];
  done: string[];
  /** The results job (new or kept), null when every stage was already done. */
  collectJob: string | null;
}

/** How long a started job may take to write its marker before the run directory counts as invisible to it. */
const MARKER_GRACE_MS = 10_000;

const stderrLog = (line: string) => process.stderr.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Submit the jobs of every stage that is not done and not queued, then the results job. */
export async function submitSlurm(o: SubmitOptions): Promise<SubmitOutcome> {
  const log = o.log ?? stderrLog;
  const out = path.resolve(o.out);
  const s = o.settings;
  if (!(PRESET_NAMES as readonly string[]).includes(o.preset.name)) throw new Error(`--executor slurm runs named presets only (${PRESET_NAMES.join(', ')}), got ${o.preset.name}`);
  slurmCommand('sbatch', ['--version']); // no sbatch on PATH: the first thing to say
  if (o.force && fs.existsSync(out)) refuseWhileQueued(out, '--force would delete their stages');
  const lock = claimOut(out, o.preset, !!o.force);
  try {
    const plan = buildPlan(o.preset, out);
    const q = runQueue(out);
    const outcome: SubmitOutcome = { plan, submitted: [], queued: [], done: [], collectJob: null };
    const jobOfStage = new Map<string, string>();
    const done = o.force ? new Set<string>() : new Set(reusableStages(plan.stages, log).keys()); // verified, as a local run reuses
    const todo = plan.stages.filter((st) => !done.has(st.id) && !q.stages.has(st.id)).length;
    for (const st of plan.stages) {
      if (done.has(st.id)) {
        outcome.done.push(st.id);
        continue;
      }
      const queued = q.stages.get(st.id);
      if (queued) {
        for (const j of queued) addRecord(st.dir, j.id); // a job submitted by a run that died before recording it
        jobOfStage.set(st.id, queued[0].id);
        outcome.queued.push({ id: st.id, job: queued[0].id });
        continue;
      }
      // inputs are earlier in plan order: each is done, queued, or submitted in this loop
      const after = Object.values(st.deps).flatMap((d) => (jobOfStage.has(d) ? [jobOfStage.get(d)!] : []));
      const jobFile = path.join(st.dir, 'job.json');
      const script = path.join(st.dir, 'slurm-job.sh');
      writeJsonAtomic(jobFile, jobOf(st, plan));
      const command = nodeCommand(s, path.join(srcDir, 'experiments', 'stage-main.ts'), [jobFile]);
      writeFileAtomic(script, batchScript(s, { title: `stage ${st.id}`, markerDir: markerDir(out), command, stage: { id: st.id, dir: st.dir } }));
      fs.rmSync(path.join(st.dir, 'error.log'), { force: true });
      let job: string;
      try {
        job = sbatch(sbatchArgs(s, { name: st.id, kind: st.kind, workdir: st.dir, log: jobLog(st.dir, '%j'), after, afterType: 'afterok', script }));
      } catch (err) {
        const n = outcome.submitted.length;
        throw new Error(`sbatch rejected the job of stage ${st.id}: ${(err as Error).message}${n ? ` (the ${n} job(s) submitted before it stay queued; run the command again once this is fixed)` : ''}`);
      }
      addRecord(st.dir, job);
      jobOfStage.set(st.id, job);
      outcome.submitted.push({ id: st.id, job });
      log(`[${outcome.submitted.length}/${todo}] ${st.id} → job ${job}${after.length ? ` (after ${after.join(', ')})` : ''}`);
    }

    const stageJobs = [...jobOfStage.values()];
    const queuedCollect = q.collect.map((j) => j.id);
    if (stageJobs.length) outcome.collectJob = submitCollect(o.preset, out, s, stageJobs, queuedCollect, outcome.submitted.length > 0);
    log(
      `slurm: ${outcome.submitted.length} stage job(s) submitted, ${outcome.queued.length} already queued or running, ${outcome.done.length} of ${plan.stages.length} stages done` +
        (outcome.collectJob ? `; results job ${outcome.collectJob} runs after them` : '') +
        `. Follow with: bridge reproduce --status ${o.out}`,
    );
    if (outcome.submitted.length && s.markerWait > 0) {
      const mine = [...outcome.submitted.map((x) => x.job), ...(outcome.collectJob && !queuedCollect.includes(outcome.collectJob) ? [outcome.collectJob] : [])];
      await checkMarkers(out, outcome.submitted, mine, s.markerWait, log);
    }
    return outcome;
  } finally {
    lock.release();
  }
}

/**
 * The results job: `bridge reproduce --collect` after every stage job (afterany: it assembles whatever finished, as a
 * local run does after failures). A queued one is kept unless stage jobs were added, which it would not wait for.
 */
function submitCollect(preset: Preset, out: string, s: SlurmSettings, after: string[], queued: string[], added: boolean): string {
  if (queued.length && !added) return queued[0];
  scancel(queued);
  const dir = slurmDir(out);
  const script = path.join(dir, 'collect.sh');
  const cli = path.join(srcDir, 'cli.ts');
  writeFileAtomic(script, batchScript(s, { title: `results of ${out}`, markerDir: markerDir(out), command: nodeCommand(s, cli, ['reproduce', '--preset', preset.name, '--out', out, '--collect', '--no-progress']) }));
  let job: string;
  try {
    job = sbatch(sbatchArgs(s, { name: `collect-${preset.name}`, kind: 'collect', workdir: dir, log: jobLog(dir, '%j'), after, afterType: 'afterany', script }));
  } catch (err) {
    throw new Error(`sbatch rejected the results job: ${(err as Error).message} (the stage jobs stay queued; \`bridge reproduce --collect\` assembles the results once they end)`);
  }
  addRecord(dir, job);
  return job;
}

/**
 * The first job of this submission writes OUT/slurm/markers/<jobid> as it starts; a job that started without it
 * appearing means the compute nodes do not see OUT. Waits up to `waitSeconds` for a job to start.
 */
async function checkMarkers(out: string, stages: { id: string; job: string }[], mine: string[], waitSeconds: number, log: (l: string) => void): Promise<void> {
  const ids = stages.map((x) => x.job);
  const deadline = Date.now() + waitSeconds * 1000;
  let firstStart: { at: number; job: string } | null = null;
  for (;;) {
    if (ids.some((id) => fs.existsSync(markerFile(out, id)))) return;
    const queued = new Map(queuedJobs().map((j) => [j.id, j]));
    const started = ids.find((id) => queued.get(id)?.state !== 'PENDING'); // running, or already ended
    if (started && !firstStart) firstStart = { at: Date.now(), job: started };
    if (Date.now() >= deadline) {
      if (!firstStart) {
        log(`slurm: no job started within ${waitSeconds} s, so the check that the compute nodes see ${out} waits for \`bridge reproduce --status\``);
        return;
      }
      if (Date.now() - firstStart.at >= MARKER_GRACE_MS) {
        const job = firstStart.job;
        const node = queued.get(job)?.node || endedJobs([job]).get(job)?.node;
        scancel(mine);
        throw new Error(
          `--out ${out} is not visible from the compute nodes: job ${job} (stage ${stages.find((x) => x.job === job)!.id}) started${node ? ` on ${node}` : ''} but wrote no marker into ` +
            `${markerDir(out)}; put --out on a filesystem the nodes share (the ${mine.length} job(s) just submitted were cancelled)`,
        );
      }
    }
    await sleep(1000);
  }
}

/** Refuse while jobs of this run directory are queued or running (a local run or --force would collide with them). */
export function refuseWhileQueued(out: string, why: string): void {
  if (!hasSlurmJobs(out)) return;
  let jobs: ReturnType<typeof runQueue>['all'];
  try {
    jobs = runQueue(path.resolve(out)).all;
  } catch {
    return; // no Slurm here: nothing can be queued from here either
  }
  if (jobs.length) {
    throw new Error(`--out ${out}: ${jobs.length} Slurm job(s) of this run are queued or running (e.g. job ${jobs[0].id}, ${jobs[0].name}); ${why} — wait for them or scancel them (bridge reproduce --status ${out})`);
  }
}

/** --wait: follow the jobs of the run, one line per stage that starts or ends, until none is queued or running. */
export async function waitSlurm(out: string, s: SlurmSettings, log: (line: string) => void = stderrLog): Promise<RunStatus> {
  const prev = new Map<string, StageState>();
  const warned = new Set<string>();
  for (;;) {
    const st = runStatus(out);
    const total = st.stages.length;
    for (const x of st.stages) {
      const was = prev.get(x.id);
      prev.set(x.id, x.state);
      if (was === x.state || (was === undefined && (x.state === 'done' || x.state === 'queued' || x.state === 'pending'))) continue;
      const detail = x.state === 'done' ? ` in ${x.seconds!.toFixed(1)} s` : x.state === 'running' ? ` (job ${x.job?.id}${x.job?.node ? ` on ${x.job.node}` : ''})` : x.detail ? `: ${x.detail}` : '';
      log(`[${st.counts.done}/${total} done] ${x.id} ${x.state}${detail}`);
    }
    for (const w of st.warnings.filter((w) => !warned.has(w))) {
      warned.add(w);
      log(`warning: ${w}`);
    }
    if (st.active === 0) return st;
    await sleep(s.poll * 1000);
  }
}
