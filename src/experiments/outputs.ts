// What a finished stage of `bridge reproduce` wrote, by sha256: recorded in its done.json when it finishes and
// checked before the stage is reused, so an output corrupted or deleted afterwards makes the stage run again
// instead of feeding the rows. Stages of older versions (no record) are trusted once and recorded then.
import fs from 'node:fs';
import path from 'node:path';
import { LOCK_NAME, readJsonFile, sha256File, writeJsonAtomic } from '../fsutil';

/** Files of a stage directory that are not its outputs but records about it: the runner's, and the Slurm executor's (slurm.ts). */
const NOT_OUTPUTS = /^(?:done\.json|error\.log|job\.json|slurm\.json|slurm-job\.sh|slurm-.*\.log)$/;

/** Relative path → sha256 of every file below a stage directory, except the records about it, locks and temp files. */
export function stageOutputs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === LOCK_NAME || e.name.endsWith('.tmp') || (!rel && NOT_OUTPUTS.test(e.name))) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out[r] = sha256File(path.join(dir, r));
    }
  };
  walk('');
  return out;
}

/** Add the outputs of a stage that just finished to its done.json, unless its writer recorded them already. */
export function sealStage(dir: string): void {
  const file = path.join(dir, 'done.json');
  const done = readJsonFile<Record<string, unknown>>(file);
  if (!done.outputs) writeJsonAtomic(file, { ...done, outputs: stageOutputs(dir) });
}

export interface DoneJson {
  seconds: number;
  result: unknown;
  outputs?: Record<string, string>;
}

/** A stage as found on disk: null without done.json; `problem` says why a finished stage may not be reused. */
export function checkStage(dir: string): { done: DoneJson } | { problem: string } | null {
  const file = path.join(dir, 'done.json');
  if (!fs.existsSync(file)) return null;
  let done: DoneJson;
  try {
    done = readJsonFile<DoneJson>(file);
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (!done.outputs) {
    sealStage(dir);
    return { done };
  }
  for (const [rel, hash] of Object.entries(done.outputs)) {
    const p = path.join(dir, rel);
    if (!fs.existsSync(p)) return { problem: `${rel} is missing` };
    if (sha256File(p) !== hash) return { problem: `${rel} changed after the stage finished` };
  }
  return { done };
}

/**
 * The finished stages that may be reused (stages in plan order, inputs first): done.json there, its outputs as
 * recorded, and every input stage reusable too. A finished stage that fails this is deleted so that it runs again
 * (`remove`; it is only reported otherwise), with one log line saying why.
 */
export function reusableStages(
  stages: readonly { id: string; dir: string; deps: Record<string, string> }[],
  log: (line: string) => void,
  remove = true,
): Map<string, DoneJson> {
  const ok = new Map<string, DoneJson>();
  for (const s of stages) {
    const found = checkStage(s.dir);
    if (!found) continue;
    if ('done' in found && Object.values(s.deps).every((id) => ok.has(id))) {
      ok.set(s.id, found.done);
      continue;
    }
    log(`${s.id}: ${'problem' in found ? found.problem : 'an input stage runs again'}; ${remove ? 'running it again' : 'not counted as finished'}`);
    if (remove) fs.rmSync(s.dir, { recursive: true, force: true });
  }
  return ok;
}
