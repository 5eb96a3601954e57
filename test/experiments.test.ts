// `bridge reproduce`: the tiny preset end to end (schema, every table cell and figure series, reuse,
// kill -9 + resume = the uninterrupted results), plus the plan's hashing and dedupe and the failure path.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bridgeKilledWhen } from './cli-helpers';
import { ALPHA_BINS } from '../src/train/grpo';
import { buildPlan, modelEnv, stageHash, stableStringify, TABLE1_METHODS, FIG4_METHODS, KEY_METHODS, sweepMethod } from '../src/experiments/definitions';
import { allSeeds, getPreset, presetConfig, PRESETS } from '../src/experiments/presets';
import { answersHash, readResults, ROW_ALPHA_BINS, validateRows, type ResultRow } from '../src/experiments/results';
import { runExperiments } from '../src/experiments/runner';
import { fakeExecutor } from './reproduce-fixtures';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const cli = path.join(root, 'src', 'cli.ts');
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bridge-exp-${p}-`));

function reproduce(out: string, env: Record<string, string> = {}, extra: string[] = []) {
  return spawnSync(process.execPath, [tsx, cli, 'reproduce', '--preset', 'tiny', '--out', out, '--jobs', '2', '--no-progress', ...extra], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

const stagesOf = (out: string) => fs.readdirSync(path.join(out, 'stages')).sort();
const doneMtimes = (out: string) =>
  Object.fromEntries(
    stagesOf(out)
      .filter((d) => fs.existsSync(path.join(out, 'stages', d, 'done.json')))
      .map((d) => [d, fs.statSync(path.join(out, 'stages', d, 'done.json')).mtimeMs]),
  );
/** Wall-clock metrics differ between runs by nature; everything else must match exactly. */
const withoutTimes = (rows: ResultRow[]) => rows.map((r) => (r.metric === 'seconds' ? { ...r, value: 0 } : r));
const find = (rows: ResultRow[], q: Partial<ResultRow>) => rows.filter((r) => Object.entries(q).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v));

describe('bridge reproduce --preset tiny', () => {
  const A = tmp('a'); // uninterrupted
  const B = tmp('b'); // killed with SIGKILL, then resumed
  let rows: ResultRow[] = [];
  let finishedAtKill: Record<string, number> = {};
  let stagesAtKill = 0;
  let resumed: ReturnType<typeof reproduce>;
  let reuse: ReturnType<typeof reproduce>;
  let rowsBeforeReuse = '';
  let mtimesBeforeReuse: Record<string, number> = {};
  const preset = getPreset('tiny');

  beforeAll(async () => {
    // kill -9 as soon as a GRPO run has written its first checkpoint (after step 1 of 2): mid-RL, with earlier stages
    // finished and, on the other worker, usually an SFT run between checkpoints
    await bridgeKilledWhen(['reproduce', '--preset', 'tiny', '--out', B, '--jobs', '2', '--no-progress'], () =>
      fs.readdirSync(path.join(B, 'stages')).some((d) => d.startsWith('grpo-') && fs.existsSync(path.join(B, 'stages', d, 'run', 'ckpt', 'manifest.json'))),
    );
    finishedAtKill = doneMtimes(B);
    stagesAtKill = Object.keys(finishedAtKill).length;
    resumed = reproduce(B);

    const first = reproduce(A);
    expect(first.status, first.stderr.slice(-2000)).toBe(0);
    rows = readResults(A).rows;
    rowsBeforeReuse = fs.readFileSync(path.join(A, 'results', 'rows.json'), 'utf8');
    mtimesBeforeReuse = doneMtimes(A);
    reuse = reproduce(A);
  }, 600_000);

  it('prints its estimated cost, writes rows that validate, and the CSV matches the JSON', () => {
    expect(reuse.stderr).toMatch(/preset tiny: \d+ stages .* estimated/);
    expect(() => validateRows(rows)).not.toThrow();
    const csv = fs.readFileSync(path.join(A, 'results', 'rows.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('experiment,method,seed,stage,split,metric,step,bin,value');
    expect(csv.length - 1).toBe(rows.length);
    expect(csv.some((l) => l.includes('"(0,0.2]"'))).toBe(true); // bins with commas are quoted
  });

  it('has every Table 1 cell: 4 methods × SFT/RFT × ID/OOD accuracy, SFT tokens, SFT and RFT seconds', () => {
    for (const method of TABLE1_METHODS) {
      for (const stage of ['sft', 'rft'] as const) {
        for (const split of ['id', 'ood'] as const) {
          const r = find(rows, { experiment: 'table1', method, seed: 1, stage, split, metric: 'accuracy' });
          expect(r, `${method} ${stage} ${split}`).toHaveLength(1);
          expect(r[0].value).toBeGreaterThanOrEqual(0);
          expect(r[0].value).toBeLessThanOrEqual(1);
          // next to raw accuracy, the chance-corrected one: (acc − 1/23) / (22/23) in mod 23
          const cc = find(rows, { experiment: 'table1', method, seed: 1, stage, split, metric: 'accuracy_chance_corrected' });
          expect(cc, `${method} ${stage} ${split} chance-corrected`).toHaveLength(1);
          expect(cc[0].value).toBeCloseTo((r[0].value - 1 / 23) / (22 / 23), 12);
          // the mechanism of the greedy completions: a reflection share, and first-error shares that sum to 1 when any is wrong
          const refl = find(rows, { experiment: 'table1', method, seed: 1, stage, split, metric: 'reflection_share' });
          expect(refl, `${method} ${stage} ${split} reflection share`).toHaveLength(1);
          const firstErrors = rows.filter((x) => x.experiment === 'table1' && x.method === method && x.seed === 1 && x.stage === stage && x.split === split && x.metric.startsWith('first_error_'));
          if (r[0].value < 1) expect(firstErrors.reduce((a, x) => a + x.value, 0)).toBeCloseTo(1, 12);
        }
        expect(find(rows, { experiment: 'table1', method, stage, metric: 'seconds' }), `${method} ${stage} seconds`).toHaveLength(1);
      }
      const tokens = find(rows, { experiment: 'table1', method, stage: 'sft', split: 'sft', metric: 'tokens' });
      expect(tokens).toHaveLength(1);
      expect(tokens[0].value).toBeGreaterThan(0);
    }
    // the augmentations train on 4 rows per problem: about 4× the tokens of vanilla
    const tok = (m: string) => find(rows, { experiment: 'table1', method: m, metric: 'tokens' })[0].value;
    expect(tok('pp-aug') / tok('vanilla')).toBeGreaterThan(3);
  });

  it('has every Figure 1 series: reward curves, validation curves, α shares summing to 1, influence by bin', () => {
    for (const method of TABLE1_METHODS) {
      const reward = find(rows, { experiment: 'fig1', method, stage: 'grpo', split: 'rl-train', metric: 'reward_mean' });
      expect(reward.map((r) => r.step)).toEqual(Array.from({ length: preset.grpo.steps }, (_, i) => i));
      const val = find(rows, { experiment: 'fig1', method, stage: 'grpo', split: 'rl-val', metric: 'accuracy' });
      expect(val.map((r) => r.step)).toEqual(Array.from({ length: preset.grpo.steps + 1 }, (_, i) => i)); // evalEvery 1, plus before
      const shares = find(rows, { experiment: 'fig1', method, stage: 'probe', metric: 'alpha_share' });
      expect(shares.map((r) => r.bin)).toEqual([...ALPHA_BINS]);
      expect(shares.reduce((a, r) => a + r.value, 0)).toBeCloseTo(1, 9);
      const informative = find(rows, { experiment: 'fig1', method, metric: 'informative_share', bin: null });
      expect(informative).toHaveLength(1);
      // above guessing (α ≥ the guessing level) is a subset of 0 < α < 1
      const above = find(rows, { experiment: 'fig1', method, metric: 'informative_share_above_guess', bin: null });
      expect(above).toHaveLength(1);
      expect(above[0].value).toBeLessThanOrEqual(informative[0].value);
      const inf = find(rows, { experiment: 'fig1', method, stage: 'probe', metric: 'influence' });
      expect(inf.length).toBeGreaterThan(0);
      // bins come from the α histogram, and only non-empty ones have an influence row
      for (const r of inf) expect(shares.find((s) => s.bin === r.bin)!.value).toBeGreaterThan(0);
      expect(find(rows, { experiment: 'fig1', method, metric: 'influence_mean', bin: null })).toHaveLength(1);
      // the α histogram above the guessing level: per bin at most the raw share; the raw shares add to 1, these to the
      // share at or above the guessing level
      const aboveShares = find(rows, { experiment: 'fig1', method, stage: 'probe', metric: 'alpha_share_above_guess' });
      expect(aboveShares.map((r) => r.bin)).toEqual([...ALPHA_BINS]);
      for (const r of aboveShares) expect(r.value).toBeLessThanOrEqual(shares.find((s) => s.bin === r.bin)!.value);
      // the cosine and norm rows come with the raw influence rows, bin for bin; a cosine is within [−1, 1]
      const cos = find(rows, { experiment: 'fig1', method, stage: 'probe', metric: 'influence_cosine' });
      expect(cos.map((r) => r.bin)).toEqual(inf.map((r) => r.bin));
      for (const r of cos) expect(Math.abs(r.value)).toBeLessThanOrEqual(1 + 1e-6);
      expect(find(rows, { experiment: 'fig1', method, stage: 'probe', metric: 'contrast_grad_norm' }).map((r) => r.bin)).toEqual(inf.map((r) => r.bin));
      // one ‖G_T‖ per model (tiny's target groups are all right or all wrong, so it may be 0 here)
      const tn = find(rows, { experiment: 'fig1', method, metric: 'target_grad_norm', bin: null });
      expect(tn).toHaveLength(1);
      expect(tn[0].value).toBeGreaterThanOrEqual(0);
    }
  });

  it('the probe stage loads its model so that influence gradients are non-zero (tiny α are all 0/1, so it is checked here)', async () => {
    const { loadProbeModel } = await import('../src/experiments/stages');
    const { contrastGradient } = await import('../src/probes/influence');
    const { disposeTransformer } = await import('../src/model/transformer');
    const { encodePrompt } = await import('../src/train/format');
    const sft = stagesOf(A).find((d) => d.startsWith('sft-vanilla-'))!;
    const data = stagesOf(A).find((d) => d.startsWith('data-vanilla-'))!;
    const row = JSON.parse(fs.readFileSync(path.join(A, 'stages', data, 'data', 'problems.jsonl'), 'utf8').split('\n')[0]);
    const { model, tok } = await loadProbeModel(path.join(A, 'stages', sft, 'run', 'final'));
    try {
      // one right and one wrong rollout: α = 1/2, the case where the quick preset's probe stages used to fail
      const prompt = encodePrompt(tok, row.query);
      const right = tok.encode(row.response);
      const wrong = [...right].reverse();
      const g = contrastGradient(model, { row, prompt, completions: [right, wrong], rewards: [1, 0], alpha: 0.5 }, { norm: 'mean', temperature: 1, eta: 1e-4 });
      expect(g).not.toBeNull();
      const norm = Math.sqrt(g!.reduce((a, x) => a + x * x, 0));
      expect(Number.isFinite(norm)).toBe(true);
      expect(norm).toBeGreaterThan(0);
    } finally {
      disposeTransformer(model);
    }
  });

  it('has every Figure 4 cell: 6 methods × SFT/RFT × ID/OOD', () => {
    expect(preset.sweep).toBeNull();
    for (const method of FIG4_METHODS) {
      for (const stage of ['sft', 'rft'] as const) {
        for (const split of ['id', 'ood'] as const) expect(find(rows, { experiment: 'fig4', method, stage, split, metric: 'accuracy' }), `${method} ${stage} ${split}`).toHaveLength(1);
      }
    }
    const methods = new Set(find(rows, { experiment: 'fig4' }).map((r) => r.method));
    expect([...methods].sort()).toEqual([...FIG4_METHODS].sort());
  });

  it('finishes every stage with a done.json, records hashes and the code revision, and writes the report', () => {
    const { meta } = readResults(A);
    const plan = buildPlan(preset, A);
    expect(stagesOf(A)).toEqual(plan.stages.map((s) => s.id).sort());
    for (const s of plan.stages) expect(fs.existsSync(path.join(s.dir, 'done.json')), s.id).toBe(true);
    expect(meta.stages.map((s) => s.hash)).toEqual(plan.stages.map((s) => s.hash));
    expect(meta.failures).toEqual([]);
    expect(meta.revision.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(meta.preset).toBe('tiny');
    expect(fs.existsSync(path.join(A, 'report.html'))).toBe(true);
  });

  it('records the sha256 of each data stage\'s SFT answers: equal exactly when the answers are', () => {
    const { meta } = readResults(A);
    const data = meta.stages.filter((s) => s.kind === 'data');
    expect(data.length).toBeGreaterThan(1);
    // each stage's (query, response) pairs, read once
    const text = new Map(data.map((s) => [s.id, JSON.stringify(
      fs.readFileSync(path.join(A, 'stages', s.id, 'data', 'problems.jsonl'), 'utf8').split('\n').filter(Boolean)
        .map((l) => { const r = JSON.parse(l) as { query: string; response: string }; return [r.query, r.response]; }),
    )]));
    for (const s of data) expect(s.answersHash, s.id).toMatch(/^[0-9a-f]{64}$/);
    for (const a of data) for (const b of data) {
      expect(a.answersHash === b.answersHash, `${a.id} vs ${b.id}`).toBe(text.get(a.id) === text.get(b.id));
    }
    expect(meta.stages.filter((s) => s.kind !== 'data').every((s) => s.answersHash === undefined)).toBe(true);
    expect(answersHash(path.join(A, 'no-such-file.jsonl'))).toBeNull();
  });

  it('reuses everything on a second invocation: nothing reruns, the rows are byte-identical', () => {
    expect(reuse.status, reuse.stderr.slice(-2000)).toBe(0);
    expect(reuse.stderr).toMatch(/: 0 stages run, \d+ reused, 0 failed/);
    expect(fs.readFileSync(path.join(A, 'results', 'rows.json'), 'utf8')).toBe(rowsBeforeReuse);
    expect(doneMtimes(A)).toEqual(mtimesBeforeReuse);
    expect(readResults(A).meta.stages.every((s) => s.status === 'reused')).toBe(true);
  });

  it('after kill -9 it resumes: finished stages untouched, results equal to the uninterrupted run', () => {
    const total = buildPlan(preset, B).stages.length;
    expect(stagesAtKill).toBeGreaterThan(0); // the kill came after some stages …
    expect(stagesAtKill).toBeLessThan(total); // … and before the end
    expect(resumed.status, resumed.stderr.slice(-2000)).toBe(0);
    expect(resumed.stderr).toContain(`${stagesAtKill} reused`);
    const after = doneMtimes(B);
    for (const [id, mtime] of Object.entries(finishedAtKill)) expect(after[id], id).toBe(mtime);
    const { rows: rowsB } = readResults(B);
    expect(withoutTimes(rowsB)).toEqual(withoutTimes(rows));
    expect(stagesOf(B)).toEqual(stagesOf(A));
    // the resumed trainers reached exactly the weights of the uninterrupted ones
    const hashes = (out: string) =>
      stagesOf(out)
        .filter((d) => /^(sft|grpo)-/.test(d))
        .map((d) => (JSON.parse(fs.readFileSync(path.join(out, 'stages', d, 'done.json'), 'utf8')) as { result: { weightsHash: string } }).result.weightsHash);
    expect(hashes(B)).toEqual(hashes(A));
    expect(hashes(A)).toHaveLength(16); // 8 SFT + 8 GRPO runs
  });
});

describe('the experiment plan', () => {
  const tiny = getPreset('tiny');

  it('hashes the full config: key order does not matter, any change does', () => {
    expect(stableStringify({ b: 1, a: { d: [1, 2], c: null } })).toBe(stableStringify({ a: { c: null, d: [1, 2] }, b: 1 }));
    const h = stageHash('sft', { lr: 1, epochs: 2 }, { data: 'x' });
    expect(stageHash('sft', { epochs: 2, lr: 1 }, { data: 'x' })).toBe(h);
    expect(stageHash('sft', { epochs: 3, lr: 1 }, { data: 'x' })).not.toBe(h);
    expect(stageHash('sft', { epochs: 2, lr: 1 }, { data: 'y' })).not.toBe(h);
    expect(stageHash('grpo', { epochs: 2, lr: 1 }, { data: 'x' })).not.toBe(h);
  });

  it('a change upstream gives new stages downstream only', () => {
    const a = buildPlan(tiny, '/x');
    const b = buildPlan(presetConfig({ ...PRESETS.tiny, sft: { ...PRESETS.tiny.sft, epochs: 2 } }), '/x');
    const ids = (p: typeof a, kind: string) => p.stages.filter((s) => s.kind === kind).map((s) => s.id);
    for (const kind of ['splits', 'data']) expect(ids(b, kind)).toEqual(ids(a, kind));
    for (const kind of ['sft', 'eval-sft', 'grpo', 'eval-rft', 'probe']) for (const id of ids(b, kind)) expect(ids(a, kind)).not.toContain(id);
    const c = buildPlan(presetConfig({ ...PRESETS.tiny, task: { ...PRESETS.tiny.task, nTest: 7 } }), '/x');
    for (const s of c.stages) expect(a.byId.has(s.id), s.id).toBe(false);
    // the output directory is not part of a stage's identity
    expect(buildPlan(tiny, '/elsewhere').stages.map((s) => s.hash)).toEqual(a.stages.map((s) => s.hash));
    // BRIDGE_* switches that change the model's numbers are
    expect(modelEnv({ BRIDGE_POS_INIT: 'sinusoidal', BRIDGE_REPRODUCE_FAIL: 'x', HOME: '/h' })).toEqual({ BRIDGE_POS_INIT: 'sinusoidal' });
    process.env.BRIDGE_POS_INIT = 'sinusoidal';
    try {
      const d = buildPlan(tiny, '/x');
      expect(ids(d, 'data')).toEqual(ids(a, 'data'));
      for (const id of ids(d, 'sft')) expect(ids(a, 'sft')).not.toContain(id);
    } finally {
      delete process.env.BRIDGE_POS_INIT;
    }
  });

  it('dedupes stages shared by experiments and methods with identical data', () => {
    const p = buildPlan(tiny, '/x');
    expect(new Set(p.stages.map((s) => s.hash)).size).toBe(p.stages.length);
    // 8 SFT sets (table1 ∪ fig4); probes for the 4 table1 methods; one shared splits stage
    const count = (k: string) => p.stages.filter((s) => s.kind === k).length;
    expect([count('splits'), count('data'), count('sft'), count('eval-sft'), count('grpo'), count('eval-rft'), count('probe')]).toEqual([1, 8, 8, 8, 8, 8, 4]);
    // the sweep: bridge[reflect=0.1] is bridge, bridge[reflect=0] is exploit (same knobs), 0.2 and 0.3 are new
    const withSweep = buildPlan(getPreset('paper'), '/x');
    const id = (m: string, k: string) => withSweep.lookup.get(`${m}|1|${k}`);
    expect(id(sweepMethod(0.1), 'grpo')).toBe(id('bridge', 'grpo'));
    expect(id(sweepMethod(0), 'eval-rft')).toBe(id('exploit', 'eval-rft'));
    expect(id(sweepMethod(0.2), 'sft')).not.toBe(id('bridge', 'sft'));
    expect(withSweep.stages.filter((s) => s.kind === 'sft')).toHaveLength(10 * 3);
  });

  it('keySeeds run the key comparison only, every stage it needs, and a repeated seed is refused', () => {
    const p = buildPlan(presetConfig({ ...PRESETS.tiny, keySeeds: [7] }), '/x');
    const at7 = p.stages.filter((s) => s.seed === 7 && s.kind !== 'splits');
    expect(new Set(at7.map((s) => s.method))).toEqual(new Set(KEY_METHODS));
    expect(at7.map((s) => s.kind).sort()).toEqual(['data', 'data', 'eval-rft', 'eval-rft', 'eval-sft', 'eval-sft', 'grpo', 'grpo', 'probe', 'probe', 'sft', 'sft']);
    // seed 1 is unchanged by the extra seed
    expect(p.stages.filter((s) => s.seed !== 7).map((s) => s.id)).toEqual(buildPlan(tiny, '/x').stages.map((s) => s.id));
    expect(p.lookup.has('pp-aug|7|sft')).toBe(false);
    expect(p.lookup.get('bridge|7|eval-rft')).toBeDefined();
    expect(allSeeds(presetConfig({ ...PRESETS.tiny, keySeeds: [7] }))).toEqual([1, 7]);
    expect(() => presetConfig({ ...PRESETS.tiny, keySeeds: [1] })).toThrow(/^preset tiny: keySeeds: must be distinct from each other and from seeds$/);
    // the full preset: 5 seeds for Vanilla and BRIDGE, 3 for every other arm
    const full = buildPlan(getPreset('full'), '/x');
    const seedsOf = (m: string) => [...full.lookup.keys()].filter((k) => k.startsWith(`${m}|`) && k.endsWith('|eval-rft')).length;
    expect([seedsOf('vanilla'), seedsOf('bridge'), seedsOf('pp-aug'), seedsOf('explore'), seedsOf(sweepMethod(0.3))]).toEqual([5, 5, 3, 3, 3]);
  });

  it('validates presets with one line naming the field', () => {
    expect(() => presetConfig({ ...PRESETS.quick, grpo: { ...PRESETS.quick.grpo, groupSize: 1 } })).toThrow(/^preset quick: grpo\.groupSize: group size must be ≥ 2$/);
    expect(() => presetConfig({ ...PRESETS.quick, task: { ...PRESETS.quick.task, idOp: 2 } })).toThrow(/preset quick: task\.idOp: idOp must equal the top of sftOps/);
    expect(() => presetConfig({ ...PRESETS.quick, sft: { ...PRESETS.quick.sft, workers: 2 } })).toThrow(/sft\.workers: workers must be 1/);
    expect(() => presetConfig({ ...PRESETS.quick, probe: { ...PRESETS.quick.probe, alpha: { n: 10_000, samples: 8, maxNew: 8 } } })).toThrow(/probe\.alpha\.n: must be ≤ task\.nRlTrain/);
    expect(() => getPreset('huge')).toThrow('--preset must be one of tiny, quick, full, paper, got "huge"');
    for (const name of ['tiny', 'quick', 'full', 'paper']) expect(getPreset(name).name).toBe(name);
  });
});

describe('the runner', () => {
  it('a failing stage: its dependents are skipped, everything else finishes, the failure is listed', async () => {
    const out = tmp('fail');
    const ran: string[] = [];
    const res = await runExperiments({ preset: 'tiny', out, jobs: 2, progress: false, log: () => {}, executor: fakeExecutor(/^data-pp-aug-/, ran) });
    expect(res.failures.map((f) => f.id)).toEqual([expect.stringMatching(/^data-pp-aug-s1-/)]);
    expect(fs.readFileSync(path.join(out, 'stages', res.failures[0].id, 'error.log'), 'utf8')).toContain('boom');
    const st = new Map(res.meta.stages.map((s) => [s.id, s.status]));
    for (const s of res.plan.stages) {
      const expected = s.kind === 'data' && s.method === 'pp-aug' ? 'failed' : s.method === 'pp-aug' ? 'skipped' : 'done';
      expect(st.get(s.id), s.id).toBe(expected);
    }
    expect(ran.some((id) => id.startsWith('sft-pp-aug'))).toBe(false);
    expect(res.meta.failures).toHaveLength(1);
    // the rows of every other method are there; pp-aug has none
    expect(find(res.rows, { method: 'pp-aug' })).toEqual([]);
    expect(find(res.rows, { experiment: 'table1', method: 'rc-aug', stage: 'rft', split: 'ood' })[0].value).toBe(0.75);
    expect(find(res.rows, { experiment: 'fig1', method: 'bridge', metric: 'influence' }).map((r) => r.bin)).toEqual(['0', '(0.4,0.6]']);
    // a rerun retries only the failed stage and its dependents
    const again: string[] = [];
    const res2 = await runExperiments({ preset: 'tiny', out, jobs: 2, progress: false, log: () => {}, executor: fakeExecutor(/^$/, again) });
    expect(res2.failures).toEqual([]);
    expect(again.every((id) => id.includes('pp-aug'))).toBe(true);
    expect(again).toHaveLength(6); // data, sft, eval-sft, grpo, eval-rft, probe
  });

  it('refuses an OUT of another preset (or a foreign directory) unless --force', async () => {
    const out = tmp('other');
    fs.writeFileSync(path.join(out, 'reproduce.json'), JSON.stringify({ preset: 'quick' }));
    const go = (force: boolean) => runExperiments({ preset: 'tiny', out, force, progress: false, log: () => {}, executor: fakeExecutor(/^$/, []) });
    await expect(go(false)).rejects.toThrow(/holds a run of preset quick, not tiny \(pass --force/);
    const foreign = tmp('foreign');
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    await expect(runExperiments({ preset: 'tiny', out: foreign, progress: false, log: () => {}, executor: fakeExecutor(/^$/, []) })).rejects.toThrow(/not a `bridge reproduce` directory/);
    const res = await go(true);
    expect(res.failures).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'reproduce.json'), 'utf8')).preset).toBe('tiny');
  });

  it('the CLI exits non-zero and names a stage that threw in its worker, with the log tail saved', () => {
    const out = tmp('clifail');
    const r = reproduce(out, { BRIDGE_REPRODUCE_FAIL: '^splits-' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: 1 stage\(s\) failed: splits-shared-s0-[0-9a-f]{12}/);
    const id = fs.readdirSync(path.join(out, 'stages')).find((d) => d.startsWith('splits-'))!;
    expect(fs.readFileSync(path.join(out, 'stages', id, 'error.log'), 'utf8')).toContain('injected failure');
    const { meta } = readResults(out);
    expect(meta.stages.filter((s) => s.status === 'skipped')).toHaveLength(meta.stages.length - 1);
  });

  it('keeps the α bins of the row schema equal to the trainer’s', () => {
    expect([...ROW_ALPHA_BINS]).toEqual([...ALPHA_BINS]);
  });
});
