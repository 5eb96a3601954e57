// Finished regime-study arms (bench/regime.ts) on one more OOD op count than the arm was built with: greedy accuracy,
// raw and chance-corrected, and the mechanism counts of the completions, on a fixed test set of forced-op problems
// (the same problems for every arm). Rows append to docs/regime-extra-ood.jsonl; arms already measured on that op are
// skipped. docs/regime.md discusses them.
//
//   npx tsx bench/regime-extra-ood.ts --op 5 --only ARM[,ARM…]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { appendJsonl, readJsonl } from '../src/fsutil';
import { initBackend } from '../src/model/backend';
import { disposeTransformer } from '../src/model/transformer';
import { chanceCorrected } from '../src/train/alpha';
import { evaluate, GREEDY } from '../src/train/evaluate';
import { mechanismShares } from '../src/train/mechanism';
import type { StudyConfig } from './learnability';
import { extraOodSet } from './regime-sets';
import { loadModel } from '../src/model/load';

const { values: a } = parseArgs({
  options: {
    op: { type: 'string' },
    only: { type: 'string' },
    n: { type: 'string', default: '500' },
    work: { type: 'string', default: 'runs/regime' },
    out: { type: 'string', default: 'docs/regime-extra-ood.jsonl' },
  },
});
const op = Number(a.op);
const n = Number(a.n);
if (!Number.isInteger(op) || op < 1 || op > 40 || !a.only) {
  process.stderr.write('usage: npx tsx bench/regime-extra-ood.ts --op K (an integer in [1, 40]) --only ARM[,ARM…] [--n 500]\n');
  process.exit(2);
}
const arms = readJsonl<{ name: string; config: StudyConfig }>('docs/regime.jsonl');
const done = new Set(fs.existsSync(a.out!) ? readJsonl<{ arm: string; op: number; n: number }>(a.out!).filter((r) => r.op === op && r.n === n).map((r) => r.arm) : []);
await initBackend();
for (const name of a.only.split(',')) {
  if (done.has(name)) continue;
  const arm = arms.find((r) => r.name === name);
  const ckDir = path.join(a.work!, name, 'run', 'final');
  if (!arm || !fs.existsSync(ckDir)) throw new Error(`--only ${name}: no finished regime arm (docs/regime.jsonl and ${ckDir})`);
  const c = arm.config;
  const rows = extraOodSet(c, op, n);
  const { model, tok } = loadModel(ckDir);
  const t0 = Date.now();
  const rep = evaluate(model, tok, rows, { ...GREEDY, batchSize: 50 });
  disposeTransformer(model);
  const m = mechanismShares(rep.mechanism);
  // answers are not uniform (0 is common): the accuracy of always giving the test set's most frequent answer
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.answer, (counts.get(r.answer) ?? 0) + 1);
  const row = {
    arm: name, op, n, accuracy: rep.accuracy, accuracyChanceCorrected: chanceCorrected(rep.accuracy, rep.chance), mostFrequentAnswer: Math.max(...counts.values()) / rows.length,
    reflectionShare: m.reflectionShare, recoveryRate: Number.isFinite(m.recoveryRate) ? m.recoveryRate : null, firstError: m.firstError,
    seconds: (Date.now() - t0) / 1000, date: new Date().toISOString(),
  };
  appendJsonl(a.out!, row);
  process.stderr.write(`[${name}] op ${op}: ${(100 * rep.accuracy).toFixed(1)} % (chance-corrected ${(100 * row.accuracyChanceCorrected).toFixed(1)} %)\n`);
}
