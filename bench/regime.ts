// The regime study (docs/regime.md): SFT from a base model on the paper's protocol (2,000 problems whose op range tops
// at the ID op; OOD op above it; Vanilla and BRIDGE built from the same problems), greedy ID/OOD accuracy raw and
// chance-corrected, and the text statistics of the SFT data (BRIDGE/Vanilla answer tokens, share of BRIDGE answers with
// a reflection). Each arm runs through bench/learnability.ts's runStudyConfig; rows append to docs/regime.jsonl
// (finished arms are skipped on a rerun) and docs/regime-arms.md is rebuilt from them (docs/regime.md discusses them).
//
//   npx tsx bench/regime.ts [--only NAME[,NAME…]] [--list]
import path from 'node:path';
import { readJsonl } from '../src/fsutil';
import { chanceAccuracy, chanceCorrected } from '../src/train/alpha';
import { canonicalTokenizer } from '../src/text/vocab';
import type { ProblemRow } from '../src/igsm/types';
import { runStudyCli, type StudyConfig, type StudyResult } from './learnability';

interface RegimeArm extends StudyConfig {
  /** Why this arm was run (one line, shown in the table). */
  why: string;
}

const WORK = 'runs/regime';
const SFT_DEFAULT = { n: 2000, batchSize: 8, lossOn: 'response' as const, workers: 2, testN: 200, surface: 'compact' as const, arith: 'mod23' as const, pos: 'rope' as const };

const BASE_E = 'runs/base-study/d64L4-op1-6-nodistract-response-b8-lr5e-3/run/final';
/** The regime's base model: `bridge pretrain --preset regime` (its recipe in the directory). */
const BASE_R = 'data/models/base-op1-8-nodistract';
/** The second regime base model: the same recipe on twice the corpus (`--n 480000`). */
const BASE_R480 = 'data/models/base-op1-8-nodistract-480k';
const OP4 = { ...SFT_DEFAULT, ops: [4, 4] as [number, number], oodOps: 6, distractors: false, variant: 'vanilla' as const, epochs: 6, lr: 2e-3, seed: 1, workers: 1, testN: 500, model: { d: 64, layers: 4, heads: 4, ctx: 512 } };

/** The arms, in the order they were run. Add rows; never edit a finished one (results are keyed by name). */
export const ARMS: RegimeArm[] = [
  // does a base model lift SFT? the same SFT from the no-distractor base (op 3 skill 15 % chain / 24 % per step at
  // 2 M tokens, docs/base-model-study.md) and from scratch, paired problems and test sets
  { ...OP4, name: 'op4-nodistract-vanilla-base-E', init: BASE_E, why: 'SFT from base model E (no distractors, 2.95 M tokens)' },
  { ...OP4, name: 'op4-nodistract-vanilla-scratch', init: 'scratch', why: 'the same SFT from scratch (control)' },
  // both undertrained at 6 epochs (base 11.0 %, scratch 8.6 % ID): the learnability default exactly (op 3, 14 epochs,
  // lr 5e-3, 2 workers, its seed-1 problems and 200 test problems), from base E — its scratch twin is the learnability
  // study's row compact-mod23-op3-nodistract-d64L4-b8-lr5e-3-14ep-rope-w2 (22.5 % ID / 4.0 % OOD)
  { ...SFT_DEFAULT, name: 'op3-nodistract-vanilla-base-E-14ep', ops: [3, 3], oodOps: 5, distractors: false, variant: 'vanilla', epochs: 14, lr: 5e-3, seed: 1, workers: 2, testN: 200, model: { d: 64, layers: 4, heads: 4, ctx: 512 }, init: BASE_E, why: 'the learnability default from base model E' },
  // the SFT budget for the regime's base model, fixed before that base existed: 12 epochs at lr 3e-3 (twice the steps
  // of the op-4 arms above; a pilot of it from base F was stopped unfinished to give the base run the cores)
  ...[1, 2, 3].flatMap((seed) =>
    (['vanilla', 'bridge'] as const).map((variant) => ({
      ...OP4, name: `op4-nodistract-${variant}-base-R-s${seed}`, init: BASE_R, variant, seed, epochs: 12, lr: 3e-3, workers: 2,
      why: `the regime base model (data/models/base-op1-8-nodistract), ${variant === 'vanilla' ? 'Vanilla' : 'BRIDGE'}, seed ${seed}`,
    })),
  ),
  { ...OP4, name: 'op4-nodistract-vanilla-scratch-12ep-s1', init: 'scratch', seed: 1, epochs: 12, lr: 3e-3, workers: 2, why: 'the same SFT from scratch (control of seed 1)' },
  // the same SFT (unchanged budget) from the second regime base model: twice the corpus (480,000 problems, 45 M tokens);
  // one worker per arm, two arms at a time (two processes scale better than two data-parallel workers)
  ...[1, 2, 3].flatMap((seed) =>
    (['vanilla', 'bridge'] as const).map((variant) => ({
      ...OP4, name: `op4-nodistract-${variant}-base-R480-s${seed}`, init: BASE_R480, variant, seed, epochs: 12, lr: 3e-3, workers: 1,
      why: `the regime base model of 480,000 problems (data/models/base-op1-8-nodistract-480k), ${variant === 'vanilla' ? 'Vanilla' : 'BRIDGE'}, seed ${seed}`,
    })),
  ),
];

interface RegimeResult extends StudyResult {
  why: string;
  /** Mean answer tokens of the arm's SFT data. */
  answerTokens: number;
  /** Share of the SFT answers with at least one reflection. */
  reflectionShare: number;
}

function sftTextStats(dir: string): { answerTokens: number; reflectionShare: number } {
  const rows = readJsonl<ProblemRow>(path.join(dir, 'sft', 'problems.jsonl'));
  const tok = canonicalTokenizer('mod23');
  return {
    answerTokens: rows.reduce((s, r) => s + tok.encode(r.response).length, 0) / rows.length,
    reflectionShare: rows.filter((r) => (r.trace?.reflections ?? 0) > 0).length / rows.length,
  };
}

export function renderRegime(results: readonly RegimeResult[]): string {
  const c = chanceAccuracy('mod23');
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines = [
    '# Regime study: SFT arms',
    '',
    'Produced by `npx tsx bench/regime.ts` (raw rows: `docs/regime.jsonl`); the base models come from',
    '`bench/base-model-study.ts` (`docs/base-model-study.jsonl`). Greedy accuracy on each arm\'s forced-op test problems',
    '("test n" per split; ID = the top op of the SFT range, OOD = the op given), raw and chance-corrected',
    '((acc − c)/(1 − c), c = 1/23).',
    'Answer tokens are the mean over the arm\'s 2,000 SFT answers; "reflections" the share of them with at least one.',
    '',
    '| arm | why | init | variant | SFT ops | OOD op | distractors | model | lr / batch × epochs | seed | test n | ID acc | ID cc | OOD acc | OOD cc | answer tokens | reflections | SFT time |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const a = r.config;
    lines.push(
      `| ${a.name} | ${r.why} | ${a.init === 'scratch' ? 'scratch' : a.init.startsWith('data/models/') ? path.basename(a.init) : path.basename(path.dirname(path.dirname(a.init)))} | ${a.variant} | ${a.ops[0]}–${a.ops[1]} | ${a.oodOps} | ${a.distractors === false ? 'no' : 'yes'} | d${a.model.d} L${a.model.layers} | ${a.lr} / ${a.batchSize} × ${a.epochs} | ${a.seed} | ${a.testN} | ${pct(r.idAccuracy)} | ${pct(chanceCorrected(r.idAccuracy, c))} | ${pct(r.oodAccuracy)} | ${pct(chanceCorrected(r.oodAccuracy, c))} | ${r.answerTokens.toFixed(1)} | ${pct(r.reflectionShare)} | ${(r.sftSeconds / 60).toFixed(1)} min |`,
    );
  }
  return lines.join('\n') + '\n';
}

const main = () =>
  runStudyCli({
    arms: ARMS,
    resultsFile: 'docs/regime.jsonl',
    work: WORK,
    page: 'docs/regime-arms.md',
    row: (a, r): RegimeResult => ({ ...r, why: a.why, ...sftTextStats(path.join(WORK, a.name)) }),
    render: renderRegime,
  });

main().catch((err) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
});

export { SFT_DEFAULT };
