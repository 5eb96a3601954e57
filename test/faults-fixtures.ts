// Shared pieces of the fault tests (test/faults-*.test.ts): the CLI in-process with its output captured, tiny data
// directories and runs, and a fingerprint of a directory to show that nothing in it changed.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, vi } from 'vitest';
import { runCli } from '../src/cli';

export const root = path.resolve(__dirname, '..');
export const binBridge = path.join(root, 'bin', 'bridge.mjs');

export const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bridge-faults-${p}-`));

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Any `bridge` command in this process (the training commands included), with stdout and stderr captured. */
export async function cli(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await runCli(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** A refusal as the project wants it: exit 1, one `error:` line matching `what`, no stack trace. */
export function expectOneLineError(r: CliResult, what: RegExp): void {
  expect(r.code, r.err).toBe(1);
  const lines = r.err.split('\n').filter((l) => l.startsWith('error: '));
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(what);
  expect(r.err).not.toMatch(/\n\s+at /);
}

/** Relative path → sha256 of every file below `dir` (or of the file itself): equal fingerprints, nothing changed. */
export function fingerprint(p: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const abs = path.join(p, rel);
    if (fs.statSync(abs).isDirectory()) for (const e of fs.readdirSync(abs).sort()) walk(rel ? path.join(rel, e) : e);
    else out[rel] = crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
  };
  walk('');
  return out;
}

/** A tiny data directory written by `bridge data` (mod 23, compact, op 1–2: trains in milliseconds per step). */
export async function tinyData(dir: string, o: { n?: number; seed?: number; arith?: 'mod23' | 'exact' } = {}): Promise<string> {
  const r = await cli('data', '--split', 'sft', '--n', String(o.n ?? 12), '--ops', '1-2', '--no-distractors', '--seed', String(o.seed ?? 1),
    '--arith', o.arith ?? 'mod23', '--surface', 'compact', '--out', dir);
  expect(r.code, r.err).toBe(0);
  return dir;
}

/** `bridge sft --preset tiny` for a few steps (one worker): a finished run whose RUN/final is a checkpoint. */
export async function tinySft(data: string, out: string, ...extra: string[]): Promise<CliResult> {
  return cli('sft', '--data', data, '--out', out, '--preset', 'tiny', '--max-steps', '2', '--no-progress', ...extra);
}

/** A lock file held by a live process of this host that is not us (a `sleep`): what a concurrent writer leaves. */
export function foreignLock(file: string): ChildProcess {
  const holder = spawn('sleep', ['120'], { stdio: 'ignore' });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ pid: holder.pid, host: os.hostname(), start: null, command: 'bridge sft (test holder)', since: new Date().toISOString() }));
  return holder;
}
