// Flag parsing shared by the notebook scripts: node:util's strict parseArgs, the script's usage on any error, --help/-h.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Parsed flag values (typed by the caller, who lists the options); prints `usage` and exits 0 on --help. */
export function parseFlags<T>(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>, usage: string, fail: (msg: string) => Error): T {
  let values: T & { help?: boolean };
  try {
    values = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }).values as T & { help?: boolean };
  } catch (e) {
    throw fail(`${(e as Error).message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(usage + '\n');
    process.exit(0);
  }
  return values;
}

/** A comma-separated list flag: trimmed, empty entries dropped ([] when absent). */
export const listFlag = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
