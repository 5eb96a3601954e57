// Word/entity-level tokenizer: every item and category name is one token, numbers are digits (exact mode) or one
// token per residue (mod23), template words and punctuation are tokens. A leading space is part of the token
// (GPT-2 style: "each" and " each" are two tokens), which makes decode(encode(text)) === text exact.

/** Special tokens, always ids 0..n-1 in this order. */
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>'] as const;
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;

/** Fixed multi-character pieces of the answer format, matched before anything else. */
export const FORMAT_PIECES = ['<think>', '</think>', '<answer>', '</answer>', '\\boxed'] as const;

export type NumberMode = 'digits' | 'mod23';

/** What a checkpoint stores: enough to rebuild the identical tokenizer. */
export interface TokenizerJSON {
  kind: 'word-entity';
  version: 1;
  numbers: NumberMode;
  /** Multi-word names matched as one piece (longest match first). */
  entities: string[];
  /** Token strings; the id of a token is its index. */
  vocab: string[];
}

interface TrieNode {
  next: Map<number, TrieNode>;
  end: boolean;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isWordChar = isAlpha;

export class Tokenizer {
  readonly vocab: readonly string[];
  readonly numbers: NumberMode;
  readonly entities: readonly string[];
  private readonly ids: Map<string, number>;
  private readonly trie: TrieNode;

  constructor(json: TokenizerJSON) {
    if (json.kind !== 'word-entity' || json.version !== 1) {
      throw new Error(`tokenizer: unsupported kind/version ${json.kind}/${json.version}`);
    }
    for (let i = 0; i < SPECIAL_TOKENS.length; i++) {
      if (json.vocab[i] !== SPECIAL_TOKENS[i]) throw new Error(`tokenizer: vocab[${i}] must be ${SPECIAL_TOKENS[i]}`);
    }
    this.vocab = json.vocab.slice();
    this.numbers = json.numbers;
    this.entities = json.entities.slice();
    this.ids = new Map();
    json.vocab.forEach((t, i) => {
      if (this.ids.has(t)) throw new Error(`tokenizer: duplicate token ${JSON.stringify(t)}`);
      this.ids.set(t, i);
    });
    this.trie = { next: new Map(), end: false };
    for (const e of [...this.entities, ...FORMAT_PIECES]) this.addToTrie(e);
  }

  get size(): number {
    return this.vocab.length;
  }

  toJSON(): TokenizerJSON {
    return { kind: 'word-entity', version: 1, numbers: this.numbers, entities: [...this.entities], vocab: [...this.vocab] };
  }

  static fromJSON(json: TokenizerJSON): Tokenizer {
    return new Tokenizer(json);
  }

  /** Id of a token string; throws on an unknown one. */
  id(token: string): number {
    const i = this.ids.get(token);
    if (i === undefined) throw new Error(`tokenizer: unknown token ${JSON.stringify(token)}`);
    return i;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** Text → token ids. An unknown piece is an error naming it and its offset, never a silent <unk>. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const piece of this.pieces(text)) {
      const i = this.ids.get(piece.token);
      if (i === undefined) {
        throw new Error(`tokenizer: unknown word ${JSON.stringify(piece.token)} at offset ${piece.offset}`);
      }
      out.push(i);
    }
    return out;
  }

  /** Token ids → text. Special tokens are dropped unless `keepSpecial`. */
  decode(ids: ArrayLike<number>, keepSpecial = false): string {
    let s = '';
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k];
      const t = this.vocab[i];
      if (t === undefined) throw new Error(`tokenizer: id ${i} outside the vocabulary (size ${this.vocab.length})`);
      if (i < SPECIAL_TOKENS.length && !keepSpecial) continue;
      s += t;
    }
    return s;
  }

  /** Split text into token strings (with their leading space) without looking them up. */
  pieces(text: string): { token: string; offset: number }[] {
    const out: { token: string; offset: number }[] = [];
    const n = text.length;
    let i = 0;
    while (i < n) {
      const start = i;
      let space = false;
      // one leading space joins the next piece; any other whitespace run is its own piece
      if (text.charCodeAt(i) === 32 && i + 1 < n && text.charCodeAt(i + 1) !== 32 && text.charCodeAt(i + 1) !== 10) {
        space = true;
        i++;
      }
      const len = this.pieceLength(text, i);
      const body = text.slice(i, i + len);
      out.push({ token: (space ? ' ' : '') + body, offset: start });
      i += len;
    }
    return out;
  }

  private pieceLength(text: string, i: number): number {
    const c = text.charCodeAt(i);
    const ent = this.matchTrie(text, i);
    if (ent > 0) return ent;
    if (c === 32) {
      let j = i;
      while (j < text.length && text.charCodeAt(j) === 32) j++;
      // a run of spaces before a newline/space keeps one space for the next piece when it can
      return j - i;
    }
    if (isDigit(c)) {
      if (this.numbers === 'digits') return 1;
      let j = i;
      while (j < text.length && isDigit(text.charCodeAt(j))) j++;
      return j - i;
    }
    if (isAlpha(c)) {
      let j = i;
      while (j < text.length && isAlpha(text.charCodeAt(j))) j++;
      return j - i;
    }
    // possessive "'s" is one token
    if (c === 39 && text.charCodeAt(i + 1) === 115 && !isWordChar(text.charCodeAt(i + 2) || 0)) return 2;
    return 1;
  }

  private addToTrie(s: string): void {
    let node = this.trie;
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      let nx = node.next.get(c);
      if (!nx) {
        nx = { next: new Map(), end: false };
        node.next.set(c, nx);
      }
      node = nx;
    }
    node.end = true;
  }

  /** Longest entity/format piece starting at i that ends on a word boundary; 0 if none. */
  private matchTrie(text: string, i: number): number {
    let node: TrieNode | undefined = this.trie;
    let best = 0;
    for (let k = i; k < text.length && node; k++) {
      node = node.next.get(text.charCodeAt(k));
      if (node?.end) {
        const after = text.charCodeAt(k + 1);
        const last = text.charCodeAt(k);
        if (!isAlpha(last) || Number.isNaN(after) || !isWordChar(after)) best = k - i + 1;
      }
    }
    return best;
  }
}

/**
 * Build a tokenizer whose vocabulary covers the given entities (with and without a leading space), all numbers
 * of the mode (both spacings), and every piece of the corpus as it occurs there. Sorted, so the same inputs give the same ids.
 */
export function buildTokenizer(opts: { entities: readonly string[]; corpus: Iterable<string>; numbers: NumberMode }): Tokenizer {
  const entities = [...new Set(opts.entities)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const probe = new Tokenizer({ kind: 'word-entity', version: 1, numbers: opts.numbers, entities, vocab: [...SPECIAL_TOKENS] });
  const set = new Set<string>();
  for (const e of entities) {
    set.add(e);
    set.add(' ' + e);
  }
  for (const f of FORMAT_PIECES) set.add(f);
  const nums = opts.numbers === 'digits' ? 10 : 23;
  for (let d = 0; d < nums; d++) {
    set.add(String(d));
    set.add(' ' + d);
  }
  for (const text of opts.corpus) for (const p of probe.pieces(text)) set.add(p.token);
  for (const s of SPECIAL_TOKENS) set.delete(s);
  const vocab = [...SPECIAL_TOKENS, ...[...set].sort()];
  return new Tokenizer({ kind: 'word-entity', version: 1, numbers: opts.numbers, entities, vocab });
}
