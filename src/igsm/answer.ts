// Answer parsing and reward (docs/igsm-generator.md, Reward): the first \boxed{…} must equal the answer string exactly;
// never throws. Both scans are linear in the completion (a rollout can be megabytes of repeats): a few passes over
// it, no backtracking regular expressions; test/faults-hangs.test.ts holds them to it.

const BOX = '\\boxed{';

/** Content of the first \boxed{…}, or null when there is none (as /\\boxed\{([^}]*)\}/ would find it). */
export function extractBoxed(completion: string): string | null {
  if (typeof completion !== 'string') return null;
  const start = completion.indexOf(BOX);
  if (start < 0) return null;
  // the first opening decides: if no "}" follows it, none follows a later one either
  const end = completion.indexOf('}', start + BOX.length);
  return end < 0 ? null : completion.slice(start + BOX.length, end);
}

const LINE_END = new Set(['\n', '\r', '\u2028', '\u2029']); // where a multiline "$" matches in JS
const SPACES = /\s*/y;

/**
 * 1 when `"<think>" + completion` has the answer skeleton's think/answer shape (the optional format bonus), else 0: exactly
 * what /^<think>.*?<\/think>\s*<answer>.*?<\/answer>$/ms matched at index 0 (Python's re.match with DOTALL |
 * MULTILINE), decided in linear time: some "</think>" followed by white space and "<answer>", and after that a
 * "</answer>" that ends a line.
 */
export function formatOk(completion: string): number {
  if (typeof completion !== 'string') return 0;
  const s = '<think>' + completion;
  // the last "</answer>" that ends a line or the text: any "<answer>" before it can close there
  let close = s.lastIndexOf('</answer>');
  while (close >= 0 && !(close + 9 === s.length || LINE_END.has(s[close + 9]))) close = close === 0 ? -1 : s.lastIndexOf('</answer>', close - 1);
  if (close < 0) return 0;
  for (let p = s.indexOf('</think>', 7); p >= 0 && p < close; p = s.indexOf('</think>', p + 1)) {
    SPACES.lastIndex = p + 8;
    SPACES.exec(s);
    const open = SPACES.lastIndex;
    if (s.startsWith('<answer>', open)) return open + 8 <= close ? 1 : 0;
  }
  return 0;
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
