// The run directory shared by every trainer: config.json, metrics.jsonl, ckpt/ (latest, for --resume), final/,
// done.json. A run directory is owned: its writer holds the lock (src/lock.ts); a finished run is never overwritten
// without --force, an unfinished one needs --resume or --force, a directory that holds anything else is refused, and
// --force removes only the run's own files. config.json records the config and the sha256 of every input, and
// --resume refuses to continue on other inputs or another config, naming the field.
import fs from 'node:fs';
import path from 'node:path';
import { assertWritable, LOCK_NAME, readJsonFile, readJsonl, writeFileAtomic } from '../fsutil';
import { acquireLock, type Lock } from '../lock';

export const runFiles = (dir: string) => ({
  config: path.join(dir, 'config.json'),
  metrics: path.join(dir, 'metrics.jsonl'),
  ckpt: path.join(dir, 'ckpt'),
  final: path.join(dir, 'final'),
  done: path.join(dir, 'done.json'),
});

export type RunKind = 'sft' | 'grpo';

/** What config.json holds: the trainer, its validated config, input paths and their hashes (by input name). */
export interface RunRecord {
  kind?: RunKind;
  config: unknown;
  /** Input name (data, init, val, tokenizer) → sha256 (or 'scratch' / 'none'); absent in runs of older versions. */
  inputs?: Record<string, string>;
  [field: string]: unknown;
}

/** The entries a run writes (and --force may remove): the files above and the temp names of their atomic writes. */
const RUN_ENTRY = /^(?:(?:config\.json|metrics\.jsonl|done\.json)(?:\.\d+\.[0-9a-z]+\.tmp)?|(?:ckpt|final)(?:\.(?:tmp|old)-[0-9a-f-]+)?)$/;

/** The CLI flag each recorded input comes from. */
const INPUT_FLAG: Record<string, string> = { data: '--data', init: '--init', val: '--val', tokenizer: 'the tokenizer (of --init, or the canonical one of the data)' };

/** --resume continues what is in --out, --force starts it over: both at once is a contradiction, not a choice. */
export const RESUME_AND_FORCE = '--resume and --force exclude each other: --resume continues the run in --out, --force starts it over';

export interface OpenRun {
  lock: Lock;
  /** With --resume into an existing run: what its config.json recorded (check it with checkResume). */
  previous: RunRecord | null;
}

function readRecord(file: string): RunRecord | null {
  const j = readJsonFile<unknown>(file);
  return j && typeof j === 'object' && !Array.isArray(j) && 'config' in j ? (j as RunRecord) : null;
}

/** Take the run directory `out` for a `kind` run: lock it and make it ready, refusing to clobber anything. */
export function openRunDir(out: string, o: { kind: RunKind; resume?: boolean; force?: boolean }): OpenRun {
  const label = `--out ${out}`;
  if (o.resume && o.force) throw new Error(RESUME_AND_FORCE);
  const lock = acquireLock(out, label);
  try {
    const f = runFiles(out);
    const entries = fs.readdirSync(out).filter((e) => e !== LOCK_NAME).sort();
    let record: RunRecord | null = null;
    if (entries.includes('config.json')) {
      try {
        record = readRecord(f.config);
      } catch (err) {
        if (!o.force) throw err;
      }
    }
    const ours = record !== null && (record.kind === undefined || record.kind === o.kind);
    if (record?.kind && record.kind !== o.kind && !o.force) throw new Error(`${label}: holds a ${record.kind} run, not ${o.kind} (choose another --out, or --force to replace it)`);
    if (entries.length > 0 && record === null) {
      const clash = entries.filter((e) => RUN_ENTRY.test(e));
      if (!o.force) {
        const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
        throw new Error(`${label}: not empty (${shown}) and not a bridge ${o.kind} run; choose a new or empty directory, or pass --force to write the run beside these files`);
      }
      if (clash.length) throw new Error(`${label}: holds ${clash.join(', ')} that no bridge run wrote; --force will not replace them, choose another --out`);
    }
    if (fs.existsSync(f.done) && !o.force) throw new Error(`${label}: holds a finished run (pass --force to overwrite it)`);
    if (o.force) {
      for (const e of entries) if (RUN_ENTRY.test(e) && record !== null) fs.rmSync(path.join(out, e), { recursive: true, force: true });
    } else if (ours && !o.resume) {
      throw new Error(`${label}: holds an unfinished run (pass --resume to continue it or --force to start over)`);
    }
    assertWritable(out, label);
    return { lock, previous: o.resume && ours ? record : null };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** The first path where two JSON values differ (null when equal), e.g. "schedule.lr". */
export function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (a === b) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    for (const k of [...new Set([...ka, ...kb])].sort()) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
      if (d !== null) return d;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? null : at || '(config)';
}

const valueAt = (v: unknown, p: string): unknown => (p === '(config)' ? v : p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], v));
const short = (v: unknown): string => {
  const s = v === undefined ? 'unset' : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
};

/**
 * Refuse to resume `out` when the config (both sides already normalised by the caller) or a recorded input hash
 * differs from now; the error names the field. Inputs an older run did not record are not compared.
 */
export function checkResume(out: string, previous: RunRecord, now: { config: unknown; inputs: Record<string, string> }, label = `--resume ${out}`): void {
  const d = firstDifference(previous.config, now.config);
  if (d !== null) {
    throw new Error(
      `${label}: config field ${d} is ${short(valueAt(now.config, d))} now but ${short(valueAt(previous.config, d))} in its config.json; resume with the same flags or start over with --force`,
    );
  }
  for (const [name, hash] of Object.entries(now.inputs)) {
    const was = previous.inputs?.[name];
    if (was === undefined || was === hash) continue;
    const where = typeof previous[name] === 'string' ? ` (it started from ${previous[name]})` : '';
    throw new Error(
      `${label}: ${INPUT_FLAG[name] ?? name} differs from the run's${where}: sha256 ${hash.slice(0, 12)} now, ${was.slice(0, 12)} recorded; resume with the same inputs or start over with --force`,
    );
  }
}

/** On resume: drop the metric lines of steps ≥ startStep (they will be recomputed); returns the lines kept. */
export function truncateMetrics<M extends { step: number }>(file: string, startStep: number): M[] {
  const kept = fs.existsSync(file) ? readJsonl<M>(file).filter((m) => m.step < startStep) : [];
  writeFileAtomic(file, kept.map((m) => JSON.stringify(m) + '\n').join(''));
  return kept;
}
