// The body of `bridge probe …` (loaded only when the command runs: it pulls in tfjs).
import fs from 'node:fs';
import path from 'node:path';
import { LOCK_NAME, writeJsonAtomic } from '../fsutil';
import { withLock } from '../lock';
import { initBackend } from '../model/backend';
import { loadModel } from '../model/load';
import { DataParallel } from '../model/parallel';
import { resolveCheckpoint } from '../model/checkpoint-path';
import { assertDataFitsModel, loadDataDir } from '../train/data';
import { responsePerplexity, rolloutEntropy } from './entropy';
import { contrastGradient, countSketch, fitStats, groundTruth, influenceByBin, projectionError, queryInfluence, targetGradient, type InfluenceOptions } from './influence';
import { dot, norm } from './gradients';
import { accuracyReport, sampleGroups, type RolloutOptions } from './rollouts';

import type { Usage } from '../flags';
import type { ProbeFlags } from './commands';
import { INFLUENCE_ONLY, type ProbeOptions } from './options';

/** What the probes write into --out (one directory may hold all three). */
const PROBE_FILES = ['accuracy.json', 'influence.json', 'entropy.json'];

/** Run one probe on a checkpoint and write <which>.json into --out; `given` lists the flags typed on the command line. */
/** Run one probe on a checkpoint and write <which>.json into --out; `given` lists the options typed on the command line. */
export async function runProbe(which: string, f: ProbeFlags, o: ProbeOptions, usage: Usage, given: readonly string[] = []): Promise<void> {
      if (!['accuracy', 'influence', 'entropy'].includes(which)) throw usage(`probe must be accuracy, influence or entropy, got "${which}"`);
      const ignored = which === 'influence' ? undefined : given.find((k) => k === 'targets' || (INFLUENCE_ONLY as readonly string[]).includes(k));
      if (ignored) throw usage(`--${ignored.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to \`bridge probe influence\` only, not ${which}`);
      const n = o.n;
      const ro: RolloutOptions = { n: o.samples, temperature: o.temperature, seed: o.seed };
      const workers = o.workers;
      if (which === 'influence' && ro.n < 2) throw usage('influence needs --samples ≥ 2: a single rollout per query has no contrast, every influence would be 0');
      const eta = o.eta;
      const gtEta = o.gtEta;
      const outFile = path.join(f.out, `${which}.json`);
      await withLock(f.out, `--out ${f.out}`, 'dir', async () => {
        if (fs.existsSync(outFile) && !f.force) throw usage(`--out ${f.out}: holds ${which}.json already (pass --force to overwrite it)`);
        const foreign = fs.readdirSync(f.out).filter((e) => e !== LOCK_NAME && !PROBE_FILES.includes(e));
        if (foreign.length && !f.force) throw usage(`--out ${f.out}: holds ${foreign.slice(0, 3).join(', ')}, not probe results (pass --force to write beside them)`);
        await probe(which, f, usage, { n, ro, workers, eta, gtEta, outFile, o });
      });
}

async function probe(
  which: string,
  f: ProbeFlags,
  usage: Usage,
  plan: { n: number; ro: RolloutOptions; workers: number; eta: number; gtEta: number; outFile: string; o: ProbeOptions },
): Promise<void> {
      const { n, ro, workers } = plan;
      await initBackend();
      const ckDir = resolveCheckpoint(f.ckpt);
      // trainable: influence takes gradients
      const { model, tok, ck } = loadModel(ckDir, { label: '--ckpt', trainable: true });
      const data = loadDataDir(f.data);
      assertDataFitsModel(data, tok, '--data', `--ckpt ${f.ckpt}`);
      if (n > data.rows.length) throw usage(`--n ${n} is more than the ${data.rows.length} problems in --data ${f.data}`);
      const rows = data.rows.slice(0, n);
      const dp = workers > 1 ? await DataParallel.create(model, { workers }) : null;
      const t0 = Date.now();
      try {
        const groups = await sampleGroups(model, tok, rows, { ...ro, dp });
        const tSample = (Date.now() - t0) / 1000;
        const meta = { ckpt: path.resolve(ckDir), contentHash: ck.contentHash, data: path.resolve(f.data), ...ro, seconds: { sampling: tSample } };
        let summary: Record<string, unknown>;
        if (which === 'accuracy') {
          const rep = accuracyReport(groups, ro);
          writeJsonAtomic(plan.outFile, { ...meta, ...rep });
          summary = { queries: rep.queries, informative: rep.informative, meanAlpha: rep.meanAlpha, histogram: rep.histogram };
        } else if (which === 'entropy') {
          const e = rolloutEntropy(model, groups, ro.temperature);
          const p = responsePerplexity(model, tok, rows.filter((r) => r.response));
          const rep = { rolloutEntropy: e.entropy, rolloutTokens: e.tokens, perplexity: p.perplexity, referenceTokens: p.tokens };
          writeJsonAtomic(plan.outFile, { ...meta, ...rep });
          summary = rep;
        } else {
          const io: InfluenceOptions = { norm: plan.o.norm, temperature: ro.temperature, eta: plan.eta };
          const targetData = f.targets ? loadDataDir(f.targets, '--targets') : null;
          if (targetData) assertDataFitsModel(targetData, tok, '--targets', `--ckpt ${f.ckpt}`);
          const targetRows = targetData ? targetData.rows : data.rows.slice(n);
          const tn = plan.o.targetN;
          if (targetRows.length < 1) throw usage('influence needs target queries: pass --targets DIR or a --data with more than --n rows');
          const targets = await sampleGroups(model, tok, targetRows.slice(0, tn), { ...ro, seed: ro.seed + 1, dp });
          const tT = Date.now();
          const gT = targetGradient(model, targets, io);
          const targetSeconds = (Date.now() - tT) / 1000;
          const targetGradNorm = norm(gT);
          // one or more sketch sizes: the error-vs-k curve comes from the same rollouts and exact gradients
          const ks = plan.o.project ?? [];
          const sketches = ks.map((k, i) => {
            const sk = countSketch(model.size, k, ro.seed + 7 + i);
            return { k, sk, target: sk(gT), pairs: [] as { exact: number; projected: number }[] };
          });
          const perQuery = [];
          const contrasts: { g: (typeof groups)[number]; contrast: Float32Array }[] = [];
          let exactSeconds = 0;
          let projSeconds = 0;
          for (const g of groups) {
            const tq = Date.now();
            const c = contrastGradient(model, g, io);
            const row = queryInfluence(g, gT, targetGradNorm, c, io);
            exactSeconds += (Date.now() - tq) / 1000;
            const proj: Record<string, number> = {};
            if (c) {
              for (const s of sketches) {
                const tp = Date.now();
                proj[s.k] = dot(s.target, s.sk(c));
                projSeconds += (Date.now() - tp) / 1000;
                s.pairs.push({ exact: row.coInfluence, projected: proj[s.k] });
              }
            }
            perQuery.push({ ...row, projectedCoInfluence: sketches.length ? proj : undefined });
            if (c) contrasts.push({ g, contrast: c });
          }
          const projected = sketches[0]?.pairs.length ?? 0; // queries with a contrast gradient, each sketched once per k
          const gtN = plan.o.groundTruth;
          const gtEta = plan.gtEta;
          const gt = gtN > 0 ? groundTruth(model, targets, gT, contrasts.slice(0, gtN), gtEta, io) : [];
          const gtHalf = gtN > 0 ? groundTruth(model, targets, gT, contrasts.slice(0, gtN), gtEta / 2, io) : [];
          const informative = perQuery.filter((r) => r.alpha > 0 && r.alpha < 1).length;
          const rep = {
            ...meta,
            norm: io.norm,
            eta: io.eta,
            targetQueries: targets.length,
            targetGradNorm,
            perQuery,
            byBin: influenceByBin(perQuery),
            meanInfluence: perQuery.reduce((a, r) => a + r.influence, 0) / perQuery.length,
            projection: sketches.length ? sketches.map((s) => projectionError(s.k, s.pairs)) : null,
            groundTruth: gtN > 0 ? { eta: gtEta, points: gt, fit: fitStats(gt), halfEtaRatio: gt.reduce((a, p) => a + p.actual, 0) / gtHalf.reduce((a, p) => a + p.actual, 0) } : null,
            cost: {
              targetGradientSeconds: targetSeconds,
              exactSecondsPerInformativeQuery: informative ? exactSeconds / informative : null,
              // sketching one query gradient and the dot product, per sketch size (the exact gradient is computed once)
              projectionSecondsPerQuery: projected ? projSeconds / projected / sketches.length : null,
              samplingSecondsPerQuery: tSample / groups.length,
            },
          };
          writeJsonAtomic(plan.outFile, rep);
          summary = { meanInfluence: rep.meanInfluence, byBin: rep.byBin, projection: rep.projection, groundTruth: rep.groundTruth?.fit ?? null, cost: rep.cost };
        }
        process.stdout.write(f.json ? JSON.stringify(summary) + '\n' : JSON.stringify(summary, null, 2) + '\n');
      } finally {
        await dp?.close();
      }
}
