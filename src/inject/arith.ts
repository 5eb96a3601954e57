// Arithmetic over the expression strings that appear in equation chains ("2 + (12 - 4)", "7 * -17"): tokenizing, the
// one-operation-at-a-time reducer (docs/igsm-generator.md, Subgoal computation), and evaluation. BigInt throughout, so
// products that pass 2^53 inside a chain are still exact.

/** A token of an equation: a signed integer, a variable (letter), a binary operator or a parenthesis. */
export type Token =
  | { t: 'num'; v: bigint }
  | { t: 'var'; name: string }
  | { t: 'op'; op: '+' | '-' | '*' }
  | { t: '(' }
  | { t: ')' };

const DIGIT = /[0-9]/;
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/**
 * Tokens of an expression, or null when the text is not a well-formed expression.
 * A '-' directly followed by a digit is a sign when it starts an operand (at the start, after '(' or after an
 * operator); otherwise it is the binary minus. Spacing is free.
 */
export function tokenize(text: string): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  const operandExpected = (): boolean => {
    const last = out[out.length - 1];
    return last === undefined || last.t === '(' || last.t === 'op';
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ') {
      i++;
    } else if (ch === '(' || ch === ')') {
      out.push({ t: ch });
      i++;
    } else if (ch === '+' || ch === '*') {
      out.push({ t: 'op', op: ch });
      i++;
    } else if (ch === '-') {
      if (operandExpected() && i + 1 < text.length && DIGIT.test(text[i + 1])) {
        let j = i + 1;
        while (j < text.length && DIGIT.test(text[j])) j++;
        out.push({ t: 'num', v: BigInt(text.slice(i, j)) });
        i = j;
      } else {
        out.push({ t: 'op', op: '-' });
        i++;
      }
    } else if (DIGIT.test(ch)) {
      let j = i;
      while (j < text.length && DIGIT.test(text[j])) j++;
      out.push({ t: 'num', v: BigInt(text.slice(i, j)) });
      i = j;
    } else if (IDENT_START.test(ch)) {
      let j = i;
      while (j < text.length && IDENT_PART.test(text[j])) j++;
      out.push({ t: 'var', name: text.slice(i, j) });
      i = j;
    } else {
      return null;
    }
  }
  return wellFormed(out) ? out : null;
}

/** Operand/operator alternation and balanced parentheses. */
function wellFormed(tokens: readonly Token[]): boolean {
  if (tokens.length === 0) return false;
  let depth = 0;
  let wantOperand = true;
  for (const tok of tokens) {
    if (wantOperand) {
      if (tok.t === '(') depth++;
      else if (tok.t === 'num' || tok.t === 'var') wantOperand = false;
      else return false;
    } else {
      if (tok.t === ')') {
        if (--depth < 0) return false;
      } else if (tok.t === 'op') wantOperand = true;
      else return false;
    }
  }
  return depth === 0 && !wantOperand;
}

/** Canonical spelling: single spaces around operators, none inside parentheses ("2 + (12 - 4)"). */
export function formatTokens(tokens: readonly Token[]): string {
  let s = '';
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const prev = tokens[i - 1];
    if (i > 0 && prev.t !== '(' && tok.t !== ')') s += ' ';
    s += tokText(tok);
  }
  return s;
}

function tokText(tok: Token): string {
  switch (tok.t) {
    case 'num':
      return tok.v.toString();
    case 'var':
      return tok.name;
    case 'op':
      return tok.op;
    default:
      return tok.t;
  }
}

/** Two token lists spell the same expression (spacing aside). */
export function sameTokens(a: readonly Token[], b: readonly Token[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (tokText(a[i]) !== tokText(b[i]) || a[i].t !== b[i].t) return false;
  return true;
}

function reduceMod(v: bigint, modulus: number | null): bigint {
  if (modulus === null) return v;
  const m = BigInt(modulus);
  return ((v % m) + m) % m;
}

function apply(op: '+' | '-' | '*', a: bigint, b: bigint, modulus: number | null): bigint {
  const r = op === '+' ? a + b : op === '-' ? a - b : a * b;
  return reduceMod(r, modulus);
}

/** Index of the leftmost operator in tokens[lo, hi) matching `ops` (binary operators only). */
function leftmostOp(tokens: readonly Token[], lo: number, hi: number, ops: string): number {
  for (let i = lo; i < hi; i++) {
    const tok = tokens[i];
    if (tok.t === 'op' && ops.includes(tok.op)) return i;
  }
  return -1;
}

/** Replace `a op b` around operator index i (both operands must be numbers) by its value. */
function collapseAt(tokens: readonly Token[], i: number, modulus: number | null): Token[] | null {
  const a = tokens[i - 1];
  const b = tokens[i + 1];
  const op = tokens[i];
  if (a?.t !== 'num' || b?.t !== 'num' || op.t !== 'op') return null;
  return [...tokens.slice(0, i - 1), { t: 'num', v: apply(op.op, a.v, b.v, modulus) }, ...tokens.slice(i + 2)];
}

/** One reduction step inside the flat (parenthesis-free) range [lo, hi): leftmost ×, else leftmost ±. */
function flatStep(tokens: readonly Token[], lo: number, hi: number, modulus: number | null): Token[] | null {
  const mul = leftmostOp(tokens, lo, hi, '*');
  const at = mul >= 0 ? mul : leftmostOp(tokens, lo, hi, '+-');
  return at >= 0 ? collapseAt(tokens, at, modulus) : null;
}

/**
 * One reduction rule applied to a variable-free expression; null when it is already a single integer or is not a
 * numeric expression. Rules: (1) the innermost (leftmost) parenthesised group — with ≥ 2 binary operators its
 * leftmost operation is done inside the kept parentheses (× before ±), with one operator the whole group collapses;
 * (2) otherwise the leftmost ×; (3) otherwise the leftmost + or −. In modular mode each result is reduced.
 */
export function reduceTokens(tokens: readonly Token[], modulus: number | null): Token[] | null {
  if (tokens.some((t) => t.t === 'var')) return null;
  let open = -1;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok.t === '(') open = i;
    else if (tok.t === ')') {
      const ops = tokens.slice(open + 1, i).filter((t) => t.t === 'op').length;
      if (ops >= 2) return flatStep(tokens, open + 1, i, modulus);
      if (ops === 0) return [...tokens.slice(0, open), ...tokens.slice(open + 1, i), ...tokens.slice(i + 1)];
      const inner = flatStep(tokens, open + 1, i, modulus);
      if (inner === null) return null;
      // after collapsing, the group is "( value )" at [open, open + 2]
      return [...inner.slice(0, open), inner[open + 1], ...inner.slice(open + 3)];
    }
  }
  return flatStep(tokens, 0, tokens.length, modulus);
}

/** The reduction step after `expr`, canonically spelled; null when `expr` is a single integer or not numeric. */
export function reduceOnce(expr: string, modulus: number | null): string | null {
  const tokens = tokenize(expr);
  if (tokens === null) return null;
  const next = reduceTokens(tokens, modulus);
  return next === null ? null : formatTokens(next);
}

/** Every expression after `expr` down to the single integer (empty when `expr` already is one). */
export function reductionChain(expr: string, modulus: number | null): string[] {
  let tokens = tokenize(expr);
  if (tokens === null) throw new Error(`reductionChain: not an arithmetic expression: ${JSON.stringify(expr)}`);
  const out: string[] = [];
  for (;;) {
    const next = reduceTokens(tokens, modulus);
    if (next === null) break;
    out.push(formatTokens(next));
    tokens = next;
  }
  if (tokens.length !== 1 || tokens[0].t !== 'num') {
    throw new Error(`reductionChain: expression has variables: ${JSON.stringify(expr)}`);
  }
  return out;
}

/** The value of a variable-free expression (reduced in modular mode), or null when it is not one. */
export function evaluateTokens(tokens: readonly Token[], modulus: number | null): bigint | null {
  let cur: readonly Token[] = tokens;
  for (let guard = 0; guard <= tokens.length; guard++) {
    if (cur.length === 1) return cur[0].t === 'num' ? reduceMod(cur[0].v, modulus) : null;
    const next = reduceTokens(cur, modulus);
    if (next === null) return null;
    cur = next;
  }
  return null;
}

/** A single (signed) integer literal, or null. */
export function integerLiteral(text: string): bigint | null {
  return /^-?[0-9]+$/.test(text.trim()) ? BigInt(text.trim()) : null;
}
