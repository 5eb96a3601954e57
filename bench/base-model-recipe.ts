// Recreate a shipped base model from its recipe and compare weights hashes: the recipe alone must recreate the model.
// Not part of CI (it retrains the model): npx tsx bench/base-model-recipe.ts data/models/base-mod23-compact
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = process.argv[2];
if (!dir || !fs.existsSync(path.join(dir, 'recipe.json'))) {
  process.stderr.write('usage: npx tsx bench/base-model-recipe.ts data/models/<name>  (a directory with recipe.json)\n');
  process.exit(2);
}
const recipe = JSON.parse(fs.readFileSync(path.join(dir, 'recipe.json'), 'utf8')) as { command: string; weightsHash: string; revision?: { commit: string } };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recipe-'));
const args = recipe.command.split(' ').slice(2); // drop "npx bridge"
const outIdx = args.indexOf('--out');
args[outIdx + 1] = path.join(tmp, 'model');
args.push('--work', path.join(tmp, 'work'), '--no-progress');
const t0 = Date.now();
const r = spawnSync(process.execPath, [path.join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (r.status !== 0) process.exit(r.status ?? 1);
const rebuilt = JSON.parse(fs.readFileSync(path.join(tmp, 'model', 'recipe.json'), 'utf8')) as { weightsHash: string; finalLoss: number; revision?: { commit: string } };
const same = rebuilt.weightsHash === recipe.weightsHash;
// bitwise equality needs the same kernels: a mismatch with another code revision is float drift, not a wrong recipe
process.stdout.write(
  JSON.stringify({
    name: 'base_model_recipe_reproduces', value: same ? 1 : 0, unit: 'bool', model: dir, shipped: recipe.weightsHash, rebuilt: rebuilt.weightsHash,
    shippedRevision: recipe.revision?.commit ?? 'unrecorded', rebuiltRevision: rebuilt.revision?.commit ?? 'unrecorded', rebuiltFinalLoss: rebuilt.finalLoss, seconds: (Date.now() - t0) / 1000,
  }) + '\n',
);
process.exitCode = same ? 0 : 1;
