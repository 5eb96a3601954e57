// File writes that never leave a half-written file behind (write to a temp sibling, then rename), directories that
// are never created on a pseudo filesystem (Node's recursive mkdir spins forever below /proc), and errors that name
// the file: a bare "ENOSPC: no space left on device, write" does not say where.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** statfs magic numbers of the kernel's pseudo filesystems (linux/magic.h): nothing of ours belongs there. */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x64626720: 'debugfs',
  0x73636673: 'securityfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x74726163: 'tracefs',
};

/** fs.statSync, or null where nothing can be (absent, or below a file). */
export function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function pseudoFs(p: string): string | null {
  try {
    return PSEUDO_FS[Number(fs.statfsSync(p).type)] ?? null;
  } catch {
    return null; // no statfs on this platform: nothing to guard
  }
}

/** The error `err` as one line that names `file` (Node's write errors often do not). */
function namingFile(file: string, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  return new Error(msg.includes(file) ? msg : `${file}: ${msg}`);
}

/**
 * Make sure `dir` is a directory we may write in, creating it (and its parents) if needed. `label` starts every
 * error line (e.g. "--out runs/x"). Refuses a path below a file and anything on a pseudo filesystem (/proc, /sys).
 */
export function ensureDir(dir: string, label: string = dir): void {
  const abs = path.resolve(dir);
  const st = statOrNull(abs);
  if (st && !st.isDirectory()) throw new Error(`${label}: ${abs} exists and is not a directory`);
  let existing = abs;
  while (!statOrNull(existing)) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) throw new Error(`${label}: ${existing} is a file, so ${abs} cannot be a directory`);
  const pseudo = pseudoFs(existing);
  if (pseudo) throw new Error(`${label}: ${existing} is on the ${pseudo} pseudo filesystem; choose a directory on a disk`);
  if (st) return;
  try {
    fs.mkdirSync(abs, { recursive: true });
  } catch (err) {
    throw new Error(`${label}: cannot create ${abs}: ${(err as Error).message}`);
  }
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  ensureDir(path.dirname(file), file);
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw namingFile(file, err);
  }
}

/** Write one JSON line per value, atomically, in chunks (a corpus of 10^6 problems is larger than the longest string
 * V8 can hold); returns the sha256 of the bytes written, the same as hashing `values.map(JSON.stringify + '\n')`. */
export function writeJsonlAtomic(file: string, values: Iterable<unknown>): string {
  ensureDir(path.dirname(file), file);
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const hash = createHash('sha256');
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'w');
    let chunk = '';
    const flush = () => {
      const buf = Buffer.from(chunk, 'utf8');
      hash.update(buf);
      fs.writeSync(fd!, buf);
      chunk = '';
    };
    for (const v of values) {
      chunk += JSON.stringify(v) + '\n';
      if (chunk.length > 1 << 22) flush();
    }
    flush();
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw namingFile(file, err);
  }
  return hash.digest('hex');
}

/** Parse a JSON file; a missing file or bad JSON is one line naming the file. */
export function readJsonFile<T>(file: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw namingFile(file, err);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** sha256 (hex) of a file's bytes. */
export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Read a JSONL file into objects; a blank last line is fine, a malformed line names its number. */
export function readJsonl<T>(file: string): T[] {
  return parseJsonl<T>(fs.readFileSync(file, 'utf8'), file);
}

/** The objects of JSONL `text` read from `file` (named in errors). */
export function parseJsonl<T>(text: string | Buffer, file: string): T[] {
  const out: T[] = [];
  const add = (line: string, i: number) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
  };
  if (typeof text === 'string') {
    text.split('\n').forEach(add);
    return out;
  }
  // bytes are split line by line: a file over ~512 MB does not fit one string
  for (let start = 0, i = 0; start <= text.length; i++) {
    const nl = text.indexOf(10, start);
    const end = nl < 0 ? text.length : nl;
    add(text.toString('utf8', start, end), i);
    start = end + 1;
  }
  return out;
}

/** Append one JSON object as a line (metrics logs); appends are atomic enough for line-sized writes. */
export function appendJsonl(file: string, value: unknown): void {
  ensureDir(path.dirname(file), file);
  try {
    fs.appendFileSync(file, JSON.stringify(value) + '\n');
  } catch (err) {
    throw namingFile(file, err);
  }
}

/** An output directory that may be written: absent, empty, or `force` given. Throws a one-line reason otherwise. */
export function prepareOutDir(dir: string, force: boolean, flag = '--out'): void {
  ensureDir(dir, `${flag} ${dir}`);
  if (!force && fs.readdirSync(dir).some((e) => e !== LOCK_NAME)) {
    throw new Error(`${flag} ${dir}: directory is not empty (pass --force to overwrite)`);
  }
  assertWritable(dir, `${flag} ${dir}`);
}

/** The lock file of a locked directory (src/lock.ts); named here so emptiness checks can pass over it. */
export const LOCK_NAME = '.bridge.lock';

export function assertWritable(dir: string, label: string): void {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new Error(`${label}: directory is not writable`);
  }
}
