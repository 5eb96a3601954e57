// `bridge reproduce --executor slurm` on a real Slurm cluster: scripts/slurm-local.sh starts a one-node cluster from
// Debian's packages (munged, slurmctld, slurmd as root; accounting off) and the tiny preset runs through it. Checked:
// the rows equal a local run's (all but wall-clock metrics); a second submission while the jobs are queued submits
// nothing twice; `scancel` of a running stage, then the same command, finishes the run with the same rows and trained
// weights; the one-line errors (no sbatch, a partition Slurm rejects, a run directory the compute nodes do not see).
// Without Slurm (or root) the test is skipped locally with the reason and fails under CI=true.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults, type ResultRow } from '../src/experiments/results';

const root = path.resolve(__dirname, '..');
const loader = `--import=${pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href}`;
const cliTs = path.join(root, 'src', 'cli.ts');
const script = path.join(root, 'scripts', 'slurm-local.sh');
const ci = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** What is missing to start the local cluster here, or [] when everything is in place. */
function missingTools(): string[] {
  const missing: string[] = [];
  const absent = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel'].filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
  if (absent.length) missing.push(`${absent.join(', ')} (apt-get install slurmctld slurmd slurm-client munge)`);
  if (process.getuid?.() !== 0) missing.push('root (slurmd starts the jobs as their users)');
  return missing;
}

const missing = missingTools();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-slurm-test-'));
const cluster = path.join(tmp, 'cluster');
const hidden = path.join(tmp, 'hidden'); // an empty tmpfs for the jobs: a directory the compute node does not see
const canHide = spawnSync('unshare', ['--mount', 'true']).status === 0;
let env: NodeJS.ProcessEnv = { ...process.env };

type Run = { status: number | null; stdout: string; stderr: string };
const bridge = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Run =>
  spawnSync(process.execPath, [loader, cliTs, ...args], { encoding: 'utf8', env: { ...env, ...extraEnv } });
const bridgeAsync = (args: readonly string[]): Promise<Run> =>
  new Promise((resolve) => {
    const p = spawn(process.execPath, [loader, cliTs, ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
const slurm = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', env });
/** Active jobs of this cluster: id → [name, state, workdir]. */
const queue = () =>
  new Map(
    slurm('squeue', ['--noheader', '--format=%i|%j|%T|%Z'])
      .stdout.split('\n')
      .filter(Boolean)
      .map((l) => l.split('|'))
      .map(([id, name, state, wd]) => [id.trim(), { name, state, wd }] as const),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}
const stagesOf = (out: string) => fs.readdirSync(path.join(out, 'stages')).sort();
const jobsOf = (out: string, id: string): string[] => {
  const f = path.join(out, 'stages', id, 'slurm.json');
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as { jobs: { id: string }[] }).jobs.map((j) => j.id) : [];
};
const isDone = (out: string, id: string) => fs.existsSync(path.join(out, 'stages', id, 'done.json'));
/** Wall-clock metrics differ between runs by nature; everything else must match exactly. */
const withoutTimes = (rows: ResultRow[]) => rows.map((r) => (r.metric === 'seconds' ? { ...r, value: 0 } : r));
const weights = (out: string) =>
  Object.fromEntries(
    stagesOf(out)
      .filter((d) => /^(sft|grpo)-/.test(d))
      .map((d) => [d, (JSON.parse(fs.readFileSync(path.join(out, 'stages', d, 'done.json'), 'utf8')) as { result: { weightsHash: string } }).result.weightsHash]),
  );

describe('bridge reproduce --executor slurm (a real one-node cluster)', () => {
  if (missing.length > 0 && !ci) {
    const why = `Slurm tests skipped: missing ${missing.join('; ')} (under CI=true this fails)`;
    console.warn(why);
    it.skip(why, () => {});
    return;
  }

  beforeAll(() => {
    if (missing.length) return;
    const r = spawnSync('bash', [script, 'start', cluster, ...(canHide ? ['--hide', hidden] : [])], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    env = { ...process.env, SLURM_CONF: path.join(cluster, 'slurm.conf') };
  }, 60_000);
  afterAll(() => {
    if (!missing.length) spawnSync('bash', [script, 'stop', cluster]);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('has munged, slurmctld, slurmd, the Slurm client and root (required under CI)', () => {
    expect(missing, `CI=true but missing: ${missing.join('; ')}`).toEqual([]);
  });

  it.skipIf(missing.length > 0)('says in one line when sbatch is not on PATH, when Slurm rejects the partition, and when a setting is out of range', () => {
    const out = path.join(tmp, 'errors');
    const noSbatch = bridge(['reproduce', '--preset', 'tiny', '--out', out, '--executor', 'slurm'], { PATH: path.join(tmp, 'empty-bin') });
    expect(noSbatch.status).toBe(1);
    expect(noSbatch.stderr.trim()).toBe("error: `sbatch` is not on PATH: --executor slurm needs Slurm's client commands (sbatch, squeue, scontrol) where it runs");
    expect(fs.existsSync(out)).toBe(false); // nothing written before the check

    const partition = bridge(['reproduce', '--preset', 'tiny', '--out', out, '--executor', 'slurm', '--partition', 'no-such-partition']);
    expect(partition.status).toBe(1);
    expect(partition.stderr.trim().split('\n')).toHaveLength(1);
    expect(partition.stderr).toMatch(/^error: sbatch rejected the job of stage splits-shared-s0-[0-9a-f]{12}: .*invalid partition/i);
    expect([...queue().values()].filter((j) => j.wd.startsWith(out))).toEqual([]);

    const cpus = bridge(['reproduce', '--preset', 'tiny', '--out', out, '--executor', 'slurm', '--cpus', '1,grpo=0']);
    expect(cpus.stderr.trim()).toBe('error: --cpus 1,grpo=0: must be an integer in [1, 1024], got 0');
    const local = bridge(['reproduce', '--preset', 'tiny', '--out', out, '--mem', '4G']);
    expect(local.stderr.trim()).toBe('error: --mem applies to --executor slurm');
  });

  if (!canHide) console.warn('the invisible-run-directory test is skipped: no mount namespaces here (unshare --mount failed)');
  it.runIf(missing.length === 0 && canHide)('detects a run directory the compute nodes do not see (the first job leaves no marker) and cancels its jobs', () => {
    const out = path.join(hidden, 'run');
    const t0 = Date.now();
    const r = bridge(['reproduce', '--preset', 'tiny', '--out', out, '--executor', 'slurm', '--marker-wait', '2']);
    console.info(`invisible run directory detected in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^error: --out ${out} is not visible from the compute nodes: job \\d+ \\(stage splits-shared-s0-[0-9a-f]{12}\\) started on \\S+ but wrote no marker .*; put --out on a filesystem the nodes share \\(the 46 job\\(s\\) just submitted were cancelled\\)$`),
    );
    expect([...queue().values()].filter((j) => j.wd.startsWith(out))).toEqual([]);
  });

  it.skipIf(missing.length > 0)(
    'runs the tiny preset as one job per stage: a second submission adds nothing, scancel + the same command finishes it, rows equal a local run',
    { timeout: 900_000 },
    async () => {
      const S = path.join(tmp, 'slurm-run');
      const L = path.join(tmp, 'local-run');
      const config = path.join(tmp, 'slurm.json');
      fs.writeFileSync(config, JSON.stringify({ resources: { default: { time: '0:30:00', mem: '1G' } }, poll: 1, markerWait: 30 }));
      const args = ['reproduce', '--preset', 'tiny', '--out', S, '--executor', 'slurm', '--slurm-config', config];
      const t0 = Date.now();
      const reference = bridgeAsync(['reproduce', '--preset', 'tiny', '--out', L, '--jobs', '1', '--no-progress']);

      // submit: every stage is one job named by its stage id, working (and logging) in its stage directory
      const first = bridge(args);
      expect(first.status, first.stderr.slice(-2000)).toBe(0);
      expect(first.stderr).toMatch(/slurm: 45 stage job\(s\) submitted, 0 already queued or running, 0 of 45 stages done; results job (\d+) runs after them/);
      const collectJob = /results job (\d+)/.exec(first.stderr)![1];
      const stages = stagesOf(S);
      expect(stages).toHaveLength(45);
      const firstJobs = Object.fromEntries(stages.map((id) => [id, jobsOf(S, id)]));
      for (const id of stages) expect(firstJobs[id], id).toHaveLength(1);
      const q1 = queue();
      for (const id of stages) {
        const j = q1.get(firstJobs[id][0]);
        if (j) expect([j.name, j.wd]).toEqual([id, path.join(S, 'stages', id)]);
      }

      // the same command while the jobs are queued: nothing is submitted twice, the results job is kept
      const second = bridge(args);
      expect(second.status, second.stderr.slice(-2000)).toBe(0);
      expect(second.stderr).toMatch(new RegExp(`slurm: 0 stage job\\(s\\) submitted, \\d+ already queued or running, \\d+ of 45 stages done; results job ${collectJob} runs after them`));
      for (const id of stages) expect(jobsOf(S, id), id).toEqual(firstJobs[id]);
      const names = [...queue().values()].filter((j) => j.wd.startsWith(S)).map((j) => j.name);
      expect(new Set(names).size).toBe(names.length);

      // scancel a GRPO stage that is running and has written its first checkpoint (after step 1 of 2); should it
      // finish in the moment before the cancel lands, another one is taken
      let cancelled = '';
      const grpo = stages.filter((d) => d.startsWith('grpo-'));
      while (!cancelled) {
        if (grpo.every((id) => isDone(S, id))) throw new Error('every GRPO stage finished before one could be cancelled mid-run');
        const q = queue();
        const id = grpo.find((d) => !isDone(S, d) && q.get(jobsOf(S, d)[0])?.state === 'RUNNING' && fs.existsSync(path.join(S, 'stages', d, 'run', 'ckpt', 'manifest.json')));
        const job = id ? jobsOf(S, id)[0] : '';
        if (id && slurm('scancel', [job]).status === 0) {
          await until(`job ${job} to end`, () => !queue().has(job), 60_000);
          if (!isDone(S, id)) cancelled = id;
        }
        await sleep(100);
      }
      // the rest goes on; the cancelled stage's dependents are cancelled by Slurm; the results job assembles what finished
      await until('the queue to drain', () => ![...queue().values()].some((j) => j.wd.startsWith(S)), 300_000);
      expect(isDone(S, cancelled)).toBe(false);
      const status = bridge(['reproduce', '--status', S]);
      expect(status.status, status.stderr).toBe(0);
      const line = (id: string) => status.stdout.split('\n').find((l) => l.includes(` ${id} `)) ?? '';
      expect(line(cancelled)).toMatch(new RegExp(`^failed +${cancelled} +job ${jobsOf(S, cancelled)[0]} CANCELLED.*terminated \\(SIGTERM`));
      const dependent = stages.find((d) => d.startsWith('eval-rft-') && JSON.parse(fs.readFileSync(path.join(S, 'stages', d, 'job.json'), 'utf8')).inputs.model.endsWith(cancelled))!;
      expect(line(dependent)).toMatch(new RegExp(`^skipped +${dependent} .*input ${cancelled} did not finish`));
      expect(status.stdout).toMatch(/^results: \d+ rows/m); // the results job ran after every other job ended

      // the same command again: only what is not done is submitted; the cancelled stage resumes from its checkpoint
      const metricsFile = path.join(S, 'stages', cancelled, 'run', 'metrics.jsonl');
      const stepsBefore = fs.readFileSync(metricsFile, 'utf8').trim().split('\n');
      const notDone = stages.filter((id) => !isDone(S, id));
      expect(notDone).toContain(cancelled);
      const third = await bridgeAsync([...args, '--wait']);
      expect(third.status, third.stderr.slice(-3000)).toBe(0);
      expect(third.stderr).toContain(`slurm: ${notDone.length} stage job(s) submitted, 0 already queued or running, ${45 - notDone.length} of 45 stages done`);
      for (const id of stages) expect(jobsOf(S, id), id).toHaveLength(notDone.includes(id) ? 2 : 1);
      const stepsAfter = fs.readFileSync(metricsFile, 'utf8').trim().split('\n');
      expect(stepsAfter.map((l) => JSON.parse(l).step)).toEqual([0, 1]);
      expect(stepsAfter[0]).toBe(stepsBefore[0]); // step 0 (with its timings) is the one from before the cancel: not run again
      const slurmSeconds = (Date.now() - t0) / 1000;

      const local = await reference;
      expect(local.status, local.stderr.slice(-2000)).toBe(0);
      console.info(`tiny preset through Slurm (submit, resubmit, scancel, finish): ${slurmSeconds.toFixed(0)} s; ${stages.length} stages`);
      expect(withoutTimes(readResults(S).rows)).toEqual(withoutTimes(readResults(L).rows));
      expect(weights(S)).toEqual(weights(L));
      expect(fs.existsSync(path.join(S, 'report.html'))).toBe(true);
      const final = bridge(['reproduce', '--status', S, '--json']);
      const st = JSON.parse(final.stdout) as { counts: Record<string, number>; active: number; collect: { job: { state: string } } };
      expect(st.counts.done).toBe(45);
      expect(st.active).toBe(0);
      expect(st.collect.job.state).toBe('COMPLETED');
    },
  );
});
