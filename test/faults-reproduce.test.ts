// `bridge reproduce` under faults (README "Reliability"): a finished stage whose outputs changed afterwards is not
// trusted but run again (with what depends on it), and a rerun that fails part-way never shortens the results.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runExperiments, type StageExecutor } from '../src/experiments/runner';
import type { StageJob } from '../src/experiments/stages';
import { tmp } from './faults-fixtures';

const RESULTS: Record<string, unknown> = {
  splits: { counts: {} },
  data: { problems: 1, rows: 1, variant: 'x' },
  sft: { steps: 1, tokensSeen: 100, finalLoss: 1, weightsHash: 'w', trainSeconds: 1 },
  'eval-sft': { id: { accuracy: 0.25 }, ood: { accuracy: 0.5 } },
  'eval-rft': { id: { accuracy: 0.5 }, ood: { accuracy: 0.75 } },
  grpo: { steps: 1, weightsHash: 'w', curve: [{ step: 0, reward: 0.5, informative: 0.5, valAccuracy: 0.5 }], valBefore: 0.25, trainSeconds: 2 },
  probe: { queries: 2, samples: 4, histogram: { '0': 1, '1': 1 }, informative: 0.5, meanAlpha: 0.5, influence: { queries: 2, targets: 1, norm: 'mean', byBin: [], mean: 0 } },
};

/** Runs stages in-process: each writes an output file (its id) and a done.json of the right shape, as a worker does. */
function executor(ran: string[], fail = /^$/): StageExecutor {
  return {
    async run(job: StageJob) {
      ran.push(job.id);
      if (fail.test(job.id)) throw new Error('boom');
      fs.mkdirSync(path.join(job.dir, 'out'), { recursive: true });
      fs.writeFileSync(path.join(job.dir, 'out', 'result.txt'), `${job.id}\n`);
      fs.writeFileSync(path.join(job.dir, 'done.json'), JSON.stringify({ seconds: 0.1, result: RESULTS[job.kind] }));
    },
    async close() {},
  };
}

const go = (out: string, ran: string[], fail?: RegExp) => runExperiments({ preset: 'tiny', out, jobs: 2, progress: false, log: () => {}, executor: executor(ran, fail) });

describe('5. reproduce verifies what it reuses and keeps complete results', () => {
  it('a reused stage whose output was corrupted or deleted runs again, and so does everything that read it', async () => {
    const out = tmp('reuse');
    const first = await go(out, []);
    expect(first.failures).toEqual([]);
    const byKind = (kind: string, method: string) => first.plan.stages.find((s) => s.kind === kind && s.method === method)!;
    const data = byKind('data', 'bridge');
    const evalSft = byKind('eval-sft', 'vanilla');
    fs.writeFileSync(path.join(data.dir, 'out', 'result.txt'), 'flipped bits\n');
    fs.rmSync(path.join(evalSft.dir, 'out', 'result.txt'));
    const ran: string[] = [];
    const second = await go(out, ran);
    // the data stage and its dependents (transitively), and the eval stage whose output vanished: nothing else
    const downstream = new Set([data.id]);
    for (const s of first.plan.stages) if (Object.values(s.deps).some((d) => downstream.has(d))) downstream.add(s.id);
    expect(new Set(ran)).toEqual(new Set([...downstream, evalSft.id]));
    expect(downstream.size).toBeGreaterThan(3);
    expect(second.reused).toHaveLength(first.plan.stages.length - ran.length);
    expect(fs.readFileSync(path.join(data.dir, 'out', 'result.txt'), 'utf8')).toBe(`${data.id}\n`);
    // once verified, a third invocation reuses everything
    const third: string[] = [];
    await go(out, third);
    expect(third).toEqual([]);
  });

  it('a rerun that fails part-way leaves the complete rows in place and writes its own to results/partial', async () => {
    const out = tmp('partial');
    const first = await go(out, []);
    const rows = fs.readFileSync(path.join(out, 'results', 'rows.json'), 'utf8');
    const csv = fs.readFileSync(path.join(out, 'results', 'rows.csv'), 'utf8');
    const sft = first.plan.stages.find((s) => s.kind === 'sft' && s.method === 'vanilla')!;
    fs.writeFileSync(path.join(sft.dir, 'out', 'result.txt'), 'corrupt\n');
    const second = await go(out, [], new RegExp(`^${sft.id}$`));
    expect(second.failures.map((f) => f.id)).toEqual([sft.id]);
    expect(second.rows.length).toBeLessThan(first.rows.length);
    expect(fs.readFileSync(path.join(out, 'results', 'rows.json'), 'utf8')).toBe(rows);
    expect(fs.readFileSync(path.join(out, 'results', 'rows.csv'), 'utf8')).toBe(csv);
    const partial = JSON.parse(fs.readFileSync(path.join(out, 'results', 'partial', 'rows.json'), 'utf8'));
    expect(partial).toHaveLength(second.rows.length);
    // a complete rerun replaces them (and the partial ones go)
    const third = await go(out, []);
    expect(third.failures).toEqual([]);
    expect(fs.existsSync(path.join(out, 'results', 'partial'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'results', 'rows.json'), 'utf8'))).toHaveLength(first.rows.length);
  });
});
