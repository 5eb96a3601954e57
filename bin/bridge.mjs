#!/usr/bin/env node
// `npx bridge …` runs the TypeScript CLI under tsx's loader, so no build step stands between a checkout and the
// command. It runs in one child process; SIGINT, SIGTERM and SIGHUP are passed on to it (stopping `npx bridge`
// stops the work, it does not leave a trainer running), and this process ends the way the child did.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const loader = import.meta.resolve('tsx'); // tsx's main export is its loader
const child = spawn(process.execPath, [`--import=${loader}`, path.join(here, '..', 'src', 'cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const sig of SIGNALS) process.on(sig, () => child.kill(sig));

child.on('error', (err) => {
  process.stderr.write(`error: cannot start the bridge CLI: ${err.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (!signal) process.exit(code ?? 1);
  for (const sig of SIGNALS) process.removeAllListeners(sig);
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(128 + (os.constants.signals[signal] ?? 0)), 200).unref();
});
