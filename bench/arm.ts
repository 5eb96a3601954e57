// One SFT + GRPO arm of a reproduce preset, timed end to end: the arm's sft and grpo stages exactly as
// `bridge reproduce` runs them (one process, the stage configs of the plan), reading the finished splits and data
// stages of an existing run directory and writing into a scratch directory, so the finished run is never touched.
// Prints one JSON line per stage {"name":"arm_stage","kind","seconds","weightsHash","sameAsRun"} and a total line.
// sameAsRun compares the weights with the run's own stage (true: bitwise the same training).
//   npx tsx bench/arm.ts [--preset=full] [--run=data/results/full] [--method=vanilla] [--seed=1] --out=DIR
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPlan } from '../src/experiments/definitions.js';
import { getPreset } from '../src/experiments/presets.js';
import { jobOf, readDone } from '../src/experiments/runner.js';
import { runStageToDone } from '../src/experiments/stages.js';

const flags = new Map<string, string>();
for (const a of process.argv.slice(2)) {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`bench/arm.ts: arguments are --name=value (got '${a}')`);
  flags.set(m[1], m[2]);
}
const presetName = flags.get('preset') ?? 'full';
const runDir = path.resolve(flags.get('run') ?? `data/results/${presetName}`);
const method = flags.get('method') ?? 'vanilla';
const seed = Number(flags.get('seed') ?? 1);
const out = flags.get('out');
if (!out) throw new Error('bench/arm.ts: --out=DIR is required (a scratch directory; it must not exist)');
if (fs.existsSync(out)) throw new Error(`bench/arm.ts: --out ${out} exists; choose a new directory`);

const plan = buildPlan(getPreset(presetName), runDir);
const find = (kind: 'sft' | 'grpo') => {
  const id = plan.lookup.get(`${method}|${seed}|${kind}`);
  if (!id) throw new Error(`bench/arm.ts: the ${presetName} preset has no ${kind} stage for --method=${method} --seed=${seed}`);
  return plan.byId.get(id)!;
};
const sft = find('sft');
const grpo = find('grpo');
for (const [role, id] of Object.entries(sft.deps)) {
  if (!readDone(plan.byId.get(id)!)) throw new Error(`bench/arm.ts: ${runDir} has not finished the ${role} stage ${id}`);
}

const sftJob = { ...jobOf(sft, plan), dir: path.resolve(out, 'sft') };
const grpoJob = { ...jobOf(grpo, plan), dir: path.resolve(out, 'grpo') };
grpoJob.inputs = { ...grpoJob.inputs, model: sftJob.dir };

/**
 * The run's own finished stage of this kind, method and seed: by id, else by the id without its hash (the hash holds
 * the base model's absolute path, so a checkout in another folder names the same stage differently).
 */
function runStageResult(id: string): { weightsHash?: string } | undefined {
  const stages = path.join(runDir, 'stages');
  const prefix = id.replace(/[0-9a-f]{12}$/, '');
  const dirs = fs.existsSync(path.join(stages, id)) ? [id] : fs.readdirSync(stages).filter((d) => d.startsWith(prefix));
  for (const d of dirs) {
    const f = path.join(stages, d, 'done.json');
    if (fs.existsSync(f)) return (JSON.parse(fs.readFileSync(f, 'utf8')) as { result: { weightsHash?: string } }).result;
  }
  return undefined;
}

let total = 0;
for (const [job, spec] of [
  [sftJob, sft],
  [grpoJob, grpo],
] as const) {
  let last = 0;
  const seconds = await runStageToDone(job, (v, n) => {
    if (Date.now() - last > 30_000) {
      last = Date.now();
      process.stderr.write(`[${job.kind}] ${v}/${n}\n`);
    }
  });
  total += seconds;
  const mine = JSON.parse(fs.readFileSync(path.join(job.dir, 'done.json'), 'utf8')) as { result: { weightsHash?: string } };
  const theirs = runStageResult(spec.id);
  console.log(
    JSON.stringify({
      name: 'arm_stage',
      preset: presetName,
      method,
      seed,
      kind: job.kind,
      seconds: Math.round(seconds * 10) / 10,
      weightsHash: mine.result.weightsHash,
      sameAsRun: theirs?.weightsHash ? theirs.weightsHash === mine.result.weightsHash : null,
      load1: Math.round(os.loadavg()[0] * 100) / 100,
    }),
  );
}
console.log(JSON.stringify({ name: 'arm_total', preset: presetName, method, seed, seconds: Math.round(total * 10) / 10 }));
