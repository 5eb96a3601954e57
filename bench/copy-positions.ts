// Why RoPE (docs/learnability.md): can a 2-layer d64 model learn to copy a random 8-token span that starts at a random
// offset in [0, PRE]? With learned absolute positions it does at PRE = 40 but not at PRE = 180 within 400 steps (the SFT
// data spreads copies over ~200 positions); with RoPE it does at both. One JSON line per (pos, PRE) at each logged step.
//   npx tsx bench/copy-positions.ts [--steps 400] [--pre 40,180] [--pos learned,rope]
import { initBackend } from '../src/model/backend';
import { createTransformer, disposeTransformer } from '../src/model/transformer';
import { createAdamW, trainStep } from '../src/model/step';
import { lossOnBatch } from '../src/model/score';
import { Rng } from '../src/rng';

const arg = (k: string, d: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const steps = Number(arg('--steps', '400'));
const V = 60, K = 8, B = 16;
await initBackend();
for (const pos of arg('--pos', 'learned,rope').split(',') as ('learned' | 'rope')[]) {
  for (const PRE of arg('--pre', '40,180').split(',').map(Number)) {
    const m = createTransformer({ vocab: V, ctx: 512, d: 64, layers: 2, heads: 2, pos }, { seed: 1 });
    const opt = createAdamW(m, { lr: 3e-3, beta1: 0.9, beta2: 0.95, weightDecay: 0.01, clipNorm: 1, eps: 1e-8 });
    const rng = new Rng(5);
    const T = 2 * K + 1 + PRE;
    let last = NaN;
    for (let step = 0; step <= steps; step++) {
      const ids = new Int32Array(B * T);
      const mask = new Float32Array(B * T);
      for (let r = 0; r < B; r++) {
        const seq = Array.from({ length: K }, () => rng.int(3, V - 1));
        const pre = rng.int(0, PRE);
        const row = [...Array.from({ length: pre }, () => rng.int(3, V - 1)), ...seq, 2, ...seq];
        while (row.length < T) row.push(rng.int(3, V - 1));
        // score the copied tokens after the first one (which needs no lookup of a position)
        row.forEach((v, t) => { ids[r * T + t] = v; if (t > pre + K + 1 && t < pre + 2 * K + 1) mask[r * T + t] = 1; });
      }
      last = trainStep(m, opt, lossOnBatch, [{ batch: { ids, batch: B, len: T, attn: null, lossMask: mask }, weight: 1 }]).loss;
      if (step % 100 === 0) process.stdout.write(JSON.stringify({ name: `copy_loss_${pos}_pre${PRE}_step${step}`, value: +last.toFixed(4), unit: 'nats', uniform: +Math.log(V - 3).toFixed(3) }) + '\n');
    }
    disposeTransformer(m);
  }
}
