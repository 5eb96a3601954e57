// Arithmetic drill for the base model (docs/regime.md, Base model): a pretrained language model arrives able to
// compute, ours has to learn mod-23 arithmetic from the few operations each terse solution holds, and the study found
// it had not after millions of tokens. A drill example is a list of random facts "a OP b = c" (mod 23), written like the
// arithmetic in solution lines; pretraining mixes one drill after every `every` problems. Text of neither SFT format.
import { z } from 'zod';
import { mod } from '../igsm/expr';
import { Rng } from '../rng';
import type { Tokenizer } from '../text/tokenizer';
import { encodeTerse, type EncodedExample } from './format';

export const ArithDrillSchema = z.object({
  every: z.number().int().min(0).max(1_000_000).default(0).describe('one arithmetic drill example per N corpus problems (0 = none; src/train/drill.ts)'),
  facts: z.number().int().min(1).max(200).default(24).describe('facts per arithmetic drill example'),
});
export type ArithDrill = z.infer<typeof ArithDrillSchema>;

/** A drill example's "question" is empty (no word outside the canonical vocabulary): [BOS, newline], then the facts. */
export const DRILL_QUERY = '';
const OPS = ['+', '-', '*'] as const;

/** Drill example `index` of a run with `seed`: `facts` random mod-23 facts, the same for the same (seed, index). */
export function drillText(seed: number, index: number, facts: number): string {
  const rng = new Rng(seed).fork(`drill-${index}`);
  const lines: string[] = [];
  for (let i = 0; i < facts; i++) {
    const a = rng.int(0, 22);
    const b = rng.int(0, 22);
    const op = OPS[rng.int(0, OPS.length - 1)];
    const c = mod(op === '+' ? a + b : op === '-' ? a - b : a * b, 23);
    lines.push(`${a} ${op} ${b} = ${c}`);
  }
  return lines.join('\n');
}

/** floor(problems / every) drill examples (none when every is 0), encoded like terse examples (loss on the facts when lossOn is 'response'). */
export function drillExamples(tok: Tokenizer, problems: number, drill: ArithDrill, seed: number): EncodedExample[] {
  const out: EncodedExample[] = [];
  if (drill.every === 0) return out;
  for (let i = 0; i < Math.floor(problems / drill.every); i++) out.push(encodeTerse(tok, DRILL_QUERY, drillText(seed, i, drill.facts)));
  return out;
}
