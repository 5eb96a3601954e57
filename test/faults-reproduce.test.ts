// `bridge reproduce` under faults (README "Reliability"): a finished stage whose outputs changed afterwards is not
// trusted but run again (with what depends on it), and a rerun that fails part-way never shortens the results.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runExperiments } from '../src/experiments/runner';
import { tmp } from './faults-fixtures';
import { fakeExecutor } from './reproduce-fixtures';

const go = (out: string, ran: string[], fail = /^$/) => runExperiments({ preset: 'tiny', out, jobs: 2, progress: false, log: () => {}, executor: fakeExecutor(fail, ran) });

describe('reproduce verifies what it reuses and keeps complete results', () => {
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
