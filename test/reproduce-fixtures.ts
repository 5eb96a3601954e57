// A stage executor for runner tests: stages run in-process with made-up results of the right shape.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { StageExecutor } from '../src/experiments/runner';
import type { StageJob } from '../src/experiments/stages';

/** Executes stages in-process with made-up results (of the right shape), failing the stages `fail` matches. */
export function fakeExecutor(fail: RegExp, ran: string[]): StageExecutor {
  const results: Record<string, unknown> = {
    splits: { counts: {} },
    data: { problems: 1, rows: 1, variant: 'x' },
    sft: { steps: 1, tokensSeen: 100, finalLoss: 1, weightsHash: 'w', trainSeconds: 1 },
    'eval-sft': { id: { accuracy: 0.25 }, ood: { accuracy: 0.5 } },
    'eval-rft': { id: { accuracy: 0.5 }, ood: { accuracy: 0.75 } },
    grpo: { steps: 1, weightsHash: 'w', curve: [{ step: 0, reward: 0.5, informative: 0.5, valAccuracy: 0.5 }], valBefore: 0.25, trainSeconds: 2 },
    probe: { queries: 2, samples: 4, histogram: { '0': 1, '(0.4,0.6]': 1 }, informative: 0.5, meanAlpha: 0.25, influence: { queries: 2, targets: 1, norm: 'mean', byBin: [{ bin: '0', queries: 1, meanInfluence: 0, meanCoInfluence: 0 }, { bin: '(0.4,0.6]', queries: 1, meanInfluence: 2, meanCoInfluence: 4 }], mean: 1 } },
  };
  return {
    async run(job: StageJob) {
      ran.push(job.id);
      if (fail.test(job.id)) throw new Error('boom');
      for (const dir of Object.values(job.inputs)) expect(fs.existsSync(path.join(dir, 'done.json'))).toBe(true); // inputs finished first
      // one output file, as a real stage has (the runner records and later verifies its hash)
      fs.mkdirSync(path.join(job.dir, 'out'), { recursive: true });
      fs.writeFileSync(path.join(job.dir, 'out', 'result.txt'), `${job.id}\n`);
      fs.writeFileSync(path.join(job.dir, 'done.json'), JSON.stringify({ seconds: 0.1, result: results[job.kind] }));
    },
    async close() {},
  };
}
