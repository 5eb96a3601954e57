// Does RL move the needle? (docs/regime.md, GRPO check) GRPO from a finished regime-study SFT arm on fresh problems of
// the arm's SFT op range, then greedy accuracy before and after on the arm's own ID and OOD test sets (the same
// problems: an exact McNemar test on the paired outcomes), the reward curve and the α histogram of the first and last
// steps. One JSON line per arm appends to docs/grpo-check.jsonl; a rerun resumes the GRPO run and re-evaluates.
//
//   npx tsx bench/grpo-check.ts --arm op4-nodistract-vanilla-base-R-s1 [--steps 60 --prompts 16 --group 8 --lr 1e-4]
//                                [--beta 0 --entropy 0]   (KL and entropy coefficients; both 0 = zero-advantage rollouts skipped)
//                                [--extra-ood 5]          (also before/after on bench/regime-sets.ts's 500 forced op-5 problems)
//   npx tsx bench/grpo-check.ts --report     (docs/grpo-check.md from the rows)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { appendJsonl, readJsonl, writeFileAtomic } from '../src/fsutil';
import { generateSplit, splitManifest, toJsonl } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import type { ProblemRow } from '../src/igsm/types';
import { initBackend } from '../src/model/backend';
import { disposeTransformer } from '../src/model/transformer';
import { pairedMcnemar } from '../src/report/stats';
import { writeDataDir } from '../src/train/data';
import { evaluate, GREEDY } from '../src/train/evaluate';
import { GRPO_PRESETS, grpoConfig } from '../src/train/grpo-config';
import { runGrpo, type GrpoMetrics } from '../src/train/grpo';
import type { StudyConfig } from './learnability';
import { extraOodSet } from './regime-sets';
import { loadModel } from '../src/model/load';

const { values: a } = parseArgs({
  options: {
    arm: { type: 'string' },
    work: { type: 'string', default: 'runs/regime' },
    steps: { type: 'string' },
    prompts: { type: 'string' },
    group: { type: 'string' },
    lr: { type: 'string' },
    beta: { type: 'string' },
    entropy: { type: 'string' },
    'extra-ood': { type: 'string' },
    out: { type: 'string', default: 'docs/grpo-check.jsonl' },
    report: { type: 'boolean', default: false },
  },
});

interface CheckRow {
  arm: string;
  grpo: { steps: number; promptsPerStep: number; groupSize: number; lr: number; beta: number; entropyCoef?: number; rollouts: number };
  before: { id: number; ood: number };
  after: { id: number; ood: number };
  /** Share of greedy ID completions with a "not yet" step, before and after (src/train/mechanism.ts). */
  reflection?: { before: number; after: number };
  /** Before/after on bench/regime-sets.ts's forced-op set (--extra-ood). */
  extra?: { op: number; before: number; after: number; mcnemar: { n: number; b: number; c: number; p: number } };
  mcnemar: Record<'id' | 'ood', { n: number; b: number; c: number; p: number }>;
  reward: number[];
  informative: number[];
  informativeAboveGuess: number[];
  kl: number[];
  alphaHist: { first: Record<string, number>; last: Record<string, number> };
  grpoSeconds: number;
}

/** docs/grpo-check.md: one row per GRPO check, then the α histograms. */
function renderReport(rows: readonly CheckRow[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const tenth = (xs: number[], last: boolean) => {
    const k = Math.max(1, Math.round(xs.length / 10));
    const part = last ? xs.slice(-k) : xs.slice(0, k);
    return part.reduce((s, x) => s + x, 0) / part.length;
  };
  const out = [
    '# GRPO check',
    '',
    'Produced by `npx tsx bench/grpo-check.ts --arm ARM [--steps S --lr LR]` (rows: `docs/grpo-check.jsonl`; this page: `--report`).',
    'GRPO (the default preset: T = 1, ε = 0.2, one update per step; β (KL) and the entropy bonus 0.001 unless the row says otherwise) from a finished regime-study SFT arm on fresh',
    "problems of the arm's SFT op range; greedy accuracy before and after on the arm's own 500 ID + 500 OOD test problems",
    '(b = right before only, c = right after only; exact two-sided McNemar p). Reward, informative share (0 < α < 1) and',
    'the share above the guessing level are means over the first and the last tenth of the steps; KL at the last step.',
    '',
    '| arm | steps × prompts × group (rollouts) | lr | β / entropy | reward first → last | informative → | above guessing → | KL end | ID before → after (b / c, p) | OOD before → after (b / c, p) | extra OOD set before → after (b / c, p) | ID reflections before → after | GRPO minutes |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const g = r.grpo;
    out.push(
      `| ${r.arm} | ${g.steps} × ${g.promptsPerStep} × ${g.groupSize} (${g.rollouts.toLocaleString('en')}) | ${g.lr} | ${g.beta} / ${g.entropyCoef ?? 0.001} | ${tenth(r.reward, false).toFixed(3)} → ${tenth(r.reward, true).toFixed(3)} | ` +
        `${pct(tenth(r.informative, false))} → ${pct(tenth(r.informative, true))} | ${pct(tenth(r.informativeAboveGuess, false))} → ${pct(tenth(r.informativeAboveGuess, true))} | ${g.beta === 0 ? '– (β = 0)' : r.kl.at(-1)!.toFixed(4)} | ` +
        `${pct(r.before.id)} → ${pct(r.after.id)} (${r.mcnemar.id.b} / ${r.mcnemar.id.c}, ${r.mcnemar.id.p.toPrecision(2)}) | ${pct(r.before.ood)} → ${pct(r.after.ood)} (${r.mcnemar.ood.b} / ${r.mcnemar.ood.c}, ${r.mcnemar.ood.p.toPrecision(2)}) | ${r.extra ? `op ${r.extra.op}: ${pct(r.extra.before)} → ${pct(r.extra.after)} (${r.extra.mcnemar.b} / ${r.extra.mcnemar.c}, ${r.extra.mcnemar.p.toPrecision(2)})` : '–'} | ${r.reflection ? `${pct(r.reflection.before)} → ${pct(r.reflection.after)}` : '–'} | ${(r.grpoSeconds / 60).toFixed(1)} |`,
    );
  }
  const bins = Object.keys(rows[0]?.alphaHist.first ?? {});
  out.push('', '## α histograms (groups of the first and the last tenth of the steps)', '', `| arm | lr | steps | when | ${bins.join(' | ')} |`, `|---|---|---|---|${bins.map(() => '---').join('|')}|`);
  for (const r of rows) {
    for (const when of ['first', 'last'] as const) out.push(`| ${r.arm} | ${r.grpo.lr} | ${r.grpo.steps} | ${when} | ${bins.map((b) => r.alphaHist[when][b] ?? 0).join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}

if (a.report) {
  writeFileAtomic('docs/grpo-check.md', renderReport(readJsonl<CheckRow>(String(a.out))));
  process.exit(0);
}
if (!a.arm) throw new Error('--arm NAME (a finished arm of bench/regime.ts) is required');
const dir = path.join(a.work, a.arm);
const row = readJsonl<{ name: string; config: StudyConfig }>('docs/regime.jsonl').find((r) => r.name === a.arm);
if (!row || !fs.existsSync(path.join(dir, 'run', 'final'))) throw new Error(`--arm ${a.arm}: no finished regime arm in docs/regime.jsonl and ${dir}/run/final`);
const c = row.config;
// the GRPO default preset, with the budget flags through the schema's bounds
const cfg = grpoConfig({
  ...GRPO_PRESETS.default,
  evalEvery: 0,
  seed: c.seed,
  ...(a.steps ? { steps: Number(a.steps) } : {}),
  ...(a.prompts ? { promptsPerStep: Number(a.prompts) } : {}),
  ...(a.group ? { groupSize: Number(a.group) } : {}),
  ...(a.lr ? { lr: Number(a.lr) } : {}),
  ...(a.beta ? { beta: Number(a.beta) } : {}),
  ...(a.entropy ? { entropyCoef: Number(a.entropy) } : {}),
});
const coefTag = cfg.beta === GRPO_PRESETS.default.beta && cfg.entropyCoef === GRPO_PRESETS.default.entropyCoef ? '' : `-b${cfg.beta}-e${cfg.entropyCoef}`;
const tag = `grpo-s${cfg.steps}-p${cfg.promptsPerStep}-g${cfg.groupSize}-lr${cfg.lr}${coefTag}`;
const read = (name: string) => readJsonl<ProblemRow>(path.join(dir, name, 'problems.jsonl'));
const extraOp = a['extra-ood'] ? Number(a['extra-ood']) : null;
const tests: Record<string, ProblemRow[]> = { id: read('test-id'), ood: read('test-ood'), ...(extraOp ? { [`ood${extraOp}`]: extraOodSet(c, extraOp, 500) } : {}) };

// RL prompts: fresh problems of the SFT op range and question form, none of them a test or SFT problem
const nRl = cfg.steps * cfg.promptsPerStep;
const rlDir = path.join(dir, `rl-${nRl}`);
if (!fs.existsSync(path.join(rlDir, 'manifest.json'))) {
  const seen = new Set([...tests.id, ...tests.ood, ...read('sft')].map((r) => r.query));
  const spec = { name: 'rl', n: nRl, gen: validateGenConfig({ minOps: c.ops[0], maxOps: c.ops[1], arith: c.arith, redundantQuery: c.distractors ?? true }), seed: 600 + c.seed, surface: c.surface };
  const { rows, counts } = generateSplit(spec, { seen });
  writeDataDir(rlDir, toJsonl(rows), splitManifest(spec, 'vanilla', counts));
}

await initBackend();
const outcomes = (ckDir: string) => {
  const { model, tok } = loadModel(ckDir);
  const res = Object.fromEntries(
    Object.keys(tests).map((k) => {
      const r = evaluate(model, tok, tests[k], { ...GREEDY, batchSize: 50 });
      return [k, { accuracy: r.accuracy, right: new Map(r.completions.map((x) => [x.id, x.reward > 0])), reflection: r.mechanism.withReflection / r.mechanism.rollouts }];
    }),
  ) as Record<string, { accuracy: number; right: Map<string, boolean>; reflection: number }>;
  disposeTransformer(model);
  return res;
};
const t0 = Date.now();
const before = outcomes(path.join(dir, 'run', 'final'));
const runDir = path.join(dir, tag);
const res = await runGrpo({ init: path.join(dir, 'run', 'final'), data: rlDir, out: runDir, config: cfg, resume: fs.existsSync(runDir), progress: false });
const after = outcomes(path.join(runDir, 'final'));
const metrics = readJsonl<GrpoMetrics>(path.join(runDir, 'metrics.jsonl'));
const k = Math.max(1, Math.round(metrics.length / 10)); // α histograms pooled over the first and last tenth of the steps
const pool = (ms: GrpoMetrics[]) => {
  const h: Record<string, number> = {};
  for (const m of ms) for (const [bin, n] of Object.entries(m.alpha_hist)) h[bin] = (h[bin] ?? 0) + n;
  return h;
};
const line = {
  arm: a.arm,
  grpo: { steps: cfg.steps, promptsPerStep: cfg.promptsPerStep, groupSize: cfg.groupSize, lr: cfg.lr, beta: cfg.beta, entropyCoef: cfg.entropyCoef, rollouts: cfg.steps * cfg.promptsPerStep * cfg.groupSize },
  before: { id: before.id.accuracy, ood: before.ood.accuracy },
  after: { id: after.id.accuracy, ood: after.ood.accuracy },
  reflection: { before: before.id.reflection, after: after.id.reflection },
  ...(extraOp ? { extra: { op: extraOp, before: before[`ood${extraOp}`].accuracy, after: after[`ood${extraOp}`].accuracy, mcnemar: pairedMcnemar(before[`ood${extraOp}`].right, after[`ood${extraOp}`].right) } } : {}),
  mcnemar: { id: pairedMcnemar(before.id.right, after.id.right), ood: pairedMcnemar(before.ood.right, after.ood.right) },
  reward: metrics.map((m) => +m.reward.toFixed(4)),
  informative: metrics.map((m) => +m.frac_informative.toFixed(3)),
  informativeAboveGuess: metrics.map((m) => +m.frac_informative_above_guess.toFixed(3)),
  kl: metrics.map((m) => +m.kl.toFixed(5)),
  alphaHist: { first: pool(metrics.slice(0, k)), last: pool(metrics.slice(-k)) },
  grpoSeconds: res.seconds,
  seconds: (Date.now() - t0) / 1000,
  load1: os.loadavg()[0],
  date: new Date().toISOString(),
};
appendJsonl(String(a.out), line);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
console.error(
  `[${a.arm}] ${line.grpo.rollouts} rollouts: ID ${pct(line.before.id)} → ${pct(line.after.id)} (McNemar p = ${line.mcnemar.id.p.toPrecision(3)}), ` +
    `OOD ${pct(line.before.ood)} → ${pct(line.after.ood)} (p = ${line.mcnemar.ood.p.toPrecision(3)})`,
);
