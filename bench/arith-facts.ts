// Does a model know mod-23 arithmetic? (docs/regime.md, Base model) Held-out drill lists (src/train/drill.ts, a seed no
// run trains on): the model gets the list's earlier facts and "a OP b =", and writes the result greedily. One JSON line
// per operation: facts right / asked (a uniform guesser: 1/23 ≈ 4.3 %).
//
//   npx tsx bench/arith-facts.ts CHECKPOINT [--lists 40] [--facts 10] [--seed 999]
import { parseArgs } from 'node:util';
import { initBackend } from '../src/model/backend';
import { sample } from '../src/model/sampler';
import { disposeTransformer } from '../src/model/transformer';
import { BOS, EOS } from '../src/text/tokenizer';
import { drillText } from '../src/train/drill';
import { loadModel } from '../src/model/load';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: { lists: { type: 'string', default: '40' }, facts: { type: 'string', default: '10' }, seed: { type: 'string', default: '999' } },
});
if (!positionals[0]) throw new Error('usage: npx tsx bench/arith-facts.ts CHECKPOINT [--lists 40] [--facts 10] [--seed 999]');
await initBackend();
const { model, tok } = loadModel(positionals[0]);
const prompts: number[][] = [];
const asked: { op: string; want: string }[] = [];
for (let i = 0; i < Number(a.lists); i++) {
  const lines = drillText(Number(a.seed), i, Number(a.facts)).split('\n');
  lines.forEach((line, j) => {
    const [lhs, want] = line.split(' = ');
    prompts.push([BOS, ...tok.encode('\n' + [...lines.slice(0, j), `${lhs} =`].join('\n'))]);
    asked.push({ op: lhs.split(' ')[1], want });
  });
}
const res = sample(model, prompts, { maxNew: 2, temperature: 0, stop: [EOS], seed: 0 });
disposeTransformer(model);
const by = new Map<string, { right: number; n: number }>();
res.tokens.forEach((ids, i) => {
  const got = tok.decode(ids).trim().split(/\s/)[0];
  const b = by.get(asked[i].op) ?? { right: 0, n: 0 };
  b.n++;
  if (got === asked[i].want) b.right++;
  by.set(asked[i].op, b);
});
for (const [op, b] of [...by].sort()) {
  process.stdout.write(JSON.stringify({ name: 'arith_fact_accuracy', checkpoint: positionals[0], op, right: b.right, asked: b.n, accuracy: b.right / b.n, chance: 1 / 23 }) + '\n');
}
