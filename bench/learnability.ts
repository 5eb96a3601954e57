// The learnability study (docs/learnability.md): which surface, arithmetic, op range, model size, base model and SFT
// budget put a small model trained on 2 CPU cores in the paper's regime (Vanilla SFT 20–70 % greedy ID, > 0 but lower
// OOD)? Each configuration: generate SFT / test-ID / test-OOD splits, SFT, greedy evaluation. Results append to
// docs/learnability.jsonl (finished configurations are skipped on a rerun) and docs/learnability.md is rebuilt.
//
//   npx tsx bench/learnability.ts [--only NAME[,NAME…]] [--list]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSplit, toJsonl } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import type { Arith, Surface } from '../src/igsm/types';
import { injectRow, resolveVariant } from '../src/inject';
import { Rng } from '../src/rng';
import { appendJsonl, readJsonl, writeFileAtomic } from '../src/fsutil';
import { initBackend } from '../src/model/backend';
import { disposeTransformer } from '../src/model/transformer';
import { paramCount, modelConfig } from '../src/model/config';
import { runSft } from '../src/train/sft';
import { SFT_PRESETS, sftConfig, type SftConfig } from '../src/train/sft-config';
import { evaluate, GREEDY } from '../src/train/evaluate';
import { loadModel } from '../src/model/load';

export interface StudyConfig {
  name: string;
  surface: Surface;
  arith: Arith;
  /** SFT op range; ID test = forced max, OOD test = forced oodOps. */
  ops: [number, number];
  oodOps: number;
  n: number;
  variant: 'vanilla' | 'bridge';
  /** 'scratch' or a checkpoint directory. */
  init: string;
  /** Stage-5 distractor (redundant) sentences in the query (default true, as the paper). */
  distractors?: boolean;
  testN: number;
  // the SFT settings an arm varies, typed and validated by the SFT config (src/train/sft-config.ts); the rest come
  // from SFT_PRESETS.default and the schema's defaults (runStudyConfig)
  epochs: SftConfig['epochs'];
  model: Pick<SftConfig['model'], 'd' | 'layers' | 'heads' | 'ctx'>;
  /** Position encoding (arms before the RoPE finding used learned positions). */
  pos?: SftConfig['model']['pos'];
  lr: SftConfig['schedule']['lr'];
  lossOn: SftConfig['lossOn'];
  batchSize: SftConfig['batchSize'];
  seed: SftConfig['seed'];
  workers: SftConfig['workers'];
}

const BASE = 'data/models';
const DEFAULTS: Omit<StudyConfig, 'name'> = {
  surface: 'compact',
  arith: 'mod23',
  ops: [5, 10],
  oodOps: 13,
  n: 2000,
  epochs: 3,
  variant: 'vanilla',
  init: 'scratch',
  model: { d: 128, layers: 4, heads: 4, ctx: 512 },
  lr: 2e-3,
  lossOn: 'all',
  batchSize: 32,
  seed: 1,
  workers: 2,
  testN: 200,
};

/** The grid, in the order it was run. Add rows; never edit a finished one (its results are keyed by name). */
export const STUDY: StudyConfig[] = [
  { ...DEFAULTS, name: 'compact-mod23-op5-10-scratch' },
  { ...DEFAULTS, name: 'compact-mod23-op5-10-base', init: `${BASE}/base-mod23-compact` },
  { ...DEFAULTS, name: 'compact-exact-op5-10-base', arith: 'exact', init: `${BASE}/base-exact-compact` },
  { ...DEFAULTS, name: 'compact-mod23-op15-20-base', ops: [15, 20], oodOps: 25, init: `${BASE}/base-mod23-compact`, epochs: 2 },
  { ...DEFAULTS, name: 'compact-mod23-op5-10-base-bridge', init: `${BASE}/base-mod23-compact`, variant: 'bridge' },
  { ...DEFAULTS, name: 'compact-mod23-op3-6-scratch-response', ops: [3, 6], oodOps: 8, lossOn: 'response', epochs: 4 },
  { ...DEFAULTS, name: 'compact-mod23-op3-6-base-response', ops: [3, 6], oodOps: 8, lossOn: 'response', epochs: 4, init: `${BASE}/base-mod23-compact` },
  // more optimizer steps: the copy/induction behaviour appears only after a few hundred updates (see the tiny SFT test)
  { ...DEFAULTS, name: 'compact-mod23-op3-6-base-response-8ep-b16', ops: [3, 6], oodOps: 8, lossOn: 'response', epochs: 8, batchSize: 16, lr: 3e-3, init: `${BASE}/base-mod23-compact` },
  { ...DEFAULTS, name: 'compact-mod23-op2-4-base-response-6ep-lr3e-3', ops: [2, 4], oodOps: 6, lossOn: 'response', epochs: 6, lr: 3e-3, init: `${BASE}/base-mod23-compact` },
  // thousands of small, high-lr steps instead of a few hundred large ones (1 worker each: two arms share the 2 cores)
  { ...DEFAULTS, name: 'compact-mod23-op2-4-scratch-d64L2-b8-lr1e-2', ops: [2, 4], oodOps: 6, lossOn: 'response', epochs: 8, batchSize: 8, lr: 1e-2, model: { d: 64, layers: 2, heads: 2, ctx: 512 }, workers: 1 },
  { ...DEFAULTS, name: 'compact-mod23-op2-4-scratch-d96L3-b8-lr5e-3', ops: [2, 4], oodOps: 6, lossOn: 'response', epochs: 4, batchSize: 8, lr: 5e-3, model: { d: 96, layers: 3, heads: 4, ctx: 512 }, workers: 1 },
  // diagnosis (bench/_copy.ts): learned absolute positions never learn to copy once positions spread over ~200 slots; RoPE does in ~250 steps
  { ...DEFAULTS, name: 'compact-mod23-op2-4-scratch-d64L2-b8-lr1e-2-rope', pos: 'rope', ops: [2, 4], oodOps: 6, lossOn: 'response', epochs: 8, batchSize: 8, lr: 1e-2, model: { d: 64, layers: 2, heads: 2, ctx: 512 }, workers: 1 },
  { ...DEFAULTS, name: 'compact-mod23-op2-4-scratch-d96L3-b8-lr5e-3-rope', pos: 'rope', ops: [2, 4], oodOps: 6, lossOn: 'response', epochs: 4, batchSize: 8, lr: 5e-3, model: { d: 96, layers: 3, heads: 4, ctx: 512 }, workers: 1 },
  // RoPE copies, but op-4 problems are only 1/9 of an op 2–4 set (min of two uniform draws) and values are mis-retrieved: try op 1–3
  { ...DEFAULTS, name: 'compact-mod23-op1-3-scratch-d64L2-b8-lr1e-2-rope', pos: 'rope', ops: [1, 3], oodOps: 5, lossOn: 'response', epochs: 8, batchSize: 8, lr: 1e-2, model: { d: 64, layers: 2, heads: 2, ctx: 512 }, workers: 1 },
  { ...DEFAULTS, name: 'compact-mod23-op1-3-scratch-d64L2-b8-lr1e-2-rope-bridge', variant: 'bridge', pos: 'rope', ops: [1, 3], oodOps: 5, lossOn: 'response', epochs: 8, batchSize: 8, lr: 1e-2, model: { d: 64, layers: 2, heads: 2, ctx: 512 }, workers: 1 },
  // op 1–3 answers stop after one step: with min-of-two-uniform op counts, 5/9 of the SFT problems have one op and the ID op
  // (3) only 1/9. A single-op-count range puts every SFT problem at the ID op
  { ...DEFAULTS, name: 'compact-mod23-op3-scratch-d64L2-b8-lr1e-2-rope', pos: 'rope', ops: [3, 3], oodOps: 5, lossOn: 'response', epochs: 8, batchSize: 8, lr: 1e-2, model: { d: 64, layers: 2, heads: 2, ctx: 512 }, workers: 1 },
  { ...DEFAULTS, name: 'compact-mod23-op3-scratch-d64L2-b8-lr1e-2-rope-bridge', variant: 'bridge', pos: 'rope', ops: [3, 3], oodOps: 5, lossOn: 'response', epochs: 8, batchSize: 8, lr: 1e-2, model: { d: 64, layers: 2, heads: 2, ctx: 512 }, workers: 1 },
  // the op-3 model copies but picks the wrong line among ~12 (wrong leaf, a value from another line): without the
  // distractor sentences the query states only what the answer needs (a task change, reported as such)
  { ...DEFAULTS, name: 'compact-mod23-op3-nodistract-d64L2-b8-lr1e-2-rope', distractors: false, pos: 'rope', ops: [3, 3], oodOps: 5, lossOn: 'response', epochs: 8, batchSize: 8, lr: 1e-2, model: { d: 64, layers: 2, heads: 2, ctx: 512 }, workers: 1 },
  { ...DEFAULTS, name: 'compact-mod23-op4-nodistract-d64L2-b8-lr1e-2-rope', distractors: false, pos: 'rope', ops: [4, 4], oodOps: 6, lossOn: 'response', epochs: 8, batchSize: 8, lr: 1e-2, model: { d: 64, layers: 2, heads: 2, ctx: 512 }, workers: 1 },
  // without distractors 13.5 % (op 3): errors now mix the parts of entity names and miss implicit (category) nodes — more capacity
  { ...DEFAULTS, name: 'compact-mod23-op3-nodistract-d128L4-b8-lr3e-3-rope', distractors: false, pos: 'rope', ops: [3, 3], oodOps: 5, lossOn: 'response', epochs: 4, batchSize: 8, lr: 3e-3, model: { d: 128, layers: 4, heads: 4, ctx: 512 }, workers: 1 },
  { ...DEFAULTS, name: 'compact-mod23-op3-nodistract-d64L4-b8-lr5e-3-rope', distractors: false, pos: 'rope', ops: [3, 3], oodOps: 5, lossOn: 'response', epochs: 8, batchSize: 8, lr: 5e-3, model: { d: 64, layers: 4, heads: 4, ctx: 512 }, workers: 1 },
  // 4 layers beat 2 (18 % at 8 epochs): the same with 10 epochs, Vanilla and BRIDGE on the same footing
  { ...DEFAULTS, name: 'compact-mod23-op3-nodistract-d64L4-b8-lr5e-3-10ep-rope', distractors: false, pos: 'rope', ops: [3, 3], oodOps: 5, lossOn: 'response', epochs: 10, batchSize: 8, lr: 5e-3, model: { d: 64, layers: 4, heads: 4, ctx: 512 }, workers: 1 },
  { ...DEFAULTS, name: 'compact-mod23-op3-nodistract-d64L4-b8-lr5e-3-10ep-rope-bridge', variant: 'bridge', distractors: false, pos: 'rope', ops: [3, 3], oodOps: 5, lossOn: 'response', epochs: 10, batchSize: 8, lr: 5e-3, model: { d: 64, layers: 4, heads: 4, ctx: 512 }, workers: 1 },
  // 10 epochs on one core left Vanilla at 19.0 % over 3 seeds: the same on both cores (two data-parallel workers) with
  // the epochs that fit the 10-minute budget
  { ...DEFAULTS, name: 'compact-mod23-op3-nodistract-d64L4-b8-lr5e-3-14ep-rope-w2', distractors: false, pos: 'rope', ops: [3, 3], oodOps: 5, lossOn: 'response', epochs: 14, batchSize: 8, lr: 5e-3, model: { d: 64, layers: 4, heads: 4, ctx: 512 }, workers: 2 },
  { ...DEFAULTS, name: 'compact-mod23-op3-nodistract-d64L4-b8-lr5e-3-14ep-rope-w2-bridge', variant: 'bridge', distractors: false, pos: 'rope', ops: [3, 3], oodOps: 5, lossOn: 'response', epochs: 14, batchSize: 8, lr: 5e-3, model: { d: 64, layers: 4, heads: 4, ctx: 512 }, workers: 2 },
];

/** The chosen default configuration: Vanilla and BRIDGE over seeds 1–3 (seed 1 is the arm itself). */
export const DEFAULT_ARM = 'compact-mod23-op3-nodistract-d64L4-b8-lr5e-3-14ep-rope-w2';
/** The candidate before it (one core, 10 epochs: Vanilla 19.0 % ID), kept with its seeds for comparison. */
export const PREVIOUS_ARM = 'compact-mod23-op3-nodistract-d64L4-b8-lr5e-3-10ep-rope';
export const DEFAULT_SEEDS = [1, 2, 3];
for (const arm of [PREVIOUS_ARM, DEFAULT_ARM]) {
  for (const name of [arm, `${arm}-bridge`]) {
    const base = STUDY.find((c) => c.name === name)!;
    for (const seed of DEFAULT_SEEDS.slice(1)) STUDY.push({ ...base, name: `${name}-s${seed}`, seed });
  }
}

export interface StudyResult {
  name: string;
  config: StudyConfig;
  params: number;
  sftSeconds: number;
  sftTokens: number;
  finalLoss: number;
  idAccuracy: number;
  oodAccuracy: number;
  idTokens: number;
  evalSeconds: number;
  /** 1-minute load average when the arm finished (> 2 means other jobs shared the two cores). */
  load1?: number;
  date: string;
}

function split(dir: string, name: string, c: StudyConfig, n: number, ops: [number, number], force: boolean, seed: number, seen: Set<string>) {
  const gen = validateGenConfig({ minOps: ops[0], maxOps: ops[1], force, arith: c.arith, redundantQuery: c.distractors ?? true });
  const { rows } = generateSplit({ name, n, gen, seed, surface: c.surface }, { seen });
  const out = c.variant === 'vanilla' || name !== 'sft' ? rows : rows.flatMap((r) => injectRow(r, resolveVariant(c.variant), new Rng(seed).fork(r.id)));
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, 'problems.jsonl'), toJsonl(out));
  return out;
}

export async function runStudyConfig(c: StudyConfig, work: string): Promise<StudyResult> {
  const dir = path.join(work, c.name);
  // data seeds are shared by every configuration with the same task, so arms differ only in what they vary;
  // the test sets come first and no SFT problem repeats a test query
  const seen = new Set<string>();
  const id = split(path.join(dir, 'test-id'), 'test-id', c, c.testN, [c.ops[1], c.ops[1]], true, 400, seen);
  const ood = split(path.join(dir, 'test-ood'), 'test-ood', c, c.testN, [c.oodOps, c.oodOps], true, 500, seen);
  split(path.join(dir, 'sft'), 'sft', c, c.n, c.ops, false, 100 + c.seed, seen);
  // every arm: the default preset's cosine schedule and checkpoint interval, the schema's MLP; the arm's own settings
  const preset = sftConfig(SFT_PRESETS.default);
  const cfg = sftConfig({
    epochs: c.epochs,
    batchSize: c.batchSize,
    schedule: { ...preset.schedule, lr: c.lr },
    seed: c.seed,
    lossOn: c.lossOn,
    workers: c.workers,
    model: { ...preset.model, ...c.model, pos: c.pos ?? 'learned' },
    checkpointEvery: preset.checkpointEvery,
  });
  const sft = await runSft({ data: path.join(dir, 'sft'), init: c.init, out: path.join(dir, 'run'), config: cfg, resume: true });
  const { model, tok, ck } = loadModel(path.join(dir, 'run', 'final'));
  const t0 = Date.now();
  const rid = evaluate(model, tok, id, { ...GREEDY, batchSize: 50 });
  const rood = evaluate(model, tok, ood, { ...GREEDY, batchSize: 50 });
  disposeTransformer(model);
  return {
    name: c.name,
    config: c,
    params: paramCount(modelConfig({ ...ck.config })),
    sftSeconds: sft.seconds,
    sftTokens: sft.tokensSeen,
    finalLoss: sft.finalLoss,
    idAccuracy: rid.accuracy,
    oodAccuracy: rood.accuracy,
    idTokens: rid.meanTokens,
    evalSeconds: (Date.now() - t0) / 1000,
    load1: os.loadavg()[0],
    date: new Date().toISOString(),
  };
}

export function renderTable(results: readonly StudyResult[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines = [
    '# Learnability study',
    '',
    'Produced by `npx tsx bench/learnability.ts` (raw rows: `docs/learnability.jsonl`). Greedy accuracy on 200 forced-op',
    'test problems each: ID = the top op of the SFT range, OOD = the higher op given. Times are wall clock on the 2-core',
    'machine with the given number of SFT workers; other jobs often shared the cores ("load" = 1-minute load average at the',
    'end, – where not recorded). Chance level in mod 23 is about 4.3 %. Arms with init `base-mod23-compact` used the base',
    'model as first shipped (weights sha256 3b99fb9a…); it was rebuilt from its unchanged recipe after later kernel changes',
    '(same data, initialisation and step-0 loss; final loss 2.0072 vs 2.0048 from float drift) and the rebuild is shipped now.',
    '',
    '**Where it stands.** The default (section at the end: op 3, no distractor sentences, RoPE, d64 × 4 layers, 14 epochs',
    'on two data-parallel workers) reaches the lower edge of the target regime: Vanilla\'s mean ID accuracy over three',
    'seeds is just above 20 % (one seed just below), OOD is above 0 and lower, each SFT takes under 10 minutes on the 2',
    'cores, and BRIDGE is measured on the same footing (equal ID, slightly higher OOD). The previous candidate (10 epochs on',
    'one core) is kept below it. With the paper\'s distractor sentences no arm got past 12 %. What the arms showed, in order:',
    '',
    '1. With learned absolute positions every arm stayed at chance. `npx tsx bench/token-loss.ts` on an op 2–4 model shows why:',
    '   the loss on *letter uses* (copies such as "as d. d") stays at ≈ ln 52, i.e. the model never learned to copy.',
    '   `npx tsx bench/copy-positions.ts` isolates it: a 2-layer d64 model copies a random 8-token span at a random offset',
    '   in [0, 40] within 400 steps, but not at offsets in [0, 180] (the spread of the SFT data) — unless it uses RoPE.',
    '2. With RoPE (`pos: rope`, now the SFT default) the response loss falls from ≈ 1.1 to ≈ 0.3–0.5 and copying works, but',
    '   greedy accuracy at the ID op stays at 6–12 %: the model picks the wrong leaf among ~12 stated quantities and copies',
    '   values from the wrong line. With op 1–3 the SFT set is 61 % one-op problems (op counts are the min of two uniform',
    '   draws) and the model answers after one step; an op-3-only set fixes that, not the retrieval errors.',
    '3. Without the distractor sentences (`bridge data --no-distractors`: the query states only what the answer needs) a',
    '   2-layer model reaches 13.5 % and a 4-layer one 18–19.5 %; the remaining errors mix the parts of entity names and miss',
    '   implicit (category) quantities.',
    '4. SFT on both cores: with batch 8 one optimizer step fits one micro-batch, so the second data-parallel worker sat',
    '   idle (0.22 s/step with 2 workers vs 0.23 with 1) until the micro-batch split gave every replica a share',
    '   (`splitMicroBatches(…, minShards)`): 0.15 s/step, i.e. 14 epochs (3500 steps) in ≈ 9 min instead of 10 in ≈ 10.',
    '5. Not tried yet: a RoPE base model pretrained on terse solutions (the shipped base model has learned positions) and',
    '   larger models.',
    '',
    '| configuration | surface | arith | SFT ops | OOD op | distractors | init | variant | loss on | model | pos | params | lr / batch | workers | n × epochs | SFT time | load | final loss | ID acc | OOD acc |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const c = r.config;
    lines.push(
      `| ${c.name} | ${c.surface} | ${c.arith} | ${c.ops[0]}–${c.ops[1]} | ${c.oodOps} | ${c.distractors === false ? 'no' : 'yes'} | ${c.init === 'scratch' ? 'scratch' : path.basename(c.init)} | ${c.variant} | ${c.lossOn ?? 'all'} | d${c.model.d} L${c.model.layers} H${c.model.heads} | ${c.pos ?? 'learned'} | ${(r.params / 1e6).toFixed(2)} M | ${c.lr} / ${c.batchSize} | ${c.workers} | ${c.n} × ${c.epochs} | ${(r.sftSeconds / 60).toFixed(1)} min | ${r.load1 === undefined ? '–' : r.load1.toFixed(1)} | ${r.finalLoss.toFixed(3)} | ${pct(r.idAccuracy)} | ${pct(r.oodAccuracy)} |`,
    );
  }
  lines.push(...seedSection(results, pct, DEFAULT_ARM, 'The default configuration'));
  lines.push(...seedSection(results, pct, PREVIOUS_ARM, 'The previous candidate'));
  return lines.join('\n') + '\n';
}

/** Mean ± sample sd over an arm's seeds for Vanilla and BRIDGE (only finished seeds are counted, and listed). */
function seedSection(results: readonly StudyResult[], pct: (x: number) => string, arm: string, title: string): string[] {
  const c = STUDY.find((x) => x.name === arm)!;
  const out = ['', `## ${title}: \`${arm}\``, '',
    'Vanilla and BRIDGE on the same footing (same problems, model, optimizer, epochs); a seed changes the SFT problems, the',
    `initial weights and the data order. SFT time: ${c.workers} worker${c.workers > 1 ? 's (both cores)' : ' (one core)'}, wall clock.`, '',
    '| variant | seeds | ID acc (mean ± sd) | OOD acc (mean ± sd) | per seed ID / OOD | SFT time (mean, max) | SFT tokens (mean) |', '|---|---|---|---|---|---|---|'];
  const stat = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : NaN;
    return { m, sd };
  };
  const fmt = (x: { m: number; sd: number }) => `${pct(x.m)} ± ${Number.isNaN(x.sd) ? '–' : (100 * x.sd).toFixed(1)}`;
  for (const [label, name] of [['vanilla', arm], ['bridge', `${arm}-bridge`]] as const) {
    const rs = results.filter((r) => r.name === name || DEFAULT_SEEDS.slice(1).some((s) => r.name === `${name}-s${s}`));
    if (rs.length === 0) continue;
    out.push(
      `| ${label} | ${rs.map((r) => r.config.seed).join(', ')} | ${fmt(stat(rs.map((r) => r.idAccuracy)))} | ${fmt(stat(rs.map((r) => r.oodAccuracy)))} | ` +
        `${rs.map((r) => `${pct(r.idAccuracy)} / ${pct(r.oodAccuracy)}`).join('; ')} | ${(stat(rs.map((r) => r.sftSeconds)).m / 60).toFixed(1)} min (max ${(Math.max(...rs.map((r) => r.sftSeconds)) / 60).toFixed(1)}) | ${Math.round(stat(rs.map((r) => r.sftTokens)).m).toLocaleString('en')} |`,
    );
  }
  return out;
}

/**
 * A study's command line: `--list` prints the arms; otherwise every arm (or those named by `--only A,B`) that has no
 * row in `resultsFile` yet runs and appends its row, and `page` is rebuilt from all rows. Arms whose init checkpoint
 * is missing are skipped with a line.
 */
export async function runStudyCli<C extends StudyConfig, R extends { name: string }>(o: {
  arms: readonly C[];
  resultsFile: string;
  work: string;
  page: string;
  row: (arm: C, result: StudyResult) => R;
  render: (rows: R[]) => string;
}): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
  if (args.includes('--list')) {
    for (const c of o.arms) process.stdout.write(`${c.name}\n`);
    return;
  }
  await initBackend();
  const done = new Set(fs.existsSync(o.resultsFile) ? readJsonl<R>(o.resultsFile).map((r) => r.name) : []);
  for (const c of o.arms) {
    if ((only && !only.includes(c.name)) || done.has(c.name)) continue;
    if (c.init !== 'scratch' && !fs.existsSync(c.init)) {
      process.stderr.write(`skip ${c.name}: init ${c.init} missing (make it with \`bridge pretrain\` or the base-model study)\n`);
      continue;
    }
    process.stderr.write(`== ${c.name}\n`);
    const r = await runStudyConfig(c, o.work);
    appendJsonl(o.resultsFile, o.row(c, r));
    process.stdout.write(JSON.stringify({ name: r.name, id: r.idAccuracy, ood: r.oodAccuracy, sftSeconds: r.sftSeconds }) + '\n');
  }
  writeFileAtomic(o.page, o.render(fs.existsSync(o.resultsFile) ? readJsonl<R>(o.resultsFile) : []));
}

const main = () =>
  runStudyCli({ arms: STUDY, resultsFile: 'docs/learnability.jsonl', work: 'runs/learnability', page: 'docs/learnability.md', row: (_c, r) => r, render: renderTable });

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('bench', 'learnability.ts'))) {
  main().catch((err) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
