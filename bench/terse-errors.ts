// Where a base model's terse solutions go wrong, one line at a time (docs/regime.md, Base model): for every needed node
// of held-out forced-op problems the model gets the question and the correct earlier lines (teacher forcing), writes one
// line greedily, and the line is classified against the canonical one:
//   ok                      the canonical line
//   next node: repeat       it names a node already written (usually the parent it just used)
//   next node: other needed it names a needed node, but not the next one in solution order
//   next node: not needed   it names a pair of the problem's entities that the answer does not need
//   next node: foreign name it names an entity the problem does not have (binding: a sibling item, another category)
//   equation                right node, wrong parents / constant (form `named`: the SYM part; form `values`: SUBST)
//   values                  right node and equation, wrong parent values substituted (form `named` only)
//   arithmetic              right node, equation and values, wrong result
// Node kinds: leaf (a stated number), instance (stated equation; by parent count and constant), abstract (a category
// total the question never states). One JSON line per (op, kind) on stdout; --table prints a markdown table.
//
//   npx tsx bench/terse-errors.ts CHECKPOINT [--ops 3,4] [--n 80] [--distractors no] [--form values|named] [--table]
import { parseArgs } from 'node:util';
import { terseSolution, type TerseForm } from '../src/igsm/terse';
import { surfaceName } from '../src/igsm/render';
import type { GraphNode } from '../src/igsm/types';
import { initBackend } from '../src/model/backend';
import { sample } from '../src/model/sampler';
import { disposeTransformer } from '../src/model/transformer';
import { EOS } from '../src/text/tokenizer';
import { encodeTersePrompt } from '../src/train/format';
import { skillTests } from '../src/train/skill';
import { loadModel } from '../src/model/load';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ops: { type: 'string', default: '3,4' },
    n: { type: 'string', default: '80' },
    distractors: { type: 'string', default: 'no' },
    form: { type: 'string', default: 'values' },
    table: { type: 'boolean', default: false },
  },
});
const ckDir = positionals[0];
if (!ckDir) throw new Error('usage: npx tsx bench/terse-errors.ts CHECKPOINT [--ops 3,4] [--n 80] [--distractors no] [--form values|named] [--table]');
if (a.form !== 'values' && a.form !== 'named') throw new Error(`--form must be values or named, got "${a.form}"`);
const form: TerseForm = a.form;

export const CLASSES = ['ok', 'next node: repeat', 'next node: other needed', 'next node: not needed', 'next node: foreign name', 'equation', 'values', 'arithmetic'] as const;
type Class = (typeof CLASSES)[number];

function kindOf(node: GraphNode): string {
  if (node.kind === 'abstract') return 'abstract';
  if (node.parents.length === 0) return 'leaf';
  return `instance, ${node.parents.length} parent${node.parents.length > 1 ? 's' : ''}${node.constant !== null ? ' + constant' : ''}`;
}

/** Compare a written line with the canonical one (both "name = … = value"). */
function classify(got: string, want: string, written: ReadonlySet<string>, needed: ReadonlySet<string>, entities: ReadonlySet<string>): Class {
  if (got === want) return 'ok';
  const [gName, ...g] = got.split(' = ');
  const [wName, ...w] = want.split(' = ');
  if (gName !== wName) {
    if (written.has(gName)) return 'next node: repeat';
    if (needed.has(gName)) return 'next node: other needed';
    return gName.split("'s ").every((e) => entities.has(e)) ? 'next node: not needed' : 'next node: foreign name';
  }
  if (g.length !== w.length || g[0] !== w[0]) return 'equation';
  if (w.length >= 3 && g[1] !== w[1]) return 'values';
  return g.slice(0, -1).join(' = ') === w.slice(0, -1).join(' = ') ? 'arithmetic' : 'equation';
}

await initBackend();
const { model, tok } = loadModel(ckDir);
const nl = tok.encode('\n');
const tests = skillTests({ ops: String(a.ops).split(',').map(Number), n: Number(a.n), arith: 'mod23', surface: 'compact', distractors: a.distractors !== 'no', form }, []);
const rows: { op: number; kind: string; lines: number; share: Record<string, number> }[] = [];
for (const t of tests) {
  const prompts: number[][] = [];
  const meta: { kind: string; want: string; written: Set<string>; needed: Set<string>; entities: Set<string> }[] = [];
  for (const r of t.rows) {
    const sol = terseSolution(r.graph, 'compact', form).split('\n');
    const byName = new Map(r.graph.nodes.map((x) => [x.name, x]));
    const needed = new Set(r.graph.topo.map((x) => surfaceName(x, 'compact')));
    const entities = new Set(r.graph.layers.flatMap((l) => [l.category, ...l.items]));
    r.graph.topo.forEach((name, i) => {
      prompts.push([...encodeTersePrompt(tok, r.query), ...tok.encode(sol.slice(0, i + 1).join('\n') + '\n')]);
      meta.push({ kind: kindOf(byName.get(name)!), want: sol[i + 1], needed, entities, written: new Set(r.graph.topo.slice(0, i).map((x) => surfaceName(x, 'compact'))) });
    });
  }
  const res = sample(model, prompts, { maxNew: 80, temperature: 0, stop: [EOS, ...nl], seed: 0 });
  const counts = new Map<string, Map<Class, number>>();
  res.tokens.forEach((ids, i) => {
    const got = tok.decode(ids.filter((x) => x !== EOS && !nl.includes(x))).trim();
    const m = meta[i];
    const cls = classify(got, m.want, m.written, m.needed, m.entities);
    for (const k of [m.kind, 'all']) {
      const c = counts.get(k) ?? new Map<Class, number>();
      c.set(cls, (c.get(cls) ?? 0) + 1);
      counts.set(k, c);
    }
  });
  for (const [kind, c] of [...counts].sort((x, y) => (x[0] === 'all' ? 1 : y[0] === 'all' ? -1 : x[0].localeCompare(y[0])))) {
    const lines = [...c.values()].reduce((s, x) => s + x, 0);
    const share = Object.fromEntries(CLASSES.map((k) => [k, (c.get(k) ?? 0) / lines]));
    const row = { op: t.op, kind, lines, share };
    rows.push(row);
    if (!a.table) process.stdout.write(JSON.stringify({ name: 'terse_line_errors', checkpoint: ckDir, form, distractors: a.distractors !== 'no', ...row }) + '\n');
  }
}
disposeTransformer(model);
if (a.table) {
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
  const head = ['op', 'node kind', 'lines', ...CLASSES];
  process.stdout.write(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n`);
  for (const r of rows) process.stdout.write(`| ${r.op} | ${r.kind} | ${r.lines} | ${CLASSES.map((k) => pct(r.share[k])).join(' | ')} |\n`);
}
