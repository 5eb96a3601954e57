// File writes that never leave a half-written file behind: write to a temp sibling, then rename.
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Read a JSONL file into objects; a blank last line is fine, a malformed line names its number. */
export function readJsonl<T>(file: string): T[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    try {
      out.push(JSON.parse(lines[i]) as T);
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
  }
  return out;
}

/** Append one JSON object as a line (metrics logs); appends are atomic enough for line-sized writes. */
export function appendJsonl(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, JSON.stringify(value) + '\n');
}

/** An output directory that may be written: absent, empty, or `force` given. Throws a one-line reason otherwise. */
export function prepareOutDir(dir: string, force: boolean, flag = '--out'): void {
  if (fs.existsSync(dir)) {
    const st = fs.statSync(dir);
    if (!st.isDirectory()) throw new Error(`${flag} ${dir}: exists and is not a directory`);
    if (fs.readdirSync(dir).length > 0 && !force) {
      throw new Error(`${flag} ${dir}: directory is not empty (pass --force to overwrite)`);
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new Error(`${flag} ${dir}: directory is not writable`);
  }
}
