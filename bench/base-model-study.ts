// The base-model study (docs/regime.md): which model size, op range, token budget and schedule make a base model that
// can already solve iGSM problems in the terse pretraining format before any SFT? One arm = a fresh corpus (no problem
// seen twice), terse-solution language modelling, and every --eval-every steps the greedy terse skill on held-out
// forced-op test problems: chain accuracy (the result line) and per-step accuracy (solution lines that are right).
// Rows append to docs/base-model-study.jsonl (one per evaluation); a rerun resumes the arm and skips evaluated steps.
//
//   npx tsx bench/base-model-study.ts --name NAME [--d 64 --layers 4 --heads 4 --ops 1-10 --problems 60000
//     --batch 16 --lr 3e-3 --loss-on all --eval-every 250 --workers 2 --seed 1 --test-ops 2,4,6,8,10 --test-n 100]
//   npx tsx bench/base-model-study.ts --report     (docs/base-model-study.md from the rows)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateSplit, splitManifest, toJsonl, type SplitSpec } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import { appendJsonl, readJsonl, writeFileAtomic, writeJsonAtomic } from '../src/fsutil';
import { initBackend } from '../src/model/backend';
import { loadCheckpoint } from '../src/model/checkpoint';
import { paramCount } from '../src/model/config';
import { loadDataDir, TERSE_FORMATS } from '../src/train/data';
import { measureSkill, SKILL_TEST_SEED } from '../src/train/skill';
import { runSft, sftConfig } from '../src/train/sft';
import type { ProblemRow } from '../src/igsm/types';
import type { TerseForm } from '../src/igsm/terse';

const { values: a } = parseArgs({
  options: {
    name: { type: 'string' },
    d: { type: 'string', default: '64' },
    layers: { type: 'string', default: '4' },
    heads: { type: 'string', default: '4' },
    ops: { type: 'string', default: '1-10' },
    problems: { type: 'string', default: '60000' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '3e-3' },
    'loss-on': { type: 'string', default: 'all' },
    'eval-every': { type: 'string', default: '250' },
    workers: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    'test-ops': { type: 'string', default: '2,4,6,8,10' },
    'test-n': { type: 'string', default: '100' },
    distractors: { type: 'string', default: 'yes' },
    form: { type: 'string', default: 'values' },
    'drill-every': { type: 'string', default: '0' },
    'drill-facts': { type: 'string', default: '24' },
    out: { type: 'string', default: 'docs/base-model-study.jsonl' },
    report: { type: 'boolean', default: false },
  },
});

interface StudyRow {
  name: string;
  step: number;
  tokens: number;
  trainSeconds: number;
  loss: number | null;
  params: number;
  config: { d: number; layers: number; heads: number; ops: [number, number]; problems: number; batch: number; lr: number; lossOn: string; workers: number; seed: number; distractors: boolean; form?: TerseForm; drill?: { every: number; facts: number } };
  byOp: { op: number; accuracy: number; stepAccuracy: number; exact: number }[];
  load: number;
}

/** docs/base-model-study.md: one learning-curve table per arm (chain / per-step accuracy by test op against tokens). */
function renderReport(rows: readonly StudyRow[]): string {
  const pct = (x: number) => (100 * x).toFixed(0);
  const out = [
    '# Base-model study',
    '',
    'Produced by `npx tsx bench/base-model-study.ts` (rows: `docs/base-model-study.jsonl`; this page: `--report`). Each arm',
    'trains a model from scratch on a fresh corpus of generated problems (no problem seen twice, none of the test problems)',
    'in the terse pretraining format — the question, then one "name = SUBST = value" line per necessary node (form',
    '`values`; form `named` writes "name = SYM = SUBST = value" with the parents named) and "result N" — mod 23, compact',
    'surface, RoPE. Every few hundred steps the model writes greedy',
    'terse solutions for 100 held-out forced-op problems per op count: **chain** = the result line is right (chance 1/23 ≈',
    '4 %), **step** = share of written solution lines that are exactly a needed node\'s line (src/igsm/terse.ts, scoreTerse).',
    'Times are wall clock on the 2-core machine while other jobs shared it (load = 1-minute load average).',
    '',
  ];
  const names = [...new Set(rows.map((r) => r.name))];
  out.push('## Last evaluation of each arm', '', '| arm | model | corpus ops | distractors | line form | loss on | batch / lr | tokens | minutes | chain / step % by test op |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const name of names) {
    const r = rows.filter((x) => x.name === name).sort((x, y) => y.step - x.step)[0];
    const c = r.config;
    out.push(`| ${name} | d${c.d} L${c.layers} | ${c.ops[0]}–${c.ops[1]} | ${c.distractors ? 'yes' : 'no'} | ${c.form ?? 'values'}${c.drill ? ` + drill ${c.drill.facts}/${c.drill.every}` : ''} | ${c.lossOn === 'all' ? 'all' : 'solution'} | ${c.batch} / ${c.lr} | ${(r.tokens / 1e6).toFixed(2)} M | ${(r.trainSeconds / 60).toFixed(0)} | ${r.byOp.map((b) => `op ${b.op}: ${pct(b.accuracy)} / ${pct(b.stepAccuracy)}`).join('; ')} |`);
  }
  out.push('');
  for (const name of names) {
    const mine = rows.filter((r) => r.name === name).sort((x, y) => x.step - y.step);
    const c = mine[0].config;
    const ops = mine[0].byOp.map((b) => b.op);
    out.push(`## ${name}`, '', `d${c.d} × ${c.layers} layers × ${c.heads} heads (${(mine[0].params / 1e6).toFixed(2)} M parameters), corpus op ${c.ops[0]}–${c.ops[1]} (${c.problems.toLocaleString('en')} problems), distractors ${c.distractors ? 'on' : 'off'}, ${c.form ?? 'values'} lines${c.drill ? `, an arithmetic drill of ${c.drill.facts} facts after every ${c.drill.every} problems` : ''}, loss on ${c.lossOn === 'all' ? 'every token' : 'the solution only'}, batch ${c.batch}, lr ${c.lr} cosine, ${c.workers} workers, seed ${c.seed}.`, '');
    out.push(`| step | tokens | loss | minutes | load | ${ops.map((o) => `op ${o} chain / step %`).join(' | ')} |`, `|---|---|---|---|---|${ops.map(() => '---').join('|')}|`);
    for (const r of mine) {
      out.push(`| ${r.step} | ${(r.tokens / 1e6).toFixed(2)} M | ${r.loss === null ? '–' : r.loss.toFixed(3)} | ${(r.trainSeconds / 60).toFixed(1)} | ${r.load} | ${r.byOp.map((b) => `${pct(b.accuracy)} / ${pct(b.stepAccuracy)}`).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (a.report) {
  writeFileAtomic('docs/base-model-study.md', renderReport(readJsonl<StudyRow>(String(a.out))));
  process.exit(0);
}
if (!a.name) throw new Error('--name is required');
const num = (k: keyof typeof a) => {
  const v = Number(a[k]);
  if (!Number.isFinite(v)) throw new Error(`--${k} must be a number, got "${a[k]}"`);
  return v;
};
const [minOps, maxOps] = String(a.ops).split('-').map(Number);
const testOps = String(a['test-ops']).split(',').map(Number);
const seed = num('seed');
const distractors = a.distractors !== 'no';
if (a.form !== 'values' && a.form !== 'named') throw new Error(`--form must be values or named, got "${a.form}"`);
const form: TerseForm = a.form;
const work = path.join('runs', 'base-study', a.name);
const gen = (lo: number, hi: number, force: boolean) => validateGenConfig({ minOps: lo, maxOps: hi, force, arith: 'mod23', redundantQuery: distractors });

// held-out test problems first; the corpus skips every one of them (same query key ⇒ same problem)
const seen = new Set<string>();
const tests: { op: number; rows: ProblemRow[] }[] = testOps.map((op) => {
  const spec: SplitSpec = { name: `test-op${op}`, n: num('test-n'), gen: gen(op, op, true), seed: SKILL_TEST_SEED + op, surface: 'compact' };
  return { op, rows: generateSplit(spec, { seen }).rows };
});
const dataDir = path.join(work, 'data');
const corpus: SplitSpec = { name: 'pretrain', n: num('problems'), gen: gen(minOps, maxOps, false), seed: 90_000 + seed, surface: 'compact' };
if (!fs.existsSync(path.join(dataDir, 'problems.jsonl'))) {
  const t0 = Date.now();
  const { rows, counts } = generateSplit(corpus, { seen });
  writeFileAtomic(path.join(dataDir, 'problems.jsonl'), toJsonl(rows));
  writeJsonAtomic(path.join(dataDir, 'manifest.json'), splitManifest(corpus, 'terse', counts));
  console.error(`corpus: ${rows.length} problems in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const config = sftConfig({
  epochs: 1,
  batchSize: num('batch'),
  lossOn: a['loss-on'],
  format: TERSE_FORMATS[form],
  ...(num('drill-every') > 0 ? { drill: { every: num('drill-every'), facts: num('drill-facts') } } : {}),
  schedule: { kind: 'cosine', lr: num('lr'), warmupSteps: 100, minRatio: 0.1 },
  model: { ctx: 512, d: num('d'), layers: num('layers'), heads: num('heads'), mlpRatio: 4, activation: 'gelu', pos: 'rope' },
  checkpointEvery: num('eval-every'),
  workers: num('workers'),
  seed,
});
const runDir = path.join(work, 'run');
const done = fs.existsSync(a.out) ? readJsonl<{ name: string; step: number }>(a.out).filter((r) => r.name === a.name).map((r) => r.step) : [];
const evaluated = new Set(done);
const t0 = Date.now();
let secondsBefore = 0;
const metrics = path.join(runDir, 'metrics.jsonl');

async function evaluateAt(step: number, dir: string, tokens: number): Promise<void> {
  if (evaluated.has(step)) return;
  const te = Date.now();
  const byOp = measureSkill(dir, tests, form).map(({ problems: _, ...b }) => b);
  const loss = fs.existsSync(metrics) ? readJsonl<{ step: number; loss: number }>(metrics).filter((m) => m.step >= step - 50 && m.step < step) : [];
  const row = {
    name: a.name,
    step,
    tokens,
    trainSeconds: Math.round(secondsBefore + (Date.now() - t0) / 1000),
    loss: loss.length ? loss.reduce((s, m) => s + m.loss, 0) / loss.length : null,
    params: paramCount(loadCheckpoint(dir).config),
    config: { d: config.model.d, layers: config.model.layers, heads: config.model.heads, ops: [minOps, maxOps], problems: corpus.n, batch: config.batchSize, lr: config.schedule.lr, lossOn: config.lossOn, workers: config.workers, seed, distractors, form, ...(config.drill ? { drill: config.drill } : {}) },
    byOp,
    evalSeconds: Math.round((Date.now() - te) / 1000),
    load: +os.loadavg()[0].toFixed(1),
  };
  appendJsonl(a.out, row);
  evaluated.add(step);
  console.error(`[${a.name}] step ${step} tokens ${(tokens / 1e6).toFixed(2)} M loss ${row.loss?.toFixed(3)} | ` +
    byOp.map((b) => `op${b.op} ${(100 * b.accuracy).toFixed(0)}%/${(100 * b.stepAccuracy).toFixed(0)}%`).join(' '));
}

await initBackend();
const resume = fs.existsSync(runDir) && !fs.existsSync(path.join(runDir, 'done.json'));
if (resume && fs.existsSync(metrics)) secondsBefore = 0; // wall time restarts; rows carry trainSeconds of this process
if (!fs.existsSync(path.join(runDir, 'done.json'))) {
  const n = loadDataDir(dataDir).rows.length;
  console.error(`[${a.name}] ${n} problems, ${Math.ceil(n / config.batchSize)} steps`);
  const res = await runSft({ data: dataDir, init: 'scratch', out: runDir, config, resume, progress: false, onCheckpoint: evaluateAt });
  await evaluateAt(res.steps, path.join(runDir, 'final'), res.tokensSeen);
}
