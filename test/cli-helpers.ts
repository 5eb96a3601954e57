// Running the real `bridge` CLI in a child process, and killing it with SIGKILL mid-run (resume tests).
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { vi } from 'vitest';
import { main } from '../src/cli';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const cli = path.join(root, 'src', 'cli.ts');

/** `bridge …args` to completion. */
export function bridge(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [tsx, cli, ...args], { encoding: 'utf8' });
}

/**
 * Start `bridge …args` in its own process group (tsx runs the CLI in a child process, and kill -9 must hit both) and
 * SIGKILL the group as soon as `ready()` returns true. Rejects if the run ends first.
 */
export async function bridgeKilledWhen(args: readonly string[], ready: () => boolean): Promise<void> {
  const child = spawn(process.execPath, [tsx, cli, ...args], { stdio: 'ignore', detached: true });
  const exited = new Promise((r) => child.on('exit', r));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      let ok = false;
      try {
        ok = ready();
      } catch {
        /* not written yet */
      }
      if (ok) {
        clearInterval(t);
        process.kill(-child.pid!, 'SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(t);
      reject(new Error('the run finished before it could be killed'));
    });
  });
  await exited;
}

/** Run the synchronous commands (data, stats) in-process, capturing what they print. */
export function bridgeInProcess(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
