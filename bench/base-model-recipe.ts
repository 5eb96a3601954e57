// Recreate a shipped base model from its recipe and compare weights hashes: the recipe alone must recreate the model.
// Not part of CI (it retrains the model):
//   npx tsx bench/base-model-recipe.ts data/models/base-mod23-compact             whole schedule, final weights
//   npx tsx bench/base-model-recipe.ts data/models/<name> --steps 3000             first 3,000 steps of the same schedule,
//                                                                                  against the recipe's checkpoint hash
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = process.argv[2];
const stepsAt = process.argv.indexOf('--steps');
const prefix = stepsAt > 0 ? Number(process.argv[stepsAt + 1]) : null;
if (!dir || !fs.existsSync(path.join(dir, 'recipe.json')) || (prefix !== null && !(Number.isInteger(prefix) && prefix > 0))) {
  process.stderr.write('usage: npx tsx bench/base-model-recipe.ts data/models/<name> [--steps K]  (a directory with recipe.json; K a checkpoint step)\n');
  process.exit(2);
}
const recipe = JSON.parse(fs.readFileSync(path.join(dir, 'recipe.json'), 'utf8')) as {
  command: string; weightsHash: string; revision?: { commit: string }; checkpoints?: { step: number; weightsHash: string }[]; sft: { checkpointEvery: number };
};
const expected = prefix === null ? recipe.weightsHash : recipe.checkpoints?.find((c) => c.step === prefix)?.weightsHash;
if (!expected) {
  const have = (recipe.checkpoints ?? []).map((c) => c.step);
  process.stderr.write(`--steps must be a checkpoint step of this recipe (${have.length ? `${have[0]}, ${have[1] ?? ''}… ${have.at(-1)}` : 'it records none'}), got ${prefix}\n`);
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recipe-'));
const args = recipe.command.split(' ').slice(2); // drop "npx bridge"
const outIdx = args.indexOf('--out');
args[outIdx + 1] = path.join(tmp, 'model');
const work = path.join(tmp, 'work');
// checkpoints do not shape the weights (the command leaves them out), but the partial check reads them at the recipe's steps
args.push('--work', work, '--no-progress', '--checkpoint-every', String(recipe.sft.checkpointEvery));
const t0 = Date.now();
const child = spawn(process.execPath, [path.join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli.ts', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });

/** The rebuilt hash at the asked step (from the run's checkpoint trail), or null while it is not there yet. */
function rebuiltAt(step: number): string | null {
  const f = path.join(work, 'checkpoints.jsonl');
  if (!fs.existsSync(f)) return null;
  const rows = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as { step: number; weightsHash: string });
  return rows.find((r) => r.step === step)?.weightsHash ?? null;
}

const rebuilt = await new Promise<{ hash: string; finalLoss?: number; revision?: string }>((resolve, reject) => {
  const poll = prefix === null ? null : setInterval(() => {
    const h = rebuiltAt(prefix);
    if (h) {
      clearInterval(poll!);
      child.kill('SIGTERM');
      resolve({ hash: h });
    }
  }, 1000);
  child.on('exit', (code) => {
    if (poll) clearInterval(poll);
    if (prefix !== null) {
      const h = rebuiltAt(prefix);
      return h ? resolve({ hash: h }) : reject(new Error(`the rebuild ended (code ${code}) before step ${prefix}`));
    }
    if (code !== 0) return reject(new Error(`the rebuild failed (code ${code})`));
    const r = JSON.parse(fs.readFileSync(path.join(tmp, 'model', 'recipe.json'), 'utf8')) as { weightsHash: string; finalLoss: number; revision?: { commit: string } };
    resolve({ hash: r.weightsHash, finalLoss: r.finalLoss, revision: r.revision?.commit });
  });
});
const same = rebuilt.hash === expected;
// bitwise equality needs the same kernels: a mismatch with another code revision is float drift, not a wrong recipe
process.stdout.write(
  JSON.stringify({
    name: 'base_model_recipe_reproduces', value: same ? 1 : 0, unit: 'bool', model: dir, steps: prefix ?? 'all', shipped: expected, rebuilt: rebuilt.hash,
    shippedRevision: recipe.revision?.commit ?? 'unrecorded', rebuiltRevision: rebuilt.revision ?? 'this checkout', rebuiltFinalLoss: rebuilt.finalLoss ?? null, seconds: (Date.now() - t0) / 1000,
  }) + '\n',
);
fs.rmSync(tmp, { recursive: true, force: true });
process.exitCode = same ? 0 : 1;
