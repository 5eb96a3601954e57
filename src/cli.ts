// The `bridge` command: the commands of src/commands/index.ts, run with one `error:` line for every failure. Every bad
// flag stops with one line naming the flag and its allowed range (src/flags.ts derives them from the schemas).
import path from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram } from './commands/index';

export { buildProgram };

/** Exit code for an error thrown by a command: commander already printed its own; ours get one line. */
function failure(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode; // commander already printed its one line (or the help)
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${msg.split('\n')[0]}\n`);
  return 1;
}

/** Run the synchronous commands (data, stats) in-process and return the exit code. */
export function main(argv: string[]): number {
  try {
    buildProgram().parse(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return failure(err);
  }
}

/** Run any command, the asynchronous training commands included. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return failure(err);
  }
}

const invoked = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invoked.endsWith(path.join('src', 'cli.ts')) || invoked.endsWith(path.join('src', 'cli.js'))) {
  runCli(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
