// The run directory shared by every trainer: config.json, metrics.jsonl, ckpt/ (latest, for --resume), final/,
// done.json. A finished run is never overwritten without --force; an unfinished one needs --resume or --force.
import fs from 'node:fs';
import path from 'node:path';
import { readJsonl, writeFileAtomic } from '../fsutil';

export const runFiles = (dir: string) => ({
  config: path.join(dir, 'config.json'),
  metrics: path.join(dir, 'metrics.jsonl'),
  ckpt: path.join(dir, 'ckpt'),
  final: path.join(dir, 'final'),
  done: path.join(dir, 'done.json'),
});

/** Make `out` ready for a run, refusing to clobber finished or unfinished work unless told to. */
export function prepareRunDir(out: string, o: { resume?: boolean; force?: boolean }): void {
  const f = runFiles(out);
  if (fs.existsSync(f.done) && !o.force) throw new Error(`--out ${out}: holds a finished run (pass --force to overwrite it)`);
  if (o.force) fs.rmSync(out, { recursive: true, force: true });
  else if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !o.resume) {
    throw new Error(`--out ${out}: holds an unfinished run (pass --resume to continue it or --force to start over)`);
  }
  fs.mkdirSync(out, { recursive: true });
}

/** On resume: drop the metric lines of steps ≥ startStep (they will be recomputed); returns the lines kept. */
export function truncateMetrics<M extends { step: number }>(file: string, startStep: number): M[] {
  const kept = fs.existsSync(file) ? readJsonl<M>(file).filter((m) => m.step < startStep) : [];
  writeFileAtomic(file, kept.map((m) => JSON.stringify(m) + '\n').join(''));
  return kept;
}
