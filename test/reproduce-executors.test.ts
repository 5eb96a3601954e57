// The parts of `bridge reproduce --executor slurm` that need no cluster: the settings schema and the flags derived
// from it, the sbatch command lines and batch scripts, the critical path of --estimate, --status of local runs (and of
// a Slurm run given what squeue lists), and --collect. test/slurm.test.ts runs the whole thing on a real cluster.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { criticalPath, estimateCost } from '../src/experiments/cost';
import { buildPlan, type Plan } from '../src/experiments/definitions';
import { getPreset } from '../src/experiments/presets';
import { rewriteReport, runExperiments } from '../src/experiments/runner';
import { batchScript, JOB_KINDS, RESOURCE_KEYS, readSlurmConfig, resourcesFor, sbatchArgs, settingFlags, settingsFromFlags, slurmSettings, SlurmSettingsSchema, timeSeconds } from '../src/experiments/slurm-settings';
import { formatStatus, runStatus, trainingProgress } from '../src/experiments/status';
import { codeRevision } from '../src/revision';
import { syntheticRows } from './report-fixture';
import { fakeExecutor } from './reproduce-fixtures';

const root = path.resolve(__dirname, '..');
const made: string[] = [];
const tmp = (p: string) => {
  made.push(fs.mkdtempSync(path.join(os.tmpdir(), `bridge-exec-${p}-`)));
  return made.at(-1)!;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const example = path.join(root, 'docs', 'slurm.example.json');

describe('Slurm settings', () => {
  it('the sample config in docs/ validates: GPU stages get a GPU, the others the defaults', () => {
    const s = slurmSettings(readSlurmConfig(example));
    expect(resourcesFor(s, 'grpo')).toEqual({ partition: 'gpu', time: '2-00:00:00', cpus: 4, mem: '32G', gpus: 1 });
    expect(resourcesFor(s, 'data')).toEqual({ partition: 'cpu', time: '2:00:00', cpus: 1, mem: '4G', gpus: 0 });
    expect(resourcesFor(s, 'eval-sft')).toEqual({ partition: 'gpu', time: '6:00:00', cpus: 1, mem: '4G', gpus: 1 });
    // README "On a Slurm cluster" shows this very file
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain(fs.readFileSync(example, 'utf8').trim());
  });

  it('defaults: every job one CPU, 4G, 24 h, no GPU, the cluster default partition', () => {
    const s = slurmSettings({});
    for (const k of JOB_KINDS) expect(resourcesFor(s, k)).toEqual({ partition: null, time: '24:00:00', cpus: 1, mem: '4G', gpus: 0 });
    expect([s.account, s.sbatch, s.setup, s.nodeExecutable, s.poll, s.markerWait]).toEqual([null, [], [], null, 15, 60]);
  });

  it('derives one flag per setting from the schema, with its description', () => {
    const flags = settingFlags();
    const top = Object.keys(SlurmSettingsSchema.shape).filter((k) => k !== 'resources');
    expect(flags.map((f) => f.key).sort()).toEqual([...top, ...RESOURCE_KEYS].sort());
    expect(flags.find((f) => f.flag === '--marker-wait')!.help).toContain('marker');
    expect(flags.find((f) => f.flag === '--gpus')!.syntax).toBe('--gpus <N|KIND=N,…>');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const f of flags) {
      expect(f.help.length, f.flag).toBeGreaterThan(20);
      expect(readme, `README "On a Slurm cluster" lists ${f.flag}`).toContain(`| \`${f.flag}`);
    }
  });

  it('flags override the config file, per job kind or for all', () => {
    const { settings, given } = settingsFromFlags({ cpus: '2,sft=8', time: 'grpo=3-00:00:00', account: 'lab', sbatch: ['--qos=high'], poll: '5' }, example);
    expect(given.sort()).toEqual(['--account', '--cpus', '--poll', '--sbatch', '--time']);
    expect(resourcesFor(settings, 'sft')).toMatchObject({ cpus: 8, gpus: 1, time: '1-00:00:00' });
    expect(resourcesFor(settings, 'grpo')).toMatchObject({ cpus: 4, time: '3-00:00:00' }); // the file's grpo.cpus beats the flag's default
    expect(resourcesFor(settings, 'data').cpus).toBe(2);
    expect(settings.sbatch).toEqual(['--qos=normal', '--qos=high']);
    expect([settings.account, settings.poll]).toEqual(['lab', 5]);
  });

  it('bad input: one line naming the flag or the file field and the allowed range', () => {
    const err = (opts: Record<string, unknown>, file?: string) => {
      try {
        settingsFromFlags(opts, file);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err({ cpus: 'sft=2000' })).toBe('--cpus sft=2000: must be an integer in [1, 1024], got 2000');
    expect(err({ gpus: 'x' })).toBe('--gpus x: must be an integer in [0, 64], got "x"');
    expect(err({ mem: '4 GB' })).toMatch(/^--mem 4 GB: must be a Slurm memory size.*, got "4 GB"$/);
    expect(err({ time: 'sfx=1:00:00' })).toBe('--time sfx=1:00:00: unknown job kind "sfx" (one of splits, data, sft, eval-sft, grpo, eval-rft, probe, collect)');
    expect(err({ markerWait: '-1' })).toBe('--marker-wait: must be an integer in [0, 86400], got -1');
    const dir = tmp('cfg');
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ resources: { grpo: { cpus: 0 } } }));
    expect(err({}, bad)).toBe(`--slurm-config ${bad}: resources.grpo.cpus: must be an integer in [1, 1024], got 0`);
    fs.writeFileSync(bad, JSON.stringify({ resources: { gpu: { gpus: 1 } } }));
    expect(err({}, bad)).toBe(`--slurm-config ${bad}: resources: unknown field(s) resources.gpu`);
    fs.writeFileSync(bad, '{ "poll": 1,');
    expect(err({}, bad)).toMatch(new RegExp(`^--slurm-config ${bad}: not valid JSON \\(`));
    expect(err({}, path.join(dir, 'missing.json'))).toBe(`--slurm-config ${path.join(dir, 'missing.json')}: cannot read it (ENOENT)`);
  });

  it('reads every sbatch --time form', () => {
    expect(['45', '45:30', '2:00:00', '1-12', '1-12:30', '1-12:30:15'].map(timeSeconds)).toEqual([2700, 2730, 7200, 129_600, 131_400, 131_415]);
    expect(() => timeSeconds('1h')).toThrow(/not a Slurm time limit/);
  });
});

describe('sbatch command lines and batch scripts', () => {
  const job = { name: 'grpo-bridge-s1-abc', kind: 'grpo' as const, workdir: '/runs/x/stages/grpo-bridge-s1-abc', log: '/runs/x/stages/grpo-bridge-s1-abc/slurm-%j.log', after: ['11', '12'], afterType: 'afterok' as const, script: '/runs/x/stages/grpo-bridge-s1-abc/slurm-job.sh' };

  it('names the job by its stage, logs in its directory, waits for its inputs, asks for its kind’s resources', () => {
    const s = slurmSettings(readSlurmConfig(example));
    expect(sbatchArgs(s, job)).toEqual([
      '--parsable',
      '--job-name=grpo-bridge-s1-abc',
      '--chdir=/runs/x/stages/grpo-bridge-s1-abc',
      '--output=/runs/x/stages/grpo-bridge-s1-abc/slurm-%j.log',
      '--nodes=1',
      '--ntasks=1',
      '--cpus-per-task=4',
      '--mem=32G',
      '--time=2-00:00:00',
      '--gres=gpu:1',
      '--partition=gpu',
      '--account=my-project',
      '--dependency=afterok:11:12',
      '--kill-on-invalid-dep=yes',
      '--export=ALL,BRIDGE_BACKEND=node-gpu',
      '--qos=normal',
      job.script,
    ]);
    const plain = sbatchArgs(slurmSettings({}), { ...job, kind: 'data', after: [] });
    expect(plain.filter((a) => /^--(gres|partition|account|dependency|kill)/.test(a))).toEqual([]);
    expect(plain).toContain('--export=ALL');
    expect(sbatchArgs(slurmSettings({}), { ...job, kind: 'collect', afterType: 'afterany' })).toContain('--dependency=afterany:11:12');
  });

  it('the batch script writes its marker, and on SIGTERM the stage’s error.log unless the stage finished', async () => {
    const dir = tmp('script');
    const stage = path.join(dir, "stage 'one'");
    fs.mkdirSync(stage);
    const s = slurmSettings({ setup: ['export FROM_SETUP=yes'] });
    const write = (name: string, command: string[]) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, batchScript(s, { title: 'test', markerDir: path.join(dir, 'markers'), command, stage: { id: 'sft-x', dir: stage } }), { mode: 0o755 });
      return f;
    };
    // a finished command: exit status and environment pass through
    const ok = spawnSync('bash', [write('ok.sh', ['sh', '-c', 'test "$FROM_SETUP" = yes && exit 3'])], { env: { ...process.env, SLURM_JOB_ID: '41' } });
    expect(ok.status).toBe(3);
    expect(fs.readFileSync(path.join(dir, 'markers', '41'), 'utf8')).toMatch(/^\S+ \d+\n$/);
    // SIGTERM to the script (Slurm also signals the command itself): error.log, exit 143
    const term = async (done: boolean) => {
      fs.rmSync(path.join(stage, 'error.log'), { force: true });
      if (done) fs.writeFileSync(path.join(stage, 'done.json'), '{}');
      const p = spawn('bash', [write('term.sh', ['sleep', '30'])], { env: { ...process.env, SLURM_JOB_ID: '42' } });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      p.kill('SIGTERM');
      const code = await new Promise((r) => p.on('exit', (c) => r(c)));
      return { code, ms: Date.now() - t0, log: fs.existsSync(path.join(stage, 'error.log')) ? fs.readFileSync(path.join(stage, 'error.log'), 'utf8') : null };
    };
    const t = await term(false);
    expect(t.code).toBe(143);
    expect(t.ms).toBeLessThan(5000); // not the 30 s of the command
    expect(t.log).toBe('sft-x failed: the job was terminated (SIGTERM: scancel, its time limit or preemption); running it again resumes it\n\njob 42\n');
    expect((await term(true)).log).toBeNull();
  });
});

describe('--estimate: the critical path', () => {
  /** Longest path by brute force: every chain from a stage without inputs. */
  const longest = (plan: Plan, sec: Map<string, number>): number => {
    const memo = new Map<string, number>();
    const upTo = (id: string): number => {
      if (!memo.has(id)) memo.set(id, sec.get(id)! + Math.max(0, ...Object.values(plan.byId.get(id)!.deps).map(upTo)));
      return memo.get(id)!;
    };
    return Math.max(...plan.stages.map((s) => upTo(s.id)));
  };

  it('is the longest chain of estimated stage times, a lower bound of any schedule, and skips finished stages', () => {
    for (const name of ['tiny', 'paper']) {
      const preset = getPreset(name);
      const plan = buildPlan(preset, '/x');
      const est = estimateCost(plan, preset, 4);
      const cp = criticalPath(plan, est);
      expect(cp.seconds).toBeCloseTo(longest(plan, est.perStage), 6);
      expect(cp.seconds).toBeLessThanOrEqual(est.wallSeconds);
      expect(cp.stages.map((s) => s.kind)).toEqual(['splits', 'data', 'sft', 'grpo', 'eval-rft']);
      for (let i = 1; i < cp.stages.length; i++) expect(Object.values(cp.stages[i].deps)).toContain(cp.stages[i - 1].id);
      const finished = new Set(plan.stages.filter((s) => s.kind !== 'eval-rft').map((s) => s.id));
      const rest = criticalPath(plan, estimateCost(plan, preset, 4, finished));
      expect(rest.seconds).toBeCloseTo(Math.max(...plan.stages.filter((s) => s.kind === 'eval-rft').map((s) => est.perStage.get(s.id)!)), 6);
    }
  });
});

describe('--status and --collect', () => {
  it('a local run: done, failed with its log, skipped after a failed input; --collect lists the same', async () => {
    const out = tmp('status');
    await runExperiments({ preset: 'tiny', out, jobs: 2, progress: false, log: () => {}, executor: fakeExecutor(/^sft-rc-aug-/, []) });
    const st = runStatus(out);
    expect(st.executor).toBe('local');
    expect(st.counts).toMatchObject({ done: 40, failed: 1, skipped: 4, running: 0, queued: 0, pending: 0 });
    const failed = st.stages.find((s) => s.state === 'failed')!;
    expect(failed.id).toMatch(/^sft-rc-aug-/);
    expect(failed.detail).toBe('boom');
    expect(failed.tail!.join('\n')).toContain('boom');
    const bad = new Set(st.stages.filter((s) => s.state !== 'done').map((s) => s.id));
    for (const s of st.stages.filter((x) => x.state === 'skipped')) expect(bad.has(/^input (\S+) did not finish$/.exec(s.detail!)?.[1] ?? ''), s.id).toBe(true);
    expect(st.stages.filter((s) => s.detail === `input ${failed.id} did not finish`).length).toBe(3); // eval-sft, grpo, probe
    const text = formatStatus(st);
    expect(text.split('\n')[0]).toBe(`${out}: preset tiny, local run, 45 stages: 40 done, 1 failed, 4 skipped`);
    expect(text).toMatch(new RegExp(`^failed +${failed.id} +boom\\n +│ ${failed.id} failed: boom$`, 'm'));
    expect(text).toMatch(new RegExp(`^results: ${JSON.parse(fs.readFileSync(path.join(out, 'results', 'rows.json'), 'utf8')).length} rows in ${out}/results, assembled `, 'm'));

    // --collect runs nothing and records the same states in meta.json
    const before = fs.readFileSync(path.join(out, 'results', 'rows.json'), 'utf8');
    const ran: string[] = [];
    const res = await runExperiments({ preset: 'tiny', out, progress: false, log: () => {}, collectOnly: true, executor: fakeExecutor(/^$/, ran) });
    expect(ran).toEqual([]);
    expect(res.failures).toEqual([{ id: failed.id, error: 'boom' }]);
    expect(res.meta.stages.filter((s) => s.status === 'skipped').map((s) => s.error)).toEqual(Array(4).fill('not finished'));
    expect(fs.readFileSync(path.join(out, 'results', 'rows.json'), 'utf8')).toBe(before);
  });

  it('a Slurm run: queued and running stages with their jobs, from what squeue lists for the stage directories', async () => {
    const out = tmp('status-slurm');
    await runExperiments({ preset: 'tiny', out, jobs: 2, progress: false, log: () => {}, executor: fakeExecutor(/^(grpo|eval-rft)-/, []) });
    const plan = buildPlan(getPreset('tiny'), out);
    const grpo = plan.stages.filter((s) => s.kind === 'grpo' || s.kind === 'eval-rft');
    const queue = grpo.map((s, i) => {
      fs.rmSync(path.join(s.dir, 'error.log'), { force: true }); // resubmitted: the submitter clears it
      fs.mkdirSync(path.join(s.dir), { recursive: true });
      fs.writeFileSync(path.join(s.dir, 'slurm.json'), JSON.stringify({ jobs: [{ id: String(100 + i), submittedAt: '' }] }));
      const running = s.kind === 'grpo' && s.method === 'vanilla';
      if (running) fs.writeFileSync(path.join(s.dir, `slurm-${100 + i}.log`), '[stage x] start\n[stage x] 1/2 reward 0.500\n');
      return { id: String(100 + i), name: s.id, state: running ? 'RUNNING' : 'PENDING', reason: running ? 'None' : 'Dependency', node: running ? 'n1' : '', elapsed: '0:05', workdir: s.dir };
    });
    fs.mkdirSync(path.join(out, 'slurm'), { recursive: true });
    const st = runStatus(out, [...queue, { id: '999', name: 'other', state: 'RUNNING', reason: 'None', node: 'n2', elapsed: '1:00', workdir: '/elsewhere' }]);
    expect(st.executor).toBe('slurm');
    expect(st.active).toBe(16);
    expect(st.counts).toMatchObject({ done: 29, running: 1, queued: 15, failed: 0 });
    const text = formatStatus(st);
    expect(text).toMatch(/^running +grpo-vanilla-s1-\w+ +job \d+ RUNNING on n1, 0:05: \[stage x\] 1\/2 reward 0\.500$/m);
    expect(text).toMatch(/^queued +eval-rft-vanilla-s1-\w+ +job \d+ PENDING \(Dependency\)$/m);
    expect(st.warnings).toEqual([]);
  });

  it('a running local stage shows its trainer\'s last step, and none without metrics', () => {
    const dir = tmp('progress');
    expect(trainingProgress(dir)).toBeUndefined();
    fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
    const file = path.join(dir, 'run', 'metrics.jsonl');
    fs.writeFileSync(file, '{"step":0,"epoch":0,"loss":2}\n{"step":1233,"epoch":2,"loss":1}\n');
    expect(trainingProgress(dir, fs.statSync(file).mtimeMs + 12_000)).toBe('step 1,234 (epoch 3) done, 12 s ago');
    fs.writeFileSync(file, '{"step":149,"reward":0.4}\n{"step":15');
    expect(trainingProgress(dir, fs.statSync(file).mtimeMs)).toBeUndefined(); // a line cut mid-write
    // a GRPO step's line is long: read whole, not shortened like a log tail
    fs.writeFileSync(file, `{"step":149,"reward":0.4,"pad":"${'x'.repeat(1000)}"}\n`);
    expect(trainingProgress(dir, fs.statSync(file).mtimeMs)).toBe('step 150 done, 0 s ago');
    expect(trainingProgress(dir, fs.statSync(file).mtimeMs, 2000)).toBe('step 150 of 2,000 done, 0 s ago');
  });

  it('--status of a directory that is no run: one line', () => {
    expect(() => runStatus(tmp('none'))).toThrow(/^--status .*: not a `bridge reproduce` directory \(no reproduce\.json\)$/);
  });
});

describe('--report-only', () => {
  it('redraws figures, report.html and summary.md from OUT/results alone, names the revision that drew them, leaves results/ as it was', async () => {
    const out = tmp('report-only');
    fs.mkdirSync(path.join(out, 'results'), { recursive: true });
    fs.writeFileSync(path.join(out, 'reproduce.json'), JSON.stringify({ preset: 'quick', createdAt: '2026-01-01T00:00:00.000Z' }));
    const meta = { preset: 'quick', command: 'bridge reproduce --preset quick --out x', revision: { commit: 'abc123', dirty: false }, stages: [], failures: [] };
    fs.writeFileSync(path.join(out, 'results', 'rows.json'), JSON.stringify(syntheticRows()));
    fs.writeFileSync(path.join(out, 'results', 'meta.json'), JSON.stringify(meta));
    const results = () => fs.readdirSync(path.join(out, 'results')).map((f) => fs.readFileSync(path.join(out, 'results', f), 'utf8'));
    const before = results();
    const { files, rows } = await rewriteReport(out);
    expect(rows).toBe(syntheticRows().length);
    expect(files).toContain(path.join(out, 'report.html'));
    expect(files).toContain(path.join(out, 'figures', 'table1-accuracy.svg'));
    expect(results()).toEqual(before);
    expect(fs.existsSync(path.join(out, 'stages'))).toBe(false);
    expect(fs.existsSync(path.join(out, '.bridge.lock'))).toBe(false);
    const md = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(md).toContain('- **code revision**: abc123\n- **report rendered at revision**: ' + codeRevision().commit);
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('<th>report rendered at revision</th>');
    await expect(rewriteReport(out, 'full')).rejects.toThrow(/holds a run of preset quick, not full$/);
    await expect(rewriteReport(tmp('no-run'))).rejects.toThrow(/not a `bridge reproduce` directory \(no reproduce\.json\)$/);
    fs.rmSync(path.join(out, 'results', 'rows.json'));
    await expect(rewriteReport(out)).rejects.toThrow(/no results\/rows\.json to report on/);
  });
});

describe('the reproduce command line', () => {
  const loader = `--import=${pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href}`;
  const bridge = (...args: string[]) => spawnSync(process.execPath, [loader, path.join(root, 'src', 'cli.ts'), 'reproduce', ...args], { encoding: 'utf8' });

  it('--estimate prints each stage kind’s resources and the critical path, for both executors', () => {
    const local = bridge('--preset', 'tiny', '--out', path.join(tmp('est'), 'x'), '--estimate');
    expect(local.status, local.stderr).toBe(0);
    expect(local.stderr).toMatch(/^ {2}grpo +8 × .*; one worker process \(one core\)$/m);
    expect(local.stderr).toMatch(/^critical path: .* over 5 stages \(splits → data → sft → grpo → eval-rft\)/m);
    const slurm = bridge('--preset', 'tiny', '--out', path.join(tmp('est'), 'x'), '--estimate', '--executor', 'slurm', '--slurm-config', example, '--time', 'grpo=0:01');
    expect(slurm.status, slurm.stderr).toBe(0);
    expect(slurm.stderr).toMatch(/estimated .* wall on 45 jobs/);
    expect(slurm.stderr).toMatch(/^ {2}grpo +8 × .*; --partition=gpu --cpus-per-task=4 --mem=32G --time=0:01 --gres=gpu:1 — the longest exceeds its time limit \(1 s\)$/m);
  });

  it('flag errors are one line', () => {
    const out = path.join(tmp('flags'), 'x');
    const cases: [string[], string][] = [
      [['--out', out], "error: required option '--preset <name>' not specified"],
      [['--preset', 'tiny', '--out', out, '--executor', 'pbs'], 'error: --executor must be one of local, slurm, got "pbs"'],
      [['--preset', 'tiny', '--out', out, '--gpus', '1'], 'error: --gpus applies to --executor slurm'],
      [['--preset', 'tiny', '--out', out, '--executor', 'slurm', '--jobs', '2'], 'error: --jobs applies to --executor local (Slurm runs every stage whose inputs are done)'],
      [['--preset', 'tiny', '--out', out, '--json'], 'error: --json applies to --status'],
      [['--report-only'], "error: required option '--out <DIR>' not specified"],
      [['--report-only', '--out', out, '--force'], 'error: --force does not apply to --report-only (it runs and assembles nothing)'],
      [['--report-only', '--out', out, '--gpus', '1'], 'error: --gpus does not apply to --report-only (it runs and assembles nothing)'],
    ];
    for (const [args, msg] of cases) {
      const r = bridge(...args);
      expect([r.status, r.stderr.trim()], args.join(' ')).toEqual([1, msg]);
    }
    expect(fs.existsSync(out)).toBe(false);
  });
});
