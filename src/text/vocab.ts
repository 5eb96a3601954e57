// The canonical tokenizer of the workbench, built from the generator itself: every name of the hierarchy, every
// phrasing slot of both surfaces, and the words of a fixed-seed sample of rendered problems and answers.
import { Rng } from '../rng';
import { allNames } from '../igsm/hierarchy';
import { PHRASES, LETTERS, vanillaSteps, writeAnswer } from '../igsm/cot';
import { drawProblem, validateGenConfig } from '../igsm/generate';
import { renderQuery } from '../igsm/render';
import { terseSolution } from '../igsm/terse';
import type { Arith, Surface } from '../igsm/types';
import { buildTokenizer, type NumberMode, Tokenizer } from './tokenizer';

const SURFACES: readonly Surface[] = ['english', 'compact'];
/** Fixed seed and size of the sample that collects the query grammar's words; part of the vocabulary's definition. */
const CORPUS_SEED = 20250523;
const CORPUS_PROBLEMS = 60;

export function numberModeOf(arith: Arith): NumberMode {
  return arith === 'mod23' ? 'mod23' : 'digits';
}

/** Texts that together contain every word the generator and the injected behaviours can write. */
function* vocabularyCorpus(arith: Arith): Generator<string> {
  // every phrasing of every slot, at a line start and after a step's "- ", placeholders filled with a letter
  for (const surface of SURFACES) {
    for (const list of Object.values(PHRASES[surface]) as string[][]) {
      for (const p of list) {
        const filled = p.replace(/\{(name|value|v|rhs|eq|names|answer)\}/g, 'a');
        yield filled;
        yield `- ${filled}`;
      }
    }
  }
  yield LETTERS.join(' ');
  yield LETTERS.join('\n');
  yield '( ) + - * = , . ? : { } -1 a-b';
  const cfg = validateGenConfig({ minOps: 2, maxOps: 20, arith });
  const rng = new Rng(CORPUS_SEED);
  let made = 0;
  while (made < CORPUS_PROBLEMS) {
    const d = drawProblem(cfg, rng);
    if (!d.ok) continue;
    made++;
    for (const surface of SURFACES) {
      yield renderQuery(d.graph, rng, surface);
      yield writeAnswer(d.graph, vanillaSteps(d.graph), rng, surface);
      yield terseSolution(d.graph, surface);
    }
  }
}

const cache = new Map<Arith, Tokenizer>();

/** The tokenizer for an arithmetic mode (digits for exact, one token per residue for mod23). Deterministic. */
export function canonicalTokenizer(arith: Arith): Tokenizer {
  let tok = cache.get(arith);
  if (!tok) {
    const names = allNames();
    tok = buildTokenizer({ entities: [...names.items, ...names.categories], corpus: vocabularyCorpus(arith), numbers: numberModeOf(arith) });
    cache.set(arith, tok);
  }
  return tok;
}
