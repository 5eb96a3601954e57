// The mechanism counts (src/train/mechanism.ts) on hand-made completions: reflections, recoveries and the class of the
// first error, each case built so that its expected count is known.
import { describe, expect, it } from 'vitest';
import { generateSplit } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import { injectRow, resolveVariant, seededStream } from '../src/inject';
import { ERROR_CLASSES, errorClassOf, mechanismOf, mechanismShares } from '../src/train/mechanism';

const rows = generateSplit({ name: 'mech', n: 6, gen: validateGenConfig({ minOps: 5, maxOps: 5, arith: 'mod23' }), seed: 3, surface: 'compact' }).rows;
/** The text after the prompt's "<think>": what a model writes. */
const completion = (response: string) => response.replace(/^<think>/, '');
const reflecting = (i: number) => injectRow(rows[i], resolveVariant('bridge', { reflect: 1 }), seededStream(1, rows[i].id))[0];

describe('mechanism counts', () => {
  it('a reflection that ends right is a recovery; a vanilla answer has none', () => {
    const r = reflecting(0);
    expect(r.trace!.lockedSteps).toBeGreaterThan(0);
    const m = mechanismOf([{ row: rows[0], completion: completion(r.response) }, { row: rows[1], completion: completion(rows[1].response) }]);
    expect(m).toMatchObject({ rollouts: 2, correct: 2, withReflection: 1, reflectionRecovered: 1, correctWithoutReflection: 1, withAnyReflection: 1 });
    expect(m.firstErrorKinds).toEqual({});
    const s = mechanismShares(m);
    expect(s).toMatchObject({ accuracy: 1, reflectionShare: 0.5, recoveryRate: 1, accuracyWithoutReflection: 1 });
  });

  it('classifies the first error: arithmetic, retrieval, ordering, format', () => {
    const v = rows[2].response;
    // a wrong computed value on the second step (and a final answer that no longer follows): arithmetic comes first
    const lines = v.split('\n');
    const step = lines.findIndex((l) => / = \d+ \* \w+ = /.test(l) || / = \w+ [+*-] \w+ = /.test(l));
    expect(step).toBeGreaterThan(0);
    const value = Number(lines[step].match(/= (\d+)\.$/)![1]);
    const wrongValue = [...lines];
    wrongValue[step] = lines[step].replace(/= (\d+)\.$/, `= ${(value + 1) % 23}.`);
    const boxed = rows[2].answer;
    const wrongBox = (t: string) => t.replace(`\\boxed{${boxed}}`, `\\boxed{${(Number(boxed) + 1) % 23}}`);
    // a step naming a quantity the problem does not have
    const unknown = v.replace(/- given [^.]+\./, '- given Moon Crate\'s Walnut = 3.');
    // stopping after the first step with the first step's value: the question is never computed
    const first = lines[2].match(/= (\d+)\.$/)![1];
    expect(first).not.toBe(boxed);
    const stopped = `${lines.slice(0, 3).join('\n')}\nanswer ${first}.\n</think>\n<answer>\n\\boxed{${first}}\n</answer>`;
    const cases = [
      { text: wrongBox(wrongValue.join('\n')), cls: 'arithmetic' },
      { text: wrongBox(unknown), cls: 'retrieval' },
      { text: stopped, cls: 'ordering' },
      { text: 'steps:\nthe answer is 4', cls: 'format' },
    ];
    const m = mechanismOf(cases.map((c) => ({ row: rows[2], completion: completion(c.text) })));
    expect(m.correct).toBe(0);
    expect(m.firstError).toEqual({ retrieval: 1, arithmetic: 1, ordering: 1, format: 1 });
    for (const c of cases) {
      const one = mechanismOf([{ row: rows[2], completion: completion(c.text) }]);
      expect(one.firstError[c.cls as keyof typeof one.firstError], `${c.cls}: ${JSON.stringify(one.firstErrorKinds)}`).toBe(1);
    }
    expect(mechanismShares(m).firstError.arithmetic).toBe(0.25);
    expect(Number.isNaN(mechanismShares(m).recoveryRate)).toBe(true);
  });

  it('a reflecting answer with a wrong final value is a reflection without recovery', () => {
    const r = reflecting(3);
    const wrong = r.response.replace(`\\boxed{${rows[3].answer}}`, `\\boxed{${(Number(rows[3].answer) + 2) % 23}}`);
    const m = mechanismOf([{ row: rows[3], completion: completion(wrong) }]);
    expect(m).toMatchObject({ withReflection: 1, reflectionRecovered: 0, correct: 0 });
    expect(m.firstErrorKinds).toEqual({ 'final-answer': 1 });
    expect(m.firstError.format).toBe(1);
  });

  it('every verifier kind has exactly one class', () => {
    const kinds = Object.values(ERROR_CLASSES).flat();
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const k of kinds) expect(Object.keys(ERROR_CLASSES)).toContain(errorClassOf(k));
  });
});
