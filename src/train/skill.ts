// The base model's own skill (docs/regime.md, Base model): greedy terse solutions on held-out forced-op problems,
// chain accuracy (the result line) and per-step accuracy (solution lines that are right), measured at checkpoints
// while `bridge pretrain` trains and by the base-model study. The test problems come from their own seeds and any that
// also occur in the training corpus are dropped, so the corpus itself is exactly the one `bridge pretrain` generates.
import { appendJsonl } from '../fsutil';
import { generateSplit } from '../igsm/dataset';
import { validateGenConfig } from '../igsm/generate';
import type { TerseForm } from '../igsm/terse';
import type { Arith, ProblemRow, Surface } from '../igsm/types';
import { disposeTransformer } from '../model/transformer';
import { evaluateTerse } from './evaluate';
import { loadModel } from '../model/load';

export interface SkillSpec {
  /** Forced op counts to test, one test set each. */
  ops: readonly number[];
  /** Problems per op count (before dropping any that are in the corpus). */
  n: number;
  arith: Arith;
  surface: Surface;
  /** Distractor sentences in the question, as in the corpus. */
  distractors: boolean;
  form: TerseForm;
}

export interface SkillTest {
  op: number;
  rows: ProblemRow[];
}

/** Seeds of the skill test sets: far from the split seeds (100–500) and the corpus seeds (90,000 + seed). */
export const SKILL_TEST_SEED = 70_000;

/** One forced-op test set per op count, without the problems whose query also occurs in the corpus. */
export function skillTests(spec: SkillSpec, corpus: readonly { query: string }[]): SkillTest[] {
  const inCorpus = new Set(corpus.map((r) => r.query));
  return spec.ops.map((op) => {
    const gen = validateGenConfig({ minOps: op, maxOps: op, force: true, arith: spec.arith, redundantQuery: spec.distractors });
    const rows = generateSplit({ name: `skill-op${op}`, n: spec.n, gen, seed: SKILL_TEST_SEED + op, surface: spec.surface }).rows;
    return { op, rows: rows.filter((r) => !inCorpus.has(r.query)) };
  });
}

export interface SkillByOp {
  op: number;
  problems: number;
  accuracy: number;
  stepAccuracy: number;
  exact: number;
}

/** Greedy skill of the checkpoint in `dir` on each test set; frees its model. */
export function measureSkill(dir: string, tests: readonly SkillTest[], form: TerseForm): SkillByOp[] {
  const { model, tok } = loadModel(dir);
  try {
    return tests.map((t) => {
      // room for every line of a forced-op solution: about 24 tokens a line (48 with the parents named)
      const r = evaluateTerse(model, tok, t.rows, { maxNew: 40 + (form === 'named' ? 48 : 24) * t.op, form });
      return { op: t.op, problems: t.rows.length, accuracy: r.accuracy, stepAccuracy: r.stepAccuracy, exact: r.exact };
    });
  } finally {
    disposeTransformer(model);
  }
}

/** One line of WORK/skill.jsonl: the skill at a checkpoint against the tokens trained on. */
export interface SkillRow {
  step: number;
  tokens: number;
  byOp: SkillByOp[];
  seconds: number;
}

/** An onCheckpoint hook for runSft that measures the skill and appends a row to `file`; skips steps already in it. */
export function skillRecorder(file: string, tests: readonly SkillTest[], form: TerseForm, done: ReadonlySet<number>) {
  return (step: number, dir: string, tokens: number): SkillRow | null => {
    if (done.has(step)) return null;
    const t0 = Date.now();
    const row: SkillRow = { step, tokens, byOp: measureSkill(dir, tests, form), seconds: (Date.now() - t0) / 1000 };
    appendJsonl(file, row);
    process.stderr.write(`skill at step ${step} (${(tokens / 1e6).toFixed(2)} M tokens): ${row.byOp.map((b) => `op ${b.op} ${pct(b.accuracy)} / ${pct(b.stepAccuracy)}`).join(', ')} (chain / step)\n`);
    return row;
  };
}

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
