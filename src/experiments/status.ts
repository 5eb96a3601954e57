// `bridge reproduce --status DIR`: the state of every stage of a run directory, for local and Slurm runs alike. The
// files decide (done.json: done; error.log: failed); for Slurm runs the queue adds which stages are queued or running
// under which job, and why an ended job left no done.json. The plan comes from the run's preset (reproduce.json) and
// the current BRIDGE_* environment, as for `bridge reproduce` itself.
import fs from 'node:fs';
import path from 'node:path';
import { buildPlan, type Plan, type StageSpec } from './definitions';
import { getPreset, type Preset } from './presets';
import { LOCK_FILE, OWNER_FILE, pidAlive, readErrorLine } from './runner';
import { readLock } from '../lock';
import { endedJobs, hasSlurmJobs, jobLog, latestJob, markerFile, runQueue, slurmDir, type EndedJob, type QueuedJob } from './slurm';
import { timeSeconds } from './slurm-settings';

export const STAGE_STATES = ['done', 'running', 'queued', 'failed', 'skipped', 'pending'] as const;
export type StageState = (typeof STAGE_STATES)[number];

export interface StageStatus {
  id: string;
  kind: string;
  state: StageState;
  /** done: the stage's own seconds. */
  seconds?: number;
  /** The stage's latest Slurm job: queued/running as squeue shows it, or how it ended. */
  job?: { id: string; state: string; reason?: string; node?: string; elapsed?: string };
  /** failed/skipped: why; running: its last progress line (Slurm: the job log; local: the trainer's last step). */
  detail?: string;
  /** failed: the end of its log. */
  tail?: string[];
}

export interface RunStatus {
  out: string;
  preset: string;
  executor: 'local' | 'slurm';
  stages: StageStatus[];
  counts: Record<StageState, number>;
  /** Slurm jobs of this run still queued or running (the results job included); local: 1 while a run holds the lock. */
  active: number;
  /** The results job (Slurm), and OUT/results as last written. */
  collect: { job: StageStatus['job'] | null; log: string | null };
  results: { rows: number; finishedAt: string } | null;
  warnings: string[];
}

const TAIL_LINES = 10;
const LINE_CHARS = 300;

function tailOf(file: string, n = TAIL_LINES): string[] {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
    return lines.slice(-n).map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)} …` : l));
  } catch {
    return [];
  }
}

/**
 * A running stage's progress from the last line of its trainer's metrics.jsonl (SFT, GRPO): "step 1,234 (epoch 3) done,
 * 12 s ago", or "step 114 of 150 done, …" given the total; undefined for stages without one (evaluation, probes) or before the first step.
 */
export function trainingProgress(stageDir: string, now = Date.now(), total?: number): string | undefined {
  const file = path.join(stageDir, 'run', 'metrics.jsonl');
  let last: string | undefined;
  try {
    // the whole last line (tailOf shortens long lines, and a GRPO step's line is long)
    last = fs.readFileSync(file, 'utf8').trimEnd().split('\n').pop();
  } catch {
    return undefined;
  }
  if (!last) return undefined;
  try {
    const m = JSON.parse(last) as { step?: unknown; epoch?: unknown };
    if (typeof m.step !== 'number') return undefined;
    const age = Math.max(0, Math.round((now - fs.statSync(file).mtimeMs) / 1000));
    const epoch = typeof m.epoch === 'number' ? ` (epoch ${m.epoch + 1})` : '';
    const of = total ? ` of ${total.toLocaleString('en-US')}` : '';
    return `step ${(m.step + 1).toLocaleString('en-US')}${of}${epoch} done, ${age} s ago`;
  } catch {
    return undefined; // a line cut while it was written
  }
}

/** The preset and plan of a run directory. */
export function runPlan(out: string): { preset: Preset; plan: Plan } {
  const owner = path.join(out, OWNER_FILE);
  if (!fs.existsSync(owner)) throw new Error(`--status ${out}: not a \`bridge reproduce\` directory (no ${OWNER_FILE})`);
  const name = (JSON.parse(fs.readFileSync(owner, 'utf8')) as { preset: string }).preset;
  let preset: Preset;
  try {
    preset = getPreset(name);
  } catch {
    throw new Error(`--status ${out}: its preset ${name} is not one of the named presets, so its stages cannot be listed`);
  }
  return { preset, plan: buildPlan(preset, out) };
}

function readDoneSeconds(s: StageSpec): number | null {
  try {
    return (JSON.parse(fs.readFileSync(path.join(s.dir, 'done.json'), 'utf8')) as { seconds: number }).seconds;
  } catch {
    return null;
  }
}

const STARTED = new Set(['COMPLETED', 'FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL']);

/** Every stage's state. `queue` (tests) replaces the squeue call. */
export function runStatus(outDir: string, queue?: QueuedJob[]): RunStatus {
  const out = path.resolve(outDir);
  const { preset, plan } = runPlan(out);
  const slurm = hasSlurmJobs(out);
  const warnings: string[] = [];
  let q: ReturnType<typeof runQueue> | null = null;
  if (slurm) {
    try {
      q = runQueue(out, queue);
    } catch (err) {
      warnings.push(`cannot ask Slurm about this run's jobs: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const holder = readLock(path.join(out, LOCK_FILE)); // null: no run holds the directory
  const localAlive = !slurm && holder !== null && holder.pid > 0 && pidAlive(holder.pid);

  // the latest job of every stage that has one and is no longer queued: how did it end?
  const latest = new Map(plan.stages.map((s) => [s.id, latestJob(s.dir)]));
  const collectJob = slurm ? latestJob(slurmDir(out)) : null;
  const gone = q ? [...latest.values(), collectJob].filter((id): id is string => id !== null && !q!.all.some((j) => j.id === id)) : [];
  let ended = new Map<string, EndedJob>();
  if (gone.length) {
    try {
      ended = endedJobs(gone);
    } catch (err) {
      warnings.push(`cannot ask Slurm how jobs ended: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const jobInfo = (id: string | null, queued: QueuedJob | undefined): StageStatus['job'] | undefined => {
    if (queued) return { id: queued.id, state: queued.state, reason: queued.reason, node: queued.node, elapsed: queued.elapsed };
    if (id === null) return undefined;
    const e = ended.get(id);
    return e ? { id, state: e.state, reason: e.reason, node: e.node } : { id, state: q ? 'ENDED (Slurm no longer knows how)' : 'UNKNOWN' };
  };

  const state = new Map<string, StageState>();
  const stages: StageStatus[] = plan.stages.map((s) => {
    const inputs = Object.values(s.deps);
    const badInput = inputs.find((d) => state.get(d) === 'failed' || state.get(d) === 'skipped');
    const queued = q?.stages.get(s.id)?.[0];
    const job = jobInfo(latest.get(s.id) ?? null, queued);
    const st: StageStatus = { id: s.id, kind: s.kind, state: 'pending', ...(job ? { job } : {}) };
    const seconds = readDoneSeconds(s);
    const log = job ? jobLog(s.dir, job.id) : path.join(s.dir, 'error.log');
    if (seconds !== null) {
      st.state = 'done';
      st.seconds = seconds;
    } else if (queued) {
      st.state = queued.state === 'PENDING' ? 'queued' : 'running';
      if (st.state === 'running') st.detail = tailOf(log, 1)[0];
    } else if (!slurm && localAlive && fs.existsSync(s.dir) && inputs.every((d) => state.get(d) === 'done')) {
      st.state = 'running';
      // GRPO's step count is in its config; SFT's depends on the data, so it shows the epoch instead
      st.detail = trainingProgress(s.dir, Date.now(), s.kind === 'grpo' ? (s.config.grpo as { steps: number }).steps : undefined);
    } else {
      const reason = readErrorLine(s);
      if (reason !== null && !badInput) {
        st.state = 'failed';
        st.detail = reason;
      } else if (badInput) {
        st.state = 'skipped';
        st.detail = `input ${badInput} did not finish`;
      } else if (job && q) {
        // the job ended without done.json or error.log: killed (SIGKILL, node failure) or never started
        st.state = 'failed';
        st.detail = 'it ended without done.json or error.log (cancelled before it started, or killed)';
      }
      if (st.state === 'failed') st.tail = tailOf(job ? log : path.join(s.dir, 'error.log'));
    }
    state.set(s.id, st.state);
    return st;
  });

  // a job that ran must have left its marker, or the compute nodes do not see this directory
  if (q) {
    const ran = [...latest.entries()].flatMap(([id, job]) => {
      if (job === null) return [];
      const queued = q!.stages.get(id)?.find((j) => j.id === job);
      const started = queued ? queued.state === 'RUNNING' && timeSeconds(queued.elapsed || '0') >= 30 : STARTED.has(ended.get(job)?.state ?? '');
      return started && !fs.existsSync(markerFile(out, job)) ? [{ id, job }] : [];
    });
    if (ran.length) {
      warnings.push(
        `${ran.length} job(s) ran without leaving a marker in ${path.join(out, 'slurm', 'markers')} (e.g. job ${ran[0].job} of ${ran[0].id}): ` +
          'the compute nodes may not see this run directory; put --out on a filesystem they share',
      );
    }
  }

  const counts = Object.fromEntries(STAGE_STATES.map((k) => [k, stages.filter((s) => s.state === k).length])) as Record<StageState, number>;
  let results: RunStatus['results'] = null;
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'results', 'meta.json'), 'utf8')) as { finishedAt: string };
    const rows = (JSON.parse(fs.readFileSync(path.join(out, 'results', 'rows.json'), 'utf8')) as unknown[]).length;
    results = { rows, finishedAt: meta.finishedAt };
  } catch {
    /* not assembled yet */
  }
  const collectQueued = q?.collect[0];
  return {
    out,
    preset: preset.name,
    executor: slurm ? 'slurm' : 'local',
    stages,
    counts,
    active: slurm ? (q?.all.length ?? 0) : localAlive ? 1 : 0,
    collect: { job: jobInfo(collectJob, collectQueued) ?? null, log: collectJob ? jobLog(slurmDir(out), collectQueued?.id ?? collectJob) : null },
    results,
    warnings,
  };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** One line per stage (failed ones followed by their log tail), a summary first. */
export function formatStatus(st: RunStatus): string {
  const c = st.counts;
  const width = Math.max(...st.stages.map((s) => s.id.length));
  const lines = [
    `${st.out}: preset ${st.preset}, ${st.executor} run, ${st.stages.length} stages: ` +
      STAGE_STATES.filter((k) => c[k] > 0 || k === 'done').map((k) => `${c[k]} ${k}`).join(', ') +
      (st.executor === 'slurm' ? `; ${st.active} job(s) queued or running` : st.active ? '; a `bridge reproduce` is running here' : ''),
  ];
  for (const s of st.stages) {
    const reason = s.job?.reason && s.job.reason !== 'None' && s.state !== 'running' ? ` (${s.job.reason})` : '';
    const job = s.job ? `job ${s.job.id} ${s.job.state}${reason}${s.state === 'running' && s.job.node ? ` on ${s.job.node}, ${s.job.elapsed}` : ''}` : '';
    const what = s.state === 'done' ? `${s.seconds!.toFixed(1)} s` : [job, s.detail].filter(Boolean).join(': ');
    lines.push(`${pad(s.state, 8)} ${pad(s.id, width)}  ${what}`.trimEnd());
    for (const t of s.tail ?? []) lines.push(`         │ ${t}`);
  }
  if (st.collect.job) {
    const j = st.collect.job;
    lines.push(`results job ${j.id} ${j.state}${j.state === 'PENDING' && j.reason ? ` (${j.reason})` : ''} (log: ${st.collect.log})`);
  }
  lines.push(st.results ? `results: ${st.results.rows} rows in ${path.join(st.out, 'results')}, assembled ${st.results.finishedAt}` : 'results: not assembled yet');
  for (const w of st.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
