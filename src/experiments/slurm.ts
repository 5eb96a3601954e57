// The Slurm commands `bridge reproduce --executor slurm` uses (sbatch, squeue, scontrol, sacct, scancel) and what it
// keeps in the run directory: per stage OUT/stages/<id>/slurm.json (every job id submitted for it), job.json (what
// the job runs), slurm-job.sh (its batch script) and slurm-<jobid>.log; OUT/slurm/slurm.json (the results job, which runs in OUT/slurm) and
// OUT/slurm/markers/<jobid> (written by each job as it starts: proof that the compute nodes see the run directory).
// The run directory is the source of truth; the queue is asked which of its jobs are still queued or running.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../fsutil';

export const slurmDir = (out: string) => path.join(out, 'slurm');
export const markerDir = (out: string) => path.join(out, 'slurm', 'markers');
export const markerFile = (out: string, jobId: string) => path.join(markerDir(out), jobId);
/** The job record of a stage (in its directory) or of the results job (in OUT/slurm). */
export const recordFile = (dir: string) => path.join(dir, 'slurm.json');
export const jobLog = (dir: string, jobId: string) => path.join(dir, `slurm-${jobId}.log`);

export interface JobRecord {
  jobs: { id: string; submittedAt: string }[];
}

export function readRecord(dir: string): JobRecord | null {
  try {
    return JSON.parse(fs.readFileSync(recordFile(dir), 'utf8')) as JobRecord;
  } catch {
    return null;
  }
}

/** The latest job id submitted for a stage (or the results job), or null. */
export const latestJob = (dir: string): string | null => readRecord(dir)?.jobs.at(-1)?.id ?? null;

export function addRecord(dir: string, id: string): void {
  const r = readRecord(dir) ?? { jobs: [] };
  if (!r.jobs.some((j) => j.id === id)) r.jobs.push({ id, submittedAt: new Date().toISOString() });
  writeJsonAtomic(recordFile(dir), r);
}

/** Whether a run directory has ever had Slurm jobs. */
export const hasSlurmJobs = (out: string) => fs.existsSync(slurmDir(out));

// ---- the commands ------------------------------------------------------------------------------------------------

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a Slurm command; a missing command is a one-line error. */
export function slurmCommand(cmd: string, args: readonly string[]): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`\`${cmd}\` is not on PATH: --executor slurm needs Slurm's client commands (sbatch, squeue, scontrol) where it runs`);
    }
    throw new Error(`${cmd}: ${r.error.message}`);
  }
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Slurm's own message from a command's stderr, as one line ("sbatch: error: " prefixes dropped). */
export function slurmMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^\w+: error: /, '').trim())
    .filter(Boolean);
  return [...new Set(lines)].join('; ') || '(no message)';
}

/** Submit one batch job; returns its id. */
export function sbatch(args: readonly string[]): string {
  const r = slurmCommand('sbatch', args);
  if (r.status !== 0) throw new Error(slurmMessage(r.stderr));
  const id = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: ${JSON.stringify(r.stdout.trim())}`);
  return id;
}

export function scancel(ids: readonly string[]): void {
  if (!ids.length) return;
  const r = slurmCommand('scancel', ids);
  if (r.status !== 0) throw new Error(`scancel ${ids.join(' ')}: ${slurmMessage(r.stderr)}`);
}

/** A job squeue lists: pending, running, completing, suspended … */
export interface QueuedJob {
  id: string;
  name: string;
  /** Long state name: PENDING, RUNNING, COMPLETING, … */
  state: string;
  reason: string;
  node: string;
  /** Time used, Slurm's format. */
  elapsed: string;
  workdir: string;
}

/** Every job of this user that Slurm has queued or running. */
export function queuedJobs(): QueuedJob[] {
  const user = os.userInfo().username;
  // the working directory last: a path may contain the separator
  const r = slurmCommand('squeue', ['--noheader', `--user=${user}`, '--format=%i|%j|%T|%r|%N|%M|%Z']);
  if (r.status !== 0) throw new Error(`squeue: ${slurmMessage(r.stderr)}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const p = l.split('|');
      return { id: p[0].trim(), name: p[1], state: p[2], reason: p[3], node: p[4], elapsed: p[5], workdir: p.slice(6).join('|').trim() };
    });
}

/** The queued or running jobs of one run directory: by stage id, and the results job. */
export interface RunQueue {
  stages: Map<string, QueuedJob[]>;
  collect: QueuedJob[];
  all: QueuedJob[];
}

export function runQueue(out: string, jobs = queuedJobs()): RunQueue {
  const stagesRoot = path.join(out, 'stages') + path.sep;
  const q: RunQueue = { stages: new Map(), collect: [], all: [] };
  for (const j of jobs) {
    const wd = path.resolve(j.workdir);
    if (wd === slurmDir(out)) q.collect.push(j);
    else if (wd.startsWith(stagesRoot) && !wd.slice(stagesRoot.length).includes(path.sep)) {
      const id = wd.slice(stagesRoot.length);
      q.stages.set(id, [...(q.stages.get(id) ?? []), j]);
    } else continue;
    q.all.push(j);
  }
  return q;
}

/** What Slurm still knows about a job that left the queue. */
export interface EndedJob {
  id: string;
  /** COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, … */
  state: string;
  reason: string;
  exitCode: string;
  node: string;
}

const field = (line: string, key: string) => new RegExp(`(?:^| )${key}=(\\S*)`).exec(line)?.[1] ?? '';

/**
 * Ended jobs' final states: from scontrol (jobs the controller still holds, MinJobAge after their end), else from
 * sacct where accounting is on. Jobs neither knows are left out.
 */
export function endedJobs(ids: readonly string[]): Map<string, EndedJob> {
  const out = new Map<string, EndedJob>();
  if (!ids.length) return out;
  const want = new Set(ids);
  const sc = slurmCommand('scontrol', ['show', 'job', '--oneliner']);
  if (sc.status === 0) {
    for (const line of sc.stdout.split('\n')) {
      const id = field(line, 'JobId');
      if (!want.has(id)) continue;
      out.set(id, { id, state: field(line, 'JobState'), reason: field(line, 'Reason'), exitCode: field(line, 'ExitCode'), node: field(line, 'NodeList') });
    }
  }
  const rest = ids.filter((id) => !out.has(id));
  if (rest.length) {
    // accounting off ("Slurm accounting storage is disabled"): sacct fails and those jobs stay unknown
    const sa = slurmCommand('sacct', ['--noheader', '--parsable2', '--allocations', `--jobs=${rest.join(',')}`, '--format=JobID,State,ExitCode,NodeList']);
    if (sa.status === 0) {
      for (const line of sa.stdout.split('\n')) {
        const [id, state, exitCode, node] = line.split('|');
        if (id && want.has(id)) out.set(id, { id, state: (state ?? '').split(' ')[0], reason: (state ?? '').includes(' by ') ? state : '', exitCode: exitCode ?? '', node: node ?? '' });
      }
    }
  }
  return out;
}
