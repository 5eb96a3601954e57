import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildTokenizer, Tokenizer, EOS, PAD, BOS } from '../src/text/tokenizer';

const entities = ['Blue Crate', 'Red Crate', 'Kiwi', 'Mango', 'Fruit', 'Crate'];
const corpus = [
  "The number of each Blue Crate's Kiwi equals 2 more than the difference of each Blue Crate's Mango and each Red Crate's Kiwi.\nHow many Fruit does each Blue Crate have?",
  '<think>\n- Hence B = 2 + (12 - -4) = 18.\n</think>\n<answer>\nAnswer: \\boxed{-114}.\n</answer>',
];

describe('word/entity tokenizer', () => {
  const tok = buildTokenizer({ entities, corpus, numbers: 'digits' });

  it('keeps special tokens at fixed ids', () => {
    expect([tok.vocab[PAD], tok.vocab[BOS], tok.vocab[EOS]]).toEqual(['<pad>', '<bos>', '<eos>']);
  });

  it('makes every entity one token and digits single tokens', () => {
    const ids = tok.encode("The number of each Blue Crate's Kiwi equals 12");
    expect(ids.map((i) => tok.vocab[i])).toEqual(['The', ' number', ' of', ' each', ' Blue Crate', "'s", ' Kiwi', ' equals', ' 1', '2']);
  });

  it('prefers the longest entity and respects word boundaries', () => {
    const t2 = buildTokenizer({ entities: ['Crate', 'Crate Box'], corpus: ['Crates'], numbers: 'digits' });
    expect(t2.encode('Crate Box').map((i) => t2.vocab[i])).toEqual(['Crate Box']);
    expect(t2.encode('Crates').map((i) => t2.vocab[i])).toEqual(['Crates']);
  });

  it('round-trips the corpus exactly', () => {
    for (const text of corpus) expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('round-trips any sequence of known pieces (property)', () => {
    const pieces = [' each', ' Blue Crate', "'s", ' Kiwi', '.', '\n', ' 7', '3', ' =', ' (', ')', ' -', '-'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (ps) => {
        const text = 'The' + ps.join('');
        expect(tok.decode(tok.encode(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('names an unknown word instead of mapping it to <unk>', () => {
    expect(() => tok.encode('The Banana')).toThrow(/unknown word " Banana" at offset 3/);
  });

  it('reads mod23 residues as one token each', () => {
    const t = buildTokenizer({ entities, corpus: ['x = 17 + 22'], numbers: 'mod23' });
    expect(t.encode('x = 17 + 22').map((i) => t.vocab[i])).toEqual(['x', ' =', ' 17', ' +', ' 22']);
    expect(() => t.encode('x = 45')).toThrow(/unknown word " 45"/);
  });

  it('survives a JSON round trip with identical ids', () => {
    const again = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    for (const text of corpus) expect(again.encode(text)).toEqual(tok.encode(text));
  });

  it('rejects a vocabulary that does not start with the special tokens', () => {
    expect(() => new Tokenizer({ kind: 'word-entity', version: 1, numbers: 'digits', entities: [], vocab: ['a'] })).toThrow(/vocab\[0\]/);
  });
});
