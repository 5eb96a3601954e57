// Where an SFT model's response loss goes, by token kind (docs/learnability.md): template words, entity names, numbers
// after "=", other numbers, new variable letters (random: ≈ ln 52 is the floor) and letter uses (copies of a letter
// defined earlier, e.g. "as d. d = 3"). One JSON line per kind, on the first 64 SFT rows of a learnability arm.
//   npx tsx bench/token-loss.ts runs/learnability/<arm> [final|ckpt]
import { initBackend } from '../src/model/backend';
import { scoreSequences } from '../src/model/score';
import { loadDataDir, encodeRows } from '../src/train/data';
import { makeMicroBatch } from '../src/train/batches';
import { loadModel } from '../src/model/load';

const R = process.argv[2];
if (!R) throw new Error('usage: npx tsx bench/token-loss.ts runs/learnability/<arm> [final|ckpt]');
await initBackend();
const { model: m, tok, ck } = loadModel(`${R}/run/${process.argv[3] ?? 'final'}`);
const ex = encodeRows(loadDataDir(`${R}/sft`), tok, ck.config.ctx, 'sft').slice(0, 64);
const sums: Record<string, [number, number]> = {};
for (let i = 0; i < ex.length; i += 16) {
  const b = makeMicroBatch(ex.slice(i, i + 16), 'response', ck.config.ctx);
  const s = scoreSequences(m, b);
  const lp = s.logp.dataSync();
  s.logp.dispose();
  for (let r = 0; r < b.batch; r++)
    for (let t = 0; t < b.len; t++) {
      if (!b.lossMask[r * b.len + t]) continue;
      const w = tok.decode([b.ids[r * b.len + t]]);
      const prev = tok.decode([b.ids[r * b.len + t - 1]]).trim();
      const kind = /^ ?\d+$/.test(w) ? (prev === '=' ? 'number-after-eq' : 'number-other')
        : /^ [a-zA-Z]$/.test(w) ? (prev === 'as' || prev === 'let' ? 'letter-new' : 'letter-use')
        : /^ ?[A-Z][a-z]+/.test(w) && w.trim().length > 2 ? 'name' : 'template';
      sums[kind] ??= [0, 0];
      sums[kind][0] -= lp[r * b.len + t];
      sums[kind][1]++;
    }
}
for (const [kind, [nll, n]] of Object.entries(sums)) process.stdout.write(JSON.stringify({ name: `token_nll_${kind}`, value: +(nll / n).toFixed(3), unit: 'nats', tokens: n, arm: R }) + '\n');
