// GRPO step time and its split (sampling / scoring / backward) for the default preset, as JSON lines.
//   npx tsx bench/grpo.ts [--init CKPT] [--steps N] [--workers W] [--json]
// Without --init the policy is a freshly initialised model of the default SFT shape (timings depend on shapes and
// completion lengths, not on what the model knows; a random model writes max-length completions, the worst case).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSplit, toJsonl } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import { initBackend } from '../src/model/backend';
import { saveCheckpoint } from '../src/model/checkpoint';
import { createTransformer, getWeights } from '../src/model/transformer';
import { canonicalTokenizer } from '../src/text/vocab';
import { fieldAt, parseFieldValue } from '../src/flags';
import { GRPO_PRESETS, GrpoConfigSchema, grpoConfig } from '../src/train/grpo-config';
import { sftConfig } from '../src/train/sft-config';
import { runGrpo, type GrpoMetrics } from '../src/train/grpo';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
/** A GRPO setting from its flag, checked against GrpoConfigSchema's bounds. */
function setting(name: string, field: 'steps' | 'workers', dflt: number): number {
  const raw = flag(name);
  return raw === undefined ? dflt : (parseFieldValue(name, raw, fieldAt(GrpoConfigSchema, field)!) as number);
}

async function main() {
  const info = await initBackend();
  const steps = setting('--steps', 'steps', 3);
  const workers = setting('--workers', 'workers', 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-grpo-'));
  let init = flag('--init') ?? '';
  const tok = canonicalTokenizer('mod23');
  if (!init) {
    // the d128 × 4 model the README's GRPO step time was measured on: the SFT schema's default shape (the SFT preset
    // is smaller now)
    const model = createTransformer({ ...sftConfig({}).model, vocab: tok.size, dropout: 0 }, { seed: 1 });
    init = path.join(dir, 'init');
    saveCheckpoint(init, { config: model.cfg, weights: getWeights(model), tokenizer: tok.toJSON() });
  }
  const rows = generateSplit({ name: 'rl', n: 256, gen: validateGenConfig({ minOps: 5, maxOps: 10, arith: 'mod23' }), seed: 200, surface: 'compact' }).rows;
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'problems.jsonl'), toJsonl(rows));
  const ms: GrpoMetrics[] = [];
  const cfg = grpoConfig({ ...GRPO_PRESETS.default, steps, evalEvery: 0, workers });
  await runGrpo({ init, data: path.join(dir, 'data'), out: path.join(dir, 'run'), config: cfg, progress: false, onStep: (m) => ms.push(m) });
  const steady = ms.slice(1).length ? ms.slice(1) : ms; // the first step includes wasm warm-up
  const mean = (f: (m: GrpoMetrics) => number) => steady.reduce((a, m) => a + f(m), 0) / steady.length;
  const base = { backend: info.name, workers, prompts: cfg.promptsPerStep, group: cfg.groupSize, maxNew: cfg.maxNew, load: os.loadavg()[0] };
  const line = (name: string, value: number, unit: string) => process.stdout.write(JSON.stringify({ name, value, unit, ...base }) + '\n');
  line('grpo_step_s', mean((m) => m['time/sampling'] + m['time/scoring'] + m['time/backward']), 's');
  line('grpo_sampling_s', mean((m) => m['time/sampling']), 's');
  line('grpo_scoring_s', mean((m) => m['time/scoring']), 's');
  line('grpo_backward_s', mean((m) => m['time/backward']), 's');
  line('grpo_sample_tok_s', mean((m) => m.sample_tok_s), 'tok/s');
  line('grpo_completion_len', mean((m) => m['completions/mean_length']), 'tokens');
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
