// Evaluation (docs/method.md, How a claim is judged): greedy accuracy (the paper's metric) and mean@k sampled accuracy on a data directory, broken
// down by op count, with every completion saved alongside its reward and — for wrong ones — the verifier's first
// failing line, so errors can be classified (arithmetic, wrong dependency, premature use, format).
import { reward } from '../igsm/answer';
import type { ProblemRow } from '../igsm/types';
import { EOS, type Tokenizer } from '../text/tokenizer';
import { sample } from '../model/sampler';
import type { Transformer } from '../model/transformer';
import { encodePrompt, encodeTersePrompt } from './format';
import { scoreTerse, type TerseForm } from '../igsm/terse';
import { chanceCorrected, chanceOfProblems } from './alpha';
import { addRollout, emptyMechanism, verifyCompletion, type MechanismSummary } from './mechanism';

export interface EvalOptions {
  /** Samples per problem: 1 with temperature 0 = greedy accuracy. */
  samples: number;
  /** 0 = greedy. */
  temperature: number;
  /** Max new tokens (default: whatever the context leaves). */
  maxNew?: number;
  seed: number;
  /** Prompts per sampler call. */
  batchSize: number;
}

export const GREEDY: EvalOptions = { samples: 1, temperature: 0, seed: 0, batchSize: 64 };

export interface Completion {
  id: string;
  numOps: number;
  answer: string;
  sample: number;
  completion: string;
  reward: number;
  finish: 'stop' | 'length';
  tokens: number;
  /** For wrong completions: the verifier's first failing line and why. */
  firstBadLine?: number;
  errorKind?: string;
  errorReason?: string;
}

export interface EvalReport {
  problems: number;
  samples: number;
  temperature: number;
  /** Mean reward over all completions (= accuracy for greedy, mean@k otherwise). */
  accuracy: number;
  /** A uniform guesser's accuracy on these problems' answer space (1/23 in mod 23). */
  chance: number;
  /** (accuracy − chance) / (1 − chance). */
  accuracyChanceCorrected: number;
  byOps: { numOps: number; problems: number; accuracy: number }[];
  /** Share of wrong completions per verifier error kind. */
  errorKinds: Record<string, number>;
  meanTokens: number;
  /** Reflections, recoveries and first-error classes over all completions (src/train/mechanism.ts). */
  mechanism: MechanismSummary;
  completions: Completion[];
}

/** Stop ids: EOS and the "</answer>" piece, so generation ends where the answer format ends. */
export function stopTokens(tok: Tokenizer): number[] {
  const out = [EOS];
  if (tok.has('</answer>')) out.push(tok.id('</answer>'));
  return out;
}

/** New tokens a chunk of prompts may take: `maxNew` capped by what the longest prompt leaves of the context. */
function roomFor(model: Transformer, prompts: readonly (readonly number[])[], maxNew: number | undefined): number {
  const longest = Math.max(...prompts.map((p) => p.length));
  const room = Math.min(maxNew ?? Infinity, model.cfg.ctx - longest);
  if (room < 1) throw new Error(`a prompt of ${longest} tokens leaves no room in the model context ctx=${model.cfg.ctx}`);
  return room;
}

/** Score model completions of `rows` (see EvalOptions). Deterministic for a seed. */
export function evaluate(model: Transformer, tok: Tokenizer, rows: readonly ProblemRow[], o: EvalOptions): EvalReport {
  if (!(Number.isInteger(o.samples) && o.samples >= 1)) throw new Error(`samples must be a positive integer (got ${o.samples})`);
  if (o.samples > 1 && o.temperature === 0) throw new Error('samples > 1 needs temperature > 0 (greedy samples are identical)');
  const prompts = rows.map((r) => encodePrompt(tok, r.query));
  const stop = stopTokens(tok);
  const jobs: { row: number; sample: number }[] = [];
  for (let i = 0; i < rows.length; i++) for (let s = 0; s < o.samples; s++) jobs.push({ row: i, sample: s });
  const completions: Completion[] = [];
  const mechanism = emptyMechanism();
  for (let start = 0; start < jobs.length; start += o.batchSize) {
    const chunk = jobs.slice(start, start + o.batchSize);
    const ps = chunk.map((j) => prompts[j.row]);
    const maxNew = roomFor(model, ps, o.maxNew);
    const res = sample(model, ps, { maxNew, temperature: o.temperature, stop, seed: o.seed, rowOffset: start });
    chunk.forEach((j, k) => {
      const row = rows[j.row];
      const text = tok.decode(res.tokens[k].filter((t) => t !== EOS));
      const r = reward(text, row.answer);
      const c: Completion = {
        id: row.id,
        numOps: row.numOps,
        answer: row.answer,
        sample: j.sample,
        completion: text,
        reward: r,
        finish: res.finish[k],
        tokens: res.tokens[k].length,
      };
      // one replay per completion serves both the error fields of a wrong one and the mechanism counts
      const v = verifyCompletion(row, text);
      addRollout(mechanism, v, r >= 1);
      if (r < 1) {
        c.firstBadLine = v.firstBadLine;
        c.errorKind = v.ok ? 'unverified-correct-chain' : v.kind;
        c.errorReason = v.reason;
      }
      completions.push(c);
    });
  }
  const chance = chanceOfProblems(rows);
  return { ...summarize(completions, rows.length, o, chance), mechanism };
}

function summarize(completions: Completion[], problems: number, o: EvalOptions, chance: number): Omit<EvalReport, 'mechanism'> {
  const byOps = new Map<number, { n: number; sum: number; problems: Set<string> }>();
  const kinds: Record<string, number> = {};
  let sum = 0;
  let toks = 0;
  let wrong = 0;
  for (const c of completions) {
    sum += c.reward;
    toks += c.tokens;
    const b = byOps.get(c.numOps) ?? { n: 0, sum: 0, problems: new Set<string>() };
    b.n++;
    b.sum += c.reward;
    b.problems.add(c.id);
    byOps.set(c.numOps, b);
    if (c.reward < 1) {
      wrong++;
      const k = c.errorKind ?? 'unknown';
      kinds[k] = (kinds[k] ?? 0) + 1;
    }
  }
  for (const k of Object.keys(kinds)) kinds[k] /= Math.max(1, wrong);
  const accuracy = completions.length ? sum / completions.length : 0;
  return {
    problems,
    samples: o.samples,
    temperature: o.temperature,
    accuracy,
    chance,
    accuracyChanceCorrected: chanceCorrected(accuracy, chance),
    byOps: [...byOps.entries()].sort((a, b) => a[0] - b[0]).map(([numOps, b]) => ({ numOps, problems: b.problems.size, accuracy: b.sum / b.n })),
    errorKinds: kinds,
    meanTokens: completions.length ? toks / completions.length : 0,
    completions,
  };
}

export interface TerseEvalReport {
  problems: number;
  /** Chain accuracy: the "result" line names the answer. */
  accuracy: number;
  /** Per-step accuracy: good solution lines / solution lines written (scoreTerse). */
  stepAccuracy: number;
  /** Share of completions equal to the canonical solution. */
  exact: number;
  byOps: { numOps: number; problems: number; accuracy: number; stepAccuracy: number }[];
}

/** Greedy terse solutions of a base model (pretraining format: question, newline, solution) scored by scoreTerse. */
export function evaluateTerse(model: Transformer, tok: Tokenizer, rows: readonly ProblemRow[], o: { batchSize?: number; maxNew?: number; form?: TerseForm } = {}): TerseEvalReport {
  const bs = o.batchSize ?? 64;
  const byOps = new Map<number, { n: number; correct: number; lines: number; good: number }>();
  let correct = 0;
  let exact = 0;
  let lines = 0;
  let good = 0;
  for (let start = 0; start < rows.length; start += bs) {
    const chunk = rows.slice(start, start + bs);
    const ps = chunk.map((r) => encodeTersePrompt(tok, r.query));
    const maxNew = roomFor(model, ps, o.maxNew);
    const res = sample(model, ps, { maxNew, temperature: 0, stop: [EOS], seed: 0, rowOffset: start });
    chunk.forEach((row, k) => {
      const s = scoreTerse(row.graph, row.surface, tok.decode(res.tokens[k].filter((t) => t !== EOS)), o.form);
      const b = byOps.get(row.numOps) ?? { n: 0, correct: 0, lines: 0, good: 0 };
      b.n++;
      b.correct += +s.correct;
      b.lines += s.lines;
      b.good += s.goodLines;
      byOps.set(row.numOps, b);
      correct += +s.correct;
      exact += +s.exact;
      lines += s.lines;
      good += s.goodLines;
    });
  }
  return {
    problems: rows.length,
    accuracy: rows.length ? correct / rows.length : 0,
    stepAccuracy: lines ? good / lines : 0,
    exact: rows.length ? exact / rows.length : 0,
    byOps: [...byOps.entries()].sort((a, b) => a[0] - b[0])
      .map(([numOps, b]) => ({ numOps, problems: b.n, accuracy: b.correct / b.n, stepAccuracy: b.lines ? b.good / b.lines : 0 })),
  };
}
