// The runner of `bridge reproduce` (docs/architecture.md, The pipeline): the stage DAG of a preset on a pool of worker processes. Finished stages
// (done.json) are reused, unfinished ones resume; a failing stage is recorded with its log tail, its dependents are
// skipped and everything else goes on; at the end the finished stages become OUT/results/{rows.csv,rows.json,meta.json}.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import { LOCK_NAME, readJsonFile, writeFileAtomic, writeJsonAtomic } from '../fsutil';
import { acquireLock, type Lock } from '../lock';
import { reusableStages, sealStage, type DoneJson } from './outputs';
import { elapsedAndEta, formatDuration } from '../train/progress';
import { codeRevision } from '../revision';
import { buildPlan, type Plan, type StageSpec } from './definitions';
import { estimateCost, formatEstimate } from './cost';
import { allSeeds, getPreset, presetConfig, type Preset } from './presets';
import { answersHash, collectRows, readResults, replaceResults, type ResultRow, type ResultsMeta, type StageMeta } from './results';
import type { StageJob } from './stages';
import type { FromWorker } from './worker';

const here = fileURLToPath(import.meta.url);

/** Runs one stage somewhere (by default: a worker process) and resolves when its done.json is written. */
export interface StageExecutor {
  run(job: StageJob, onProgress: (value: number, total: number, info?: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** A stage failure with what the worker printed while running it. */
export class StageError extends Error {
  constructor(
    message: string,
    readonly details: string,
  ) {
    super(message);
  }
}

// ---- worker processes --------------------------------------------------------------------------------------------

const TAIL_LINES = 80;
const TAIL_LINE_CHARS = 400; // tfjs-wasm prints its minified source on a crash: keep the ends of lines short

class WorkerProcess {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  dead = false;
  private lines: string[] = [];
  private seen = 0;
  private partial = '';
  /** Tensor bytes left alive by the last stage (see MAX_LIVE_BYTES). */
  liveBytes = 0;
  private current: { id: string; mark: number; resolve: () => void; reject: (e: Error) => void; onProgress: (v: number, t: number, i?: string) => void } | null = null;

  constructor() {
    const ts = here.endsWith('.ts');
    const entry = path.join(path.dirname(here), ts ? 'worker.ts' : 'worker.js');
    const loader = ts ? [`--import=${pathToFileURL(path.join(path.dirname(createRequire(here).resolve('tsx/package.json')), 'dist', 'loader.mjs')).href}`] : [];
    this.proc = fork(entry, [], { execArgv: loader, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: process.env });
    for (const s of [this.proc.stdout!, this.proc.stderr!]) s.on('data', (b: Buffer) => this.capture(b.toString('utf8')));
    this.ready = new Promise((resolve, reject) => {
      this.proc.on('message', (m: FromWorker) => {
        if (m.type === 'ready') return resolve();
        const c = this.current;
        if (!c || !('id' in m) || m.id !== c.id) return;
        if (m.type === 'progress') c.onProgress(m.value, m.total, m.info);
        else if (m.type === 'done') {
          this.current = null;
          this.liveBytes = m.liveBytes;
          c.resolve();
        } else if (m.type === 'error') {
          this.current = null;
          c.reject(new StageError(m.message, `${m.stack ?? m.message}\n\n--- worker output (tail) ---\n${this.tailSince(c.mark)}`));
        }
      });
      this.proc.on('exit', (code, signal) => {
        this.dead = true;
        const why = `worker process exited (${signal ? `signal ${signal}` : `code ${code}`})`;
        reject(new Error(`${why} before it was ready:\n${this.tailSince(0)}`));
        const c = this.current;
        this.current = null;
        c?.reject(new StageError(why, `--- worker output (tail) ---\n${this.tailSince(c.mark)}`));
      });
    });
  }

  private capture(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const l of parts) {
      this.lines.push(l.length > TAIL_LINE_CHARS ? `${l.slice(0, TAIL_LINE_CHARS)} …[${l.length} chars]` : l);
      this.seen++;
    }
    if (this.lines.length > 4 * TAIL_LINES) this.lines.splice(0, this.lines.length - TAIL_LINES);
  }

  private tailSince(mark: number): string {
    const fresh = Math.min(this.lines.length, this.seen - mark);
    return this.lines.slice(this.lines.length - Math.min(fresh, TAIL_LINES)).join('\n') + (this.partial ? `\n${this.partial.slice(0, TAIL_LINE_CHARS)}` : '');
  }

  run(job: StageJob, onProgress: (v: number, t: number, i?: string) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.dead) return reject(new StageError('worker process is gone', ''));
      this.current = { id: job.id, mark: this.seen, resolve, reject, onProgress };
      this.proc.send({ type: 'run', job });
    });
  }

  stop(): void {
    if (this.dead) return;
    if (this.proc.connected) this.proc.disconnect(); // the worker exits on disconnect
    this.proc.kill('SIGTERM');
  }
}

const MAX_LIVE_BYTES = 64 * 1024 * 1024;

/** One worker process per concurrent stage, reused across stages; a worker whose stage failed (or leaked) is replaced. */
export class WorkerPool implements StageExecutor {
  private idle: WorkerProcess[] = [];
  private all = new Set<WorkerProcess>();

  async run(job: StageJob, onProgress: (v: number, t: number, i?: string) => void): Promise<void> {
    let w = this.idle.pop();
    if (!w || w.dead) {
      w = new WorkerProcess();
      this.all.add(w);
      try {
        await w.ready;
      } catch (err) {
        this.all.delete(w);
        throw new StageError('could not start a worker process', String((err as Error).message));
      }
    }
    try {
      await w.run(job, onProgress);
      if (w.liveBytes > MAX_LIVE_BYTES) {
        w.stop(); // a stage leaked tensors: later stages start in a fresh process rather than inherit the leak
        this.all.delete(w);
      } else this.idle.push(w);
    } catch (err) {
      // a failed stage may leave tfjs memory or state behind: the next stage gets a fresh process
      w.stop();
      this.all.delete(w);
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.all].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.dead) return resolve();
            w.proc.once('exit', () => resolve());
            w.stop();
          }),
      ),
    );
    this.all.clear();
    this.idle = [];
  }
}

// ---- progress display --------------------------------------------------------------------------------------------

type Mode = 'bars' | 'lines' | 'silent';

/**
 * One combined display: a MultiBar (overall + one bar per running stage, each with elapsed time and ETA, refreshed
 * every second) on a terminal, one line per stage elsewhere (with the run's elapsed time and ETA). On a terminal the
 * last stage line and a closing "stages n/N in …" line are written after the bars stop, so they stay on screen.
 */
class Display {
  private multi: cliProgress.MultiBar | null = null;
  private overall: cliProgress.SingleBar | null = null;
  private bars = new Map<string, { bar: cliProgress.SingleBar; t0: number; value: number; total: number; info: string }>();
  private finished = 0;
  private readonly initiallyDone: number;
  private readonly t0 = Date.now();
  private ticker: ReturnType<typeof setInterval> | null = null;
  private lastLine = '';

  constructor(
    private readonly mode: Mode,
    private readonly total: number,
    initiallyDone: number,
    private readonly log: (line: string) => void,
  ) {
    this.finished = initiallyDone;
    this.initiallyDone = initiallyDone;
    if (mode === 'bars') {
      this.multi = new cliProgress.MultiBar(
        { format: '{name} [{bar}] {value}/{total} {timing} {info}', stream: process.stderr, hideCursor: true, clearOnComplete: false, autopadding: true },
        cliProgress.Presets.shades_classic,
      );
      this.overall = this.multi.create(total, initiallyDone, { name: 'stages'.padEnd(44), timing: this.overallTiming(), info: '' });
      this.ticker = setInterval(() => this.refresh(), 1000);
      this.ticker.unref();
    }
  }

  /** The run's elapsed time and ETA from the stages finished since it started. */
  private overallTiming(): string {
    return `(${elapsedAndEta((Date.now() - this.t0) / 1000, this.finished, this.total, this.initiallyDone)})`;
  }

  private refresh(): void {
    this.overall?.update(this.finished, { timing: this.overallTiming() });
    for (const b of this.bars.values()) b.bar.update(b.value, { timing: `(${elapsedAndEta((Date.now() - b.t0) / 1000, b.value, b.total)})`, info: b.info });
  }

  start(s: StageSpec): void {
    if (this.multi) this.bars.set(s.id, { bar: this.multi.create(1, 0, { name: s.id.slice(0, 44).padEnd(44), timing: '', info: '' }), t0: Date.now(), value: 0, total: 1, info: '' });
  }

  progress(id: string, value: number, total: number, info?: string): void {
    const b = this.bars.get(id);
    if (!b) return;
    Object.assign(b, { value, total, info: info ?? '' });
    b.bar.setTotal(total);
    b.bar.update(value, { timing: `(${elapsedAndEta((Date.now() - b.t0) / 1000, value, total)})`, info: b.info });
  }

  finish(s: StageSpec, status: 'done' | 'failed' | 'skipped', seconds: number | null, error?: string): void {
    this.finished++;
    const line = `[${this.finished}/${this.total}] ${s.id} ${status}${seconds !== null ? ` in ${seconds.toFixed(1)} s` : ''}${error ? `: ${error}` : ''}`;
    this.lastLine = line;
    const b = this.bars.get(s.id);
    if (b && this.multi) {
      this.multi.remove(b.bar);
      this.bars.delete(s.id);
    }
    if (this.multi) {
      this.multi.log(line + '\n');
      this.overall?.update(this.finished, { timing: this.overallTiming() });
    } else if (this.mode === 'lines') this.log(`${line} ${this.overallTiming()}`);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (!this.multi) return;
    this.multi.stop();
    // the bars' last redraw can overwrite the final log line: write it again, with the total, below the bars
    if (this.lastLine) process.stderr.write(this.lastLine + '\n');
    process.stderr.write(`stages ${this.finished}/${this.total} in ${formatDuration((Date.now() - this.t0) / 1000)}\n`);
  }
}

// ---- the run -----------------------------------------------------------------------------------------------------

export interface RunOptions {
  /** A preset name or a preset object (validated). */
  preset: string | Preset;
  out: string;
  /** Concurrent stages (default: the number of cores). */
  jobs?: number;
  /** Start over: delete OUT first. */
  force?: boolean;
  /** Progress display: bars on a terminal, one line per stage elsewhere (default); false = silent. */
  progress?: boolean;
  /** Where the estimate, per-stage lines and summary go (default: stderr). */
  log?: (line: string) => void;
  /** Recorded in meta.json. */
  command?: string;
  /** Only print the plan and its estimated cost. */
  estimateOnly?: boolean;
  /** Run stages here instead of in worker processes (tests). */
  executor?: StageExecutor;
  /** Run nothing: assemble OUT/results from the stages found finished (a stage with an error.log counts as failed). */
  collectOnly?: boolean;
}

export interface RunOutcome {
  preset: Preset;
  plan: Plan;
  rows: ResultRow[];
  meta: ResultsMeta;
  /** Stages run by this invocation, and stages found finished. */
  ran: string[];
  reused: string[];
  failures: { id: string; error: string }[];
  /** Where the rows were written: OUT/results, or OUT/results/partial when OUT/results keeps earlier complete results. */
  resultsDir?: string;
  keptPrevious?: boolean;
}

export const OWNER_FILE = 'reproduce.json';
/** The lock of OUT: the one lock of every writing command (src/lock.ts). */
export const LOCK_FILE = LOCK_NAME;
export { pidAlive } from '../lock';

/** OUT may be: absent/empty, or a reproduce directory (of the same preset unless --force, which clears it). Locked. */
export function claimOut(out: string, preset: Preset, force: boolean): Lock {
  const owner = path.join(out, OWNER_FILE);
  const lock = acquireLock(out, `--out ${out}`);
  try {
    const entries = fs.readdirSync(out).filter((e) => e !== LOCK_NAME && e !== '.reproduce.lock');
    if (entries.length > 0) {
      if (!fs.existsSync(owner)) throw new Error(`--out ${out}: not empty and not a \`bridge reproduce\` directory; choose another --out (--force replaces only a reproduce directory)`);
      const was = readJsonFile<{ preset: string }>(owner).preset;
      if (was !== preset.name && !force) throw new Error(`--out ${out}: holds a run of preset ${was}, not ${preset.name} (pass --force to replace it)`);
      if (force) for (const e of entries) fs.rmSync(path.join(out, e), { recursive: true, force: true });
    }
    if (!fs.existsSync(owner)) writeJsonAtomic(owner, { preset: preset.name, createdAt: new Date().toISOString() });
  } catch (err) {
    lock.release();
    throw err;
  }
  return lock;
}

const doneFile = (s: StageSpec) => path.join(s.dir, 'done.json');

export function readDone(s: StageSpec): DoneJson | null {
  try {
    return JSON.parse(fs.readFileSync(doneFile(s), 'utf8')) as DoneJson;
  } catch {
    return null;
  }
}

/** The reason in a failed stage's error.log (`<id> failed: <reason>`), or null when it has none. */
export function readErrorLine(s: StageSpec): string | null {
  try {
    return fs.readFileSync(path.join(s.dir, 'error.log'), 'utf8').split('\n')[0].replace(`${s.id} failed: `, '');
  } catch {
    return null;
  }
}

export function jobOf(s: StageSpec, plan: Plan): StageJob {
  const inputs = Object.fromEntries(Object.entries(s.deps).map(([role, id]) => [role, plan.byId.get(id)!.dir]));
  return { id: s.id, kind: s.kind, method: s.method, seed: s.seed, dir: s.dir, config: s.config, inputs };
}

/** Run (or resume) every experiment of a preset into `out`, then write OUT/results. Stage failures do not throw. */
export async function runExperiments(o: RunOptions): Promise<RunOutcome> {
  const t0 = Date.now();
  const startedAt = new Date().toISOString();
  const preset = typeof o.preset === 'string' ? getPreset(o.preset) : presetConfig(o.preset);
  const jobs = o.jobs ?? os.cpus().length;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new Error(`--jobs must be an integer in [1, 64], got ${jobs}`);
  const log = o.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const out = path.resolve(o.out);
  const plan = buildPlan(preset, out);

  const status = new Map<string, StageMeta['status'] | 'pending' | 'running'>();
  const seconds = new Map<string, number | null>();
  const results = new Map<string, unknown>();
  const errors = new Map<string, string>();
  const finishedBefore = new Set<string>();
  if (!o.force) for (const s of plan.stages) if (readDone(s)) finishedBefore.add(s.id);
  const est = estimateCost(plan, preset, jobs, finishedBefore);
  const estFull = finishedBefore.size ? estimateCost(plan, preset, jobs) : est;
  log(formatEstimate(preset, plan, est, finishedBefore.size));
  if (o.estimateOnly) return { preset, plan, rows: [], meta: null as never, ran: [], reused: [...finishedBefore], failures: [] };

  const lock = claimOut(out, preset, !!o.force);
  const executor = o.executor ?? new WorkerPool();
  // reused only with its outputs as it left them and every input stage reused too
  const reusable = o.force ? new Map<string, DoneJson>() : reusableStages(plan.stages, log, !o.collectOnly);
  for (const s of plan.stages) {
    const d = reusable.get(s.id);
    if (d) {
      status.set(s.id, 'reused');
      seconds.set(s.id, d.seconds);
      results.set(s.id, d.result);
    } else if (o.collectOnly) {
      const failed = readErrorLine(s);
      status.set(s.id, failed !== null ? 'failed' : 'skipped');
      errors.set(s.id, failed ?? 'not finished');
    } else status.set(s.id, 'pending');
  }
  const reused = plan.stages.filter((s) => status.get(s.id) === 'reused').map((s) => s.id);
  const mode: Mode = o.progress === false ? 'silent' : process.stderr.isTTY ? 'bars' : 'lines';
  const display = new Display(mode, plan.stages.length, reused.length, log);
  const ran: string[] = [];
  const ok = (id: string) => status.get(id) === 'done' || status.get(id) === 'reused';

  try {
    await new Promise<void>((resolveAll) => {
      let running = 0;
      const bad = (id: string) => status.get(id) === 'failed' || status.get(id) === 'skipped';
      const pump = () => {
        // dependents of failed stages are skipped (in plan order, so a chain is skipped in one pass)
        for (const s of plan.stages) {
          if (status.get(s.id) === 'pending' && Object.values(s.deps).some(bad)) {
            status.set(s.id, 'skipped');
            errors.set(s.id, `skipped: input ${Object.values(s.deps).find(bad)} did not finish`);
            display.finish(s, 'skipped', null);
          }
        }
        for (const s of plan.stages) {
          if (running >= jobs) break;
          if (status.get(s.id) !== 'pending' || !Object.values(s.deps).every(ok)) continue;
          status.set(s.id, 'running');
          running++;
          ran.push(s.id);
          fs.rmSync(path.join(s.dir, 'error.log'), { force: true });
          display.start(s);
          executor
            .run(jobOf(s, plan), (v, t, info) => display.progress(s.id, v, t, info))
            .then(() => {
              const d = readDone(s);
              if (!d) throw new StageError('the stage ended without writing done.json', '');
              sealStage(s.dir);
              status.set(s.id, 'done');
              seconds.set(s.id, d.seconds);
              results.set(s.id, d.result);
              display.finish(s, 'done', d.seconds);
            })
            .catch((err: unknown) => {
              const e = err as Error;
              const msg = String(e?.message ?? err).split('\n')[0];
              status.set(s.id, 'failed');
              errors.set(s.id, msg);
              fs.mkdirSync(s.dir, { recursive: true });
              writeFileAtomic(path.join(s.dir, 'error.log'), `${s.id} failed: ${msg}\n\n${err instanceof StageError ? err.details : (e?.stack ?? '')}\n`);
              display.finish(s, 'failed', null, msg);
            })
            .finally(() => {
              running--;
              pump();
            });
        }
        if (running === 0) resolveAll();
      };
      pump();
    });
  } finally {
    display.stop();
    await executor.close();
  }

  const failures = plan.stages.filter((s) => status.get(s.id) === 'failed').map((s) => ({ id: s.id, error: errors.get(s.id)! }));
  const skipped = plan.stages.filter((s) => status.get(s.id) === 'skipped').length;
  const rows = collectRows({ experiments: plan.experiments, seeds: allSeeds(preset), lookup: plan.lookup, results });
  const byKind: ResultsMeta['cost']['byKind'] = {};
  for (const s of plan.stages) {
    const k = (byKind[s.kind] ??= { estimated: 0, measured: 0 });
    k.estimated += estFull.perStage.get(s.id) ?? 0;
    k.measured += seconds.get(s.id) ?? 0;
  }
  const wallSeconds = (Date.now() - t0) / 1000;
  const meta: ResultsMeta = {
    preset: preset.name,
    command: o.command ?? `bridge reproduce --preset ${preset.name} --out ${o.out}`,
    config: preset,
    experiments: Object.fromEntries(plan.experiments.map((e) => [e.name, { methods: e.methods.map((m) => m.name) }])),
    stages: plan.stages.map((s) => {
      const hash = ok(s.id) && s.kind === 'data' ? answersHash(path.join(s.dir, 'data', 'problems.jsonl')) : null;
      return {
        id: s.id,
        kind: s.kind,
        method: s.kind === 'splits' ? null : s.method,
        seed: s.kind === 'splits' ? null : s.seed,
        hash: s.hash,
        status: status.get(s.id) as StageMeta['status'],
        seconds: seconds.get(s.id) ?? null,
        estimatedSeconds: estFull.perStage.get(s.id) ?? 0,
        ...(errors.has(s.id) ? { error: errors.get(s.id) } : {}),
        ...(hash ? { answersHash: hash } : {}),
      };
    }),
    revision: codeRevision(),
    startedAt,
    finishedAt: new Date().toISOString(),
    wallSeconds,
    cost: { jobs, estimatedSeconds: est.wallSeconds, measuredSeconds: wallSeconds, byKind },
    failures: failures.map((f) => `${f.id}: ${f.error}`),
  };
  const written = replaceResults(out, rows, meta);
  lock.release();
  log(
    `reproduce ${preset.name}: ${ran.length - failures.length} stages run, ${reused.length} reused, ${failures.length} failed, ${skipped} skipped in ${wallSeconds.toFixed(1)} s` +
      ` (estimated ${est.wallSeconds.toFixed(0)} s); ${rows.length} rows → ${path.join(o.out, 'results')}`,
  );
  for (const f of failures) log(`  failed: ${f.id}: ${f.error} (log: ${path.join(o.out, 'stages', f.id, 'error.log')})`);
  if (written.keptPrevious) log(`  incomplete: ${written.dir} has these rows; ${path.join(o.out, 'results')} keeps the complete results of an earlier run`);
  return { preset, plan, rows, meta, ran, reused, failures, resultsDir: written.dir, keptPrevious: written.keptPrevious };
}

/**
 * `bridge reproduce --report-only`: run nothing and assemble nothing; rewrite OUT's figures, report.html and summary.md
 * from OUT/results (rows.json, meta.json) with the current report code. For a chart or wording change on results whose
 * stage directories are gone (the committed data/results/full keeps only results/); --collect, by contrast, needs the
 * stages. OUT/results is left as it is; the report lists the revision that rendered it after the one that assembled
 * the rows. `preset`, when given, must be OUT's.
 */
export async function rewriteReport(out: string, preset?: string): Promise<{ files: string[]; rows: number }> {
  const owner = path.join(out, OWNER_FILE);
  if (!fs.existsSync(owner)) throw new Error(`--out ${out}: not a \`bridge reproduce\` directory (no ${OWNER_FILE})`);
  const was = readJsonFile<{ preset: string }>(owner).preset;
  if (preset !== undefined && preset !== was) throw new Error(`--out ${out}: holds a run of preset ${was}, not ${preset}`);
  if (!fs.existsSync(path.join(out, 'results', 'rows.json'))) {
    throw new Error(`--out ${out}: no results/rows.json to report on (--collect assembles it from finished stages)`);
  }
  const lock = acquireLock(out, `--out ${out}`);
  try {
    const { rows, meta } = readResults(out);
    const { writeReport, REPORT_REVISION } = await import('../report/index');
    const { files } = await writeReport(out, rows, { ...meta, [REPORT_REVISION]: codeRevision() });
    return { files, rows: rows.length };
  } finally {
    lock.release();
  }
}
