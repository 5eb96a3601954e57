// Text statistics of candidate SFT regimes (the regime study, docs/regime.md): for each op range and question form,
// the same base problems answered Vanilla, BRIDGE and by each ablation arm — tokens per answer, the BRIDGE/Vanilla
// token ratio, the share of BRIDGE answers with a reflection, and whether the ablation arms' texts differ.
// Usage: npx tsx bench/regime-text.ts [--n 500] [--seed 100]   (one JSON line per candidate and surface; the lines
// are also written to docs/regime-text.jsonl)
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../src/fsutil.js';
import { baseRows } from '../test/inject-rows.js';
import { injectRow } from '../src/inject/inject.js';
import { seededStream } from '../src/inject/streams.js';
import { resolveVariant } from '../src/inject/variants.js';
import { canonicalTokenizer } from '../src/text/vocab.js';
import type { ProblemRow } from '../src/igsm/types.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}
const n = arg('n', 500);
const seed = arg('seed', 100);
const tok = canonicalTokenizer('mod23');
const out: string[] = [];
const CANDIDATES: { ops: [number, number]; force: boolean; distractors: boolean }[] = [
  { ops: [3, 3], force: true, distractors: false },
  { ops: [3, 3], force: true, distractors: true },
  { ops: [4, 4], force: true, distractors: true },
  { ops: [5, 5], force: true, distractors: true },
  { ops: [6, 6], force: true, distractors: true },
  { ops: [8, 8], force: true, distractors: true },
  { ops: [10, 10], force: true, distractors: true },
  { ops: [12, 12], force: true, distractors: true },
  { ops: [15, 20], force: false, distractors: true },
  { ops: [2, 6], force: false, distractors: true },
  { ops: [3, 8], force: false, distractors: true },
  { ops: [1, 10], force: false, distractors: true },
];
for (const surface of ['compact', 'english'] as const) for (const c of CANDIDATES) {
  if (surface === 'english' && !c.distractors) continue;
  const base = baseRows(n, { minOps: c.ops[0], maxOps: c.ops[1], force: c.force, arith: 'mod23', redundantQuery: c.distractors }, surface, seed);
  const arm = (v: string): ProblemRow[] => base.flatMap((row) => injectRow(row, resolveVariant(v), seededStream(seed, row.id)));
  const toks = (rows: ProblemRow[]) => rows.reduce((s, r) => s + tok.encode(r.response).length, 0) / rows.length;
  const hash = (rows: ProblemRow[]) => createHash('sha256').update(rows.map((r) => r.response).join('\u0000')).digest('hex').slice(0, 12);
  const arms = Object.fromEntries(['vanilla', 'bridge', 'analysis', 'subgoal', 'exploit', 'explore'].map((v) => [v, arm(v)]));
  const qTok = base.reduce((s, r) => s + tok.encode(r.query).length, 0) / base.length;
  const hashes = Object.fromEntries(Object.entries(arms).map(([k, rows]) => [k, hash(rows)]));
  const line = JSON.stringify({
    surface, ops: c.ops, force: c.force, distractors: c.distractors, n,
    query_tokens: +qTok.toFixed(1),
    vanilla_tokens: +toks(arms.vanilla).toFixed(1),
    bridge_tokens: +toks(arms.bridge).toFixed(1),
    bridge_vanilla_token_ratio: +(toks(arms.bridge) / toks(arms.vanilla)).toFixed(3),
    bridge_share_with_reflection: +(arms.bridge.filter((r) => (r.trace?.reflections ?? 0) > 0).length / n).toFixed(3),
    subgoal_steps_per_answer: +(arms.subgoal.reduce((s, r) => s + (r.trace?.subgoalSteps ?? 0), 0) / n).toFixed(2),
    distinct_texts: new Set(Object.values(hashes)).size,
    analysis_eq_exploit: hashes.analysis === hashes.exploit,
    subgoal_eq_vanilla: hashes.subgoal === hashes.vanilla,
  });
  console.log(line);
  out.push(line);
}
writeFileAtomic('docs/regime-text.jsonl', out.join('\n') + '\n');
