// The one lock of every writing command (data, pretrain, sft, grpo, eval, probe, reproduce): a lock file created
// with O_EXCL that names its holder (pid, host, the process's start time, the command). A lock whose holder is gone
// (same host, pid not running, or running but started at another time: a reused pid) is stale and taken over; a
// lock from another host cannot be checked from here and is refused with the file to delete.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDir, LOCK_NAME, statOrNull } from './fsutil';

export { LOCK_NAME } from './fsutil';

export interface LockInfo {
  pid: number;
  host: string;
  /** Start time of the process in clock ticks since boot (Linux /proc/PID/stat field 22); null where unknown. */
  start: number | null;
  command: string;
  since: string;
}

export interface Lock {
  file: string;
  release(): void;
}

/** Start time of a process (clock ticks since boot), or null without /proc. */
function processStart(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[19]);
  } catch {
    return null;
  }
}

/** Whether a process runs (a zombie does not: a killed process whose parent died stays one until init reaps it). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): trust kill(pid, 0)
  }
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The holder of a lock file, or null when there is none; a lock that cannot be parsed reads as stale. */
export function readLock(file: string): LockInfo | null {
  const text = readText(file);
  if (text === null) return null;
  try {
    const j = JSON.parse(text) as Partial<LockInfo>;
    if (Number.isInteger(j.pid)) return { pid: j.pid!, host: j.host ?? os.hostname(), start: j.start ?? null, command: j.command ?? 'bridge', since: j.since ?? '?' };
  } catch {
    /* the older format: a bare pid */
  }
  const pid = Number(text.trim());
  return { pid: Number.isInteger(pid) && pid > 0 ? pid : -1, host: os.hostname(), start: null, command: 'bridge', since: '?' };
}

const self = (): LockInfo => ({
  pid: process.pid,
  host: os.hostname(),
  start: processStart(process.pid),
  command: ['bridge', ...process.argv.slice(2)].join(' ').slice(0, 300),
  since: new Date().toISOString(),
});

const held = new Map<string, string>(); // lock file → the content this process wrote
let exitHook = false;

/** Why the holder is gone (stale lock), or null while it may still run. */
function staleReason(h: LockInfo): string | null {
  if (h.host !== os.hostname()) return null;
  if (h.pid <= 0) return 'unreadable lock';
  if (h.pid === process.pid) return 'this process'; // re-entrant: one command per process, and a lock it left behind
  if (!pidAlive(h.pid)) return `pid ${h.pid} is not running`;
  const start = processStart(h.pid);
  if (h.start !== null && start !== null && start !== h.start) return `pid ${h.pid} is another process now`;
  return null;
}

/**
 * Take the lock of `target` (a directory: its LOCK_NAME file; a file: a `.lock` sibling). `label` starts every error
 * line (e.g. "--out runs/x"). Creates the directory's parents only where the lock file needs them.
 */
export function acquireLock(target: string, label: string, kind: 'dir' | 'file' = 'dir'): Lock {
  const file = kind === 'dir' ? path.join(target, LOCK_NAME) : `${target}.lock`;
  const created = kind === 'dir' && statOrNull(target) === null; // a command refused later leaves no empty directory behind
  ensureDir(path.dirname(file), label);
  for (let attempt = 0; attempt < 3; attempt++) {
    const me = self();
    const text = JSON.stringify(me) + '\n';
    try {
      fs.writeFileSync(file, text, { flag: 'wx' });
      held.set(file, text);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', releaseAllLocks);
      }
      return { file, release: () => release(file, created ? target : null) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${label}: cannot create the lock ${file}: ${(err as Error).message}`);
    }
    const before = readText(file);
    const h = readLock(file);
    if (before === null || !h) continue; // released between our attempt and the read
    const stale = staleReason(h);
    if (stale === null) {
      const where = h.host === os.hostname() ? `pid ${h.pid}` : `pid ${h.pid} on host ${h.host}; delete ${file} if it no longer runs`;
      throw new Error(`${label}: in use by \`${h.command}\` (${where}, since ${h.since}); wait for it to finish or stop it`);
    }
    if (h.pid !== process.pid) process.stderr.write(`note: ${label}: took over a stale lock (${stale})\n`);
    if (readText(file) === before) fs.rmSync(file, { force: true }); // unless another process took it over meanwhile
  }
  throw new Error(`${label}: could not take the lock ${file} (another process keeps taking it)`);
}

function release(file: string, createdDir: string | null = null): void {
  const mine = held.get(file);
  if (mine === undefined) return;
  held.delete(file);
  // only our own lock: a stale-lock takeover by another process must not be undone by us
  if (readText(file) === mine) fs.rmSync(file, { force: true });
  if (createdDir && statOrNull(createdDir)?.isDirectory() && fs.readdirSync(createdDir).length === 0) fs.rmdirSync(createdDir);
}

/** Drop every lock this process holds (normal exit, or a signal handler before it exits). */
export function releaseAllLocks(): void {
  for (const file of [...held.keys()]) release(file);
}

/** Run `fn` holding the lock of `target` (see acquireLock); released however `fn` ends. */
export async function withLock<T>(target: string, label: string, kind: 'dir' | 'file', fn: () => T | Promise<T>): Promise<T> {
  const lock = acquireLock(target, label, kind);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
