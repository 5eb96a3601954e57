// Test sets the regime benches share (docs/regime.md): one fixed set of forced-op problems per (op, question form,
// surface, arithmetic), so every arm and every before/after comparison is scored on the same problems.
import { generateSplit } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import type { ProblemRow } from '../src/igsm/types';
import type { StudyConfig } from './learnability';

/** n forced op-`op` problems in the arm's question form; seed 800 + op, far from the SFT (100 + s), test and RL seeds. */
export function extraOodSet(c: Pick<StudyConfig, 'arith' | 'distractors' | 'surface'>, op: number, n: number): ProblemRow[] {
  const gen = validateGenConfig({ minOps: op, maxOps: op, force: true, arith: c.arith, redundantQuery: c.distractors ?? true });
  return generateSplit({ name: `ood-op${op}`, n, gen, seed: 800 + op, surface: c.surface }).rows;
}
