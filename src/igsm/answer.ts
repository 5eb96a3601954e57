// Answer parsing and reward (docs/igsm-generator.md, Reward): the first \boxed{…} must equal the answer string exactly;
// never throws.

const BOXED_RE = /\\boxed\{([^}]*)\}/;
// Python re.match(r'^<think>.*?</think>\s*<answer>.*?</answer>$', s, DOTALL | MULTILINE) anchored at index 0
const FORMAT_RE = /^<think>.*?<\/think>\s*<answer>.*?<\/answer>$/ms;

/** Content of the first \boxed{…}, or null when there is none. */
export function extractBoxed(completion: string): string | null {
  if (typeof completion !== 'string') return null;
  const m = BOXED_RE.exec(completion);
  return m ? m[1] : null;
}

/** 1 when `"<think>" + completion` has the answer skeleton's think/answer shape (the optional format bonus), else 0. */
export function formatOk(completion: string): number {
  if (typeof completion !== 'string') return 0;
  const s = '<think>' + completion;
  const m = FORMAT_RE.exec(s);
  return m !== null && m.index === 0 ? 1 : 0;
}

/**
 * Reward of a completion (the text after the prompt's "<think>"): 1 if the first \boxed{…} is exactly `answer`
 * (no trimming, no numeric parsing), else 0; plus formatBonus × formatOk when a bonus is configured.
 */
export function reward(completion: string, answer: string, opts: { formatBonus?: number } = {}): number {
  const boxed = extractBoxed(completion);
  let r = boxed !== null && boxed === answer ? 1 : 0;
  const bonus = opts.formatBonus ?? 0;
  if (bonus !== 0 && Number.isFinite(bonus)) r += bonus * formatOk(completion);
  return r;
}
