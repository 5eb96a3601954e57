// The hostile-user tries of the reliability work (README "Reliability"): bad flags over the eight commands and
// faults (foreign files at --out, a second writer, resume on other inputs, corrupted inputs and stages, signals,
// pseudo filesystems, divergence), each classified as
//   clear   refused with one `error:` line that names the flag or file, no stack trace, nothing lost
//   unclear refused, but with a stack trace, several lines or no name of what is wrong
//   silent  accepted (exit 0, or work that went on) although the input was wrong
//   loss    files of the user or complete results changed or gone
//   hang    no answer within the time limit
// Run it against any checkout: `npx tsx bench/faults-tries.ts [--root DIR]` (default: this one). One JSON line per try
// on stdout, the counts on stderr. Commands run in this process (the CLI of ROOT, imported), except those that
// could spin or must be signalled: those run as child processes of ROOT/bin/bridge.mjs, killed by process group.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const argRoot = process.argv.indexOf('--root');
const ROOT = path.resolve(argRoot > 0 ? process.argv[argRoot + 1] : path.join(import.meta.dirname, '..'));
const { runCli } = (await import(pathToFileURL(path.join(ROOT, 'src', 'cli.ts')).href)) as { runCli: (a: string[]) => Promise<number> };
const T = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-tries-'));

type Outcome = 'clear' | 'unclear' | 'silent' | 'loss' | 'hang';
interface Run {
  code: number;
  err: string;
  out: string;
}

async function cli(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const wo = process.stdout.write.bind(process.stdout);
  const we = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  try {
    return { code: await runCli(args), out, err };
  } catch (e) {
    return { code: 99, out, err: err + String((e as Error).stack) };
  } finally {
    process.stdout.write = wo;
    process.stderr.write = we;
  }
}

/** A child `bridge` (own process group); `during` may act on it; killed with its group after `limitMs`. */
function child(args: string[], limitMs: number, during?: (pid: number) => Promise<void>): Promise<Run & { timedOut: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'bridge.mjs'), ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(p.pid!);
    }, limitMs);
    const acting = during ? during(p.pid!) : Promise.resolve();
    p.on('exit', (code, sig) => {
      clearTimeout(timer);
      void acting.then(() => {
        killGroup(p.pid!); // whatever it left running (an orphaned trainer)
        resolve({ code: code ?? 128 + (os.constants.signals[sig as NodeJS.Signals] ?? 0), out, err, timedOut });
      });
    });
  });
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** File → sha256 of every file at or below `p`. */
function files(p: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (a: string) => {
    if (fs.statSync(a).isDirectory()) for (const e of fs.readdirSync(a).sort()) walk(path.join(a, e));
    else out.set(a, crypto.createHash('sha256').update(fs.readFileSync(a)).digest('hex'));
  };
  if (fs.existsSync(p)) walk(p);
  return out;
}
const fingerprint = (p: string): string => JSON.stringify([...files(p)]);
/** Every file that was there is still there, unchanged (new files beside them are not a loss). */
const survived = (before: Map<string, string>, p: string): boolean => {
  const now = files(p);
  return [...before].every(([f, h]) => now.get(f) === h);
};

/** Refused clearly: one error line, naming `names` (a flag or file), no stack. */
function judge(r: Run, names: string): Outcome {
  if (r.code === 0) return 'silent';
  const lines = r.err.split('\n').filter((l) => l.startsWith('error: '));
  const clear = lines.length === 1 && lines[0].includes(names) && !/\n\s+at /.test(r.err);
  return clear ? 'clear' : 'unclear';
}

const results: { group: string; id: string; outcome: Outcome; line: string }[] = [];
function record(group: string, id: string, outcome: Outcome, r?: Run): void {
  const line = (r?.err.split('\n').find((l) => l.startsWith('error: ')) ?? r?.err.split('\n')[0] ?? '').slice(0, 200);
  results.push({ group, id, outcome, line });
  process.stdout.write(JSON.stringify({ group, id, outcome, line }) + '\n');
}

// ---- fixtures, made by ROOT's own CLI ------------------------------------------------------------------------------
const D = path.join(T, 'data');
const D2 = path.join(T, 'data2');
const EXACT = path.join(T, 'exact');
const S = path.join(T, 'sft');
const must = (r: Run) => {
  if (r.code !== 0) throw new Error(`fixture failed: ${r.err}`);
};
const data = (dir: string, seed: number, arith = 'mod23') =>
  cli('data', '--split', 'sft', '--n', '12', '--ops', '1-2', '--no-distractors', '--seed', String(seed), '--arith', arith, '--surface', 'compact', '--out', dir);
must(await data(D, 1));
must(await data(D2, 2));
must(await data(EXACT, 1, 'exact'));
must(await cli('sft', '--data', D, '--out', S, '--preset', 'tiny', '--max-steps', '2', '--no-progress'));
let n = 0;
const fresh = (p = 'o') => path.join(T, `${p}${n++}`);

// ---- bad flags: each alone on an otherwise valid command -----------------------------------------------------------
const BAD_INT = ['abc', '', '-1', '0', '1e99', '2.5', '0x10', 'Infinity'];
const BAD_REAL = ['abc', '', '-1', '1e99', '0x1', 'NaN'];
const base: Record<string, () => string[]> = {
  data: () => ['data', '--split', 'sft', '--n', '3', '--ops', '1-2', '--arith', 'mod23', '--surface', 'compact', '--no-distractors', '--out', fresh()],
  pretrain: () => ['pretrain', '--preset', 'tiny', '--n', '8', '--max-steps', '1', '--no-progress', '--out', fresh(), '--work', fresh('w')],
  sft: () => ['sft', '--data', D, '--out', fresh(), '--preset', 'tiny', '--max-steps', '1', '--no-progress'],
  grpo: () => ['grpo', '--init', S, '--data', D, '--out', fresh(), '--preset', 'tiny', '--steps', '1', '--prompts', '2', '--group', '2', '--max-new', '8', '--eval-every', '0', '--no-progress'],
  eval: () => ['eval', '--ckpt', S, '--data', D, '--limit', '2', '--json'],
  probe: () => ['probe', 'accuracy', '--ckpt', S, '--data', D, '--out', fresh(), '--n', '2', '--samples', '2', '--workers', '1', '--json'],
  reproduce: () => ['reproduce', '--preset', 'tiny', '--out', fresh(), '--estimate', '--no-progress'],
};
/** command → [flag, bad values] (a later flag of the same name overrides the base's). */
const flags: Record<string, [string, string[]][]> = {
  data: [['--n', BAD_INT], ['--seed', ['abc', '1.5', '0x1', '1e20']], ['--ops', ['5-2', '0-3', '1-99', 'x', '']], ['--force-ops', ['0', '99', 'x']], ['--arith', ['mod7', '']], ['--surface', ['latex']], ['--variant', ['nope']], ['--reflect', ['2', '-0.1', '0x0', 'abc']], ['--k', ['0', '0x4']], ['--scale', ['0.5']]],
  pretrain: [['--n', ['0', 'abc', '0x8', '-3']], ['--ops', ['3-1', 'x']], ['--arith', ['mod7']], ['--epochs', ['0', 'abc']], ['--lr', ['0', '2', '0x1']], ['--d', ['0', '99999']], ['--preset', ['huge']]],
  sft: [['--epochs', ['0', '-1', 'abc', '0x2']], ['--batch-size', ['0', '1.5', '0x8']], ['--lr', BAD_REAL.concat(['0', '2', '0x1'])], ['--loss-on', ['prompt']], ['--pos', ['alibi']], ['--max-steps', ['0', '-2', '0x1']], ['--checkpoint-every', ['0', 'x']], ['--workers', ['0', '17', '0x2']], ['--d', ['0', '1.5']], ['--layers', ['0', '65']], ['--heads', ['0', 'x']], ['--ctx', ['0', '99999']], ['--seed', ['x', '1.5']], ['--preset', ['huge']]],
  grpo: [['--steps', ['0', 'abc', '0x1']], ['--prompts', ['0', '13', '0x2']], ['--group', ['1', '0', 'x']], ['--lr', ['0', '2', '0x1', 'abc']], ['--beta', ['-1', 'x']], ['--kl', ['k2']], ['--max-new', ['0', 'x']], ['--eval-every', ['-1', 'x', '2']], ['--workers', ['0', '17']], ['--seed', ['x']], ['--preset', ['huge']]],
  eval: [['--samples', ['0', 'x', '0x2']], ['--temperature', ['-1', '11', '0b1']], ['--limit', ['0', 'x', '13']], ['--seed', ['x', '1.5']]],
  probe: [['--n', ['0', 'x', '13', '0x2']], ['--samples', ['0', 'x']], ['--temperature', ['0', 'x', '0x1']], ['--norm', ['max']], ['--workers', ['0', '17']], ['--seed', ['x']], ['--project', ['64']], ['--eta', ['0x1']]],
  reproduce: [['--jobs', ['0', '65', 'x', '1.5', '0x2']], ['--preset', ['huge', '']]],
};
for (const [cmd, list] of Object.entries(flags)) {
  for (const [flag, values] of list) {
    for (const v of values) {
      const args = [...base[cmd](), flag, v];
      // "--eval-every 2" is only wrong without --val; base grpo has no --val. "--project" is wrong for accuracy.
      record('bad-flag', `${cmd} ${flag} ${JSON.stringify(v)}`, judge(await cli(...args), flag));
    }
  }
}
// conflicting flags
const conflicts: [string, string[], string][] = [
  ['sft --resume --force', [...base.sft(), '--resume', '--force'], '--resume'],
  ['grpo --resume --force', [...base.grpo(), '--resume', '--force'], '--resume'],
  ['pretrain --resume --force', [...base.pretrain(), '--resume', '--force'], '--resume'],
  ['eval --samples 4 --temperature 0', [...base.eval(), '--samples', '4', '--temperature', '0'], '--temperature'],
  ['data --variant vanilla --k 3', [...base.data(), '--variant', 'vanilla', '--k', '3'], '--k'],
  ['data --variant bridge --k 2', [...base.data(), '--variant', 'bridge', '--k', '2'], '--k'],
  ['data --ops with --force-ops', [...base.data(), '--force-ops', '2'], '--ops'],
  ['sft --init CKPT --d 128', [...base.sft(), '--init', S, '--d', '128'], '--d'],
  ['probe influence --samples 1', ['probe', 'influence', '--ckpt', S, '--data', D, '--out', fresh(), '--n', '4', '--samples', '1', '--workers', '1'], '--samples'],
  ['probe influence --gt-eta 0', ['probe', 'influence', '--ckpt', S, '--data', D, '--out', fresh(), '--n', '4', '--samples', '2', '--ground-truth', '1', '--gt-eta', '0', '--workers', '1'], '--gt-eta'],
  ['stats on a missing dir', ['stats', path.join(T, 'missing')], 'missing'],
];
for (const [id, args, names] of conflicts) record('bad-flag', id, judge(await cli(...args), names));

// ---- faults --------------------------------------------------------------------------------------------------------
/** A try against files of the user at `target`: lost if any changed; with --force, done beside them is right. */
async function keeps(id: string, target: string, args: string[], names: string): Promise<void> {
  const before = files(target);
  const r = await cli(...args);
  record('fault', id, !survived(before, target) ? 'loss' : r.code === 0 && args.includes('--force') ? 'clear' : judge(r, names), r);
}
const userFile = () => {
  const f = fresh('file');
  fs.writeFileSync(f, 'mine');
  return f;
};
const userDir = () => {
  const d = fresh('dir');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'thesis.tex'), 'chapter 1');
  return d;
};
// 1, 2: whatever is at --out is not replaced
for (const [cmd, mk] of [['pretrain', base.pretrain], ['sft', base.sft], ['grpo', base.grpo], ['probe', base.probe], ['data', base.data], ['reproduce', () => ['reproduce', '--preset', 'tiny', '--no-progress']]] as const) {
  const f = userFile();
  const d = userDir();
  const a = () => mk().filter((x, i, all) => all[i - 1] !== '--out' && x !== '--out' && x !== '--estimate'); // a fresh --work each time
  await keeps(`${cmd} --out FILE`, f, [...a(), '--out', f], f);
  await keeps(`${cmd} --out DIR of the user`, d, [...a(), '--out', d], d);
  await keeps(`${cmd} --out DIR of the user --force`, d, [...a(), '--out', d, '--force'], d);
}
{
  const u = fresh('unrelated');
  fs.mkdirSync(u);
  fs.writeFileSync(path.join(u, 'config.json'), '{"theme":"dark"}');
  fs.writeFileSync(path.join(u, 'metrics.jsonl'), '{"mine":1}\n');
  await keeps('sft --resume into an unrelated dir', u, ['sft', '--data', D, '--out', u, '--preset', 'tiny', '--max-steps', '1', '--no-progress', '--resume'], u);
  const holder = fresh('holder');
  must(await data(path.join(holder, 'data'), 3));
  const before = fingerprint(path.join(holder, 'data'));
  const r = await cli('sft', '--data', path.join(holder, 'data'), '--out', holder, '--preset', 'tiny', '--max-steps', '1', '--no-progress', '--force');
  record('fault', 'sft --force with --data inside --out', fingerprint(path.join(holder, 'data')) !== before ? 'loss' : r.code === 0 ? 'clear' : judge(r, holder), r);
  const ef = userFile();
  await keeps('eval --out existing FILE', ef, [...base.eval(), '--out', ef], ef);
  const pout = fresh('probe');
  must(await cli(...base.probe().slice(0, -1).map((x, i, a) => (a[i - 1] === '--out' ? pout : x))));
  await keeps('probe --out holding accuracy.json', pout, [...base.probe().map((x, i, a) => (a[i - 1] === '--out' ? pout : x))], 'accuracy.json');
  const pw = fresh('pw');
  must(await cli('pretrain', '--preset', 'tiny', '--n', '8', '--max-steps', '1', '--no-progress', '--out', fresh(), '--work', pw));
  const again = await cli('pretrain', '--preset', 'tiny', '--n', '8', '--max-steps', '1', '--no-progress', '--out', fresh(), '--work', pw);
  record('fault', 'pretrain rerun after a failed export (finished --work)', again.code === 0 ? 'clear' : 'silent', again);
}
// 3: a second writer, and signals
for (const [cmd, mk] of Object.entries(base)) {
  if (cmd === 'eval') continue;
  const X = fresh('locked');
  const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
  fs.mkdirSync(X, { recursive: true });
  fs.writeFileSync(path.join(X, '.bridge.lock'), JSON.stringify({ pid: holder.pid, host: os.hostname(), start: null, command: 'bridge (holder)', since: 'now' }));
  fs.writeFileSync(path.join(X, '.reproduce.lock'), String(holder.pid)); // the older lock of reproduce, as it would find it
  // the second writer as it comes: a --resume of the same run, a --force of the same data
  const extra = cmd === 'sft' || cmd === 'grpo' ? ['--resume'] : cmd === 'data' ? ['--force'] : [];
  const args = [...mk().map((x, i, a) => (a[i - 1] === (cmd === 'pretrain' ? '--work' : '--out') ? X : x)).filter((x) => x !== '--estimate'), ...extra];
  const r = await cli(...args);
  holder.kill();
  record('fault', `${cmd} while another process writes its output`, r.code === 0 ? 'silent' : judge(r, X), r);
}
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  const out = fresh('sig');
  const metrics = path.join(out, 'metrics.jsonl');
  const lines = () => (fs.existsSync(metrics) ? fs.readFileSync(metrics, 'utf8').split('\n').filter(Boolean).length : 0);
  let after = 0;
  let at = 0;
  await child(['sft', '--data', D, '--out', out, '--preset', 'tiny', '--max-steps', '100000', '--no-progress'], 90_000, async (pid) => {
    while (lines() < 2) await new Promise((r) => setTimeout(r, 50));
    process.kill(pid, sig); // the wrapper only, as a shell's kill would
    at = lines();
    await new Promise((r) => setTimeout(r, 2500));
    after = lines();
    killGroup(pid);
  });
  record('fault', `${sig} to npx bridge sft`, after > at + 1 ? 'silent' : 'clear');
}
// 4: resume on other inputs
{
  const out = fresh('resume');
  const mk = (...extra: string[]) => ['sft', '--out', out, '--preset', 'tiny', '--max-steps', '4', '--checkpoint-every', '1', '--no-progress', ...extra];
  // an unfinished run: two steps with a checkpoint each, then "killed" (an exception from onStep)
  const { runSft, sftConfig } = (await import(pathToFileURL(path.join(ROOT, 'src', 'train', 'sft.ts')).href)) as typeof import('../src/train/sft');
  const { SFT_PRESETS } = (await import(pathToFileURL(path.join(ROOT, 'src', 'train', 'commands.ts')).href)) as typeof import('../src/train/commands');
  const config = sftConfig({ ...SFT_PRESETS.tiny, maxSteps: 4, checkpointEvery: 1 });
  for (const [id, extra, names] of [['--data', ['--data', D2], '--data'], ['--init', ['--data', D, '--init', S], '--init'], ['--lr', ['--data', D, '--lr', '0.02'], 'lr']] as const) {
    fs.rmSync(out, { recursive: true, force: true });
    await runSft({ data: D, init: 'scratch', out, config, progress: false, onStep: (k) => { if (k > 2) throw new Error('killed'); } }).catch(() => {});
    const cfg = fs.readFileSync(path.join(out, 'config.json'), 'utf8');
    const r = await cli(...mk(...extra, '--resume'));
    record('fault', `sft --resume with other ${id}`, fs.readFileSync(path.join(out, 'config.json'), 'utf8') !== cfg && r.code === 0 ? 'silent' : judge(r, names), r);
  }
}
// 5: reproduce: a corrupted reused stage, and rows shortened by a failing rerun
{
  const { runExperiments } = (await import(pathToFileURL(path.join(ROOT, 'src', 'experiments', 'runner.ts')).href)) as typeof import('../src/experiments/runner');
  const R: Record<string, unknown> = {
    splits: { counts: {} }, data: { problems: 1, rows: 1, variant: 'x' }, sft: { steps: 1, tokensSeen: 1, finalLoss: 1, weightsHash: 'w', trainSeconds: 1 },
    'eval-sft': { id: { accuracy: 0.25 }, ood: { accuracy: 0.5 } }, 'eval-rft': { id: { accuracy: 0.5 }, ood: { accuracy: 0.75 } },
    grpo: { steps: 1, weightsHash: 'w', curve: [{ step: 0, reward: 0.5, informative: 0.5, valAccuracy: 0.5 }], valBefore: 0.25, trainSeconds: 2 },
    probe: { queries: 2, samples: 4, histogram: { '0': 1, '1': 1 }, informative: 0.5, meanAlpha: 0.5, influence: { queries: 2, targets: 1, norm: 'mean', byBin: [], mean: 0 } },
  };
  const exec = (ran: string[], fail = /^$/) => ({
    async run(job: { id: string; kind: string; dir: string }) {
      ran.push(job.id);
      if (fail.test(job.id)) throw new Error('boom');
      fs.mkdirSync(job.dir, { recursive: true });
      fs.writeFileSync(path.join(job.dir, 'out.txt'), job.id);
      fs.writeFileSync(path.join(job.dir, 'done.json'), JSON.stringify({ seconds: 0.1, result: R[job.kind] }));
    },
    async close() {},
  });
  const out = fresh('repro');
  const go = (ran: string[], fail?: RegExp) => runExperiments({ preset: 'tiny', out, jobs: 2, progress: false, log: () => {}, executor: exec(ran, fail) as never });
  const first = await go([]);
  const sftStage = first.plan.stages.find((s) => s.kind === 'sft')!;
  fs.writeFileSync(path.join(sftStage.dir, 'out.txt'), 'corrupt');
  const ran: string[] = [];
  await go(ran, /^$/);
  record('fault', 'reproduce reuses a stage whose output was corrupted', ran.includes(sftStage.id) ? 'clear' : 'silent');
  fs.rmSync(path.join(sftStage.dir, 'done.json')); // a stage to redo, and this time it fails
  const rows = fingerprint(path.join(out, 'results', 'rows.json'));
  await go([], new RegExp(`^${sftStage.id}$`));
  record('fault', 'a failing rerun of reproduce shortens the rows', fingerprint(path.join(out, 'results', 'rows.json')) === rows ? 'clear' : 'loss');
}
// 6, 7: inputs and errors that must name the file
{
  const copy = (name: string, edit: (l: string[]) => string[]) => {
    const dir = fresh(name);
    fs.cpSync(D, dir, { recursive: true });
    const f = path.join(dir, 'problems.jsonl');
    fs.writeFileSync(f, edit(fs.readFileSync(f, 'utf8').split('\n').filter(Boolean)).join('\n') + '\n');
    return dir;
  };
  const cut = copy('cut', (l) => l.slice(0, 6));
  const edited = copy('edited', (l) => l.map((x, i) => (i === 2 ? x.replace(/"answer":"\d+"/, '"answer":"999"') : x)));
  for (const [id, dir] of [['cut at a line boundary', cut], ['edited in place', edited]] as const) {
    record('fault', `sft on problems.jsonl ${id}`, judge(await cli(...base.sft().map((x, i, a) => (a[i - 1] === '--data' ? dir : x))), 'problems.jsonl'));
    record('fault', `eval on problems.jsonl ${id}`, judge(await cli(...base.eval().map((x, i, a) => (a[i - 1] === '--data' ? dir : x))), 'problems.jsonl'));
  }
  record('fault', 'eval: exact data, mod23 model', judge(await cli(...base.eval().map((x, i, a) => (a[i - 1] === '--data' ? EXACT : x))), 'exact'));
  record('fault', 'grpo: exact data, mod23 model', judge(await cli(...base.grpo().map((x, i, a) => (a[i - 1] === '--data' ? EXACT : x))), 'exact'));
  record('fault', 'probe: exact data, mod23 model', judge(await cli(...base.probe().map((x, i, a) => (a[i - 1] === '--data' ? EXACT : x))), 'exact'));
  const badrun = fresh('badrun');
  fs.mkdirSync(badrun);
  fs.writeFileSync(path.join(badrun, 'config.json'), '{"config": ');
  record('fault', 'invalid JSON in a run config.json (--resume)', judge(await cli(...base.sft().map((x, i, a) => (a[i - 1] === '--out' ? badrun : x)), '--resume'), 'config.json'));
  const bm = copy('badmanifest', (l) => l);
  fs.writeFileSync(path.join(bm, 'manifest.json'), '{oops');
  record('fault', 'invalid JSON in a data manifest.json', judge(await cli(...base.sft().map((x, i, a) => (a[i - 1] === '--data' ? bm : x))), 'manifest.json'));
  const br = fresh('badrepro');
  fs.mkdirSync(br);
  fs.writeFileSync(path.join(br, 'reproduce.json'), 'preset: tiny');
  record('fault', 'invalid JSON in reproduce.json', judge(await cli('reproduce', '--preset', 'tiny', '--out', br, '--no-progress'), 'reproduce.json'));
  const { appendJsonl } = (await import(pathToFileURL(path.join(ROOT, 'src', 'fsutil.ts')).href)) as typeof import('../src/fsutil');
  let enospc = '';
  try {
    appendJsonl('/dev/full', { x: 1 });
  } catch (e) {
    enospc = (e as Error).message;
  }
  record('fault', 'ENOSPC while writing metrics', enospc.includes('/dev/full') ? 'clear' : 'unclear', { code: 1, out: '', err: `error: ${enospc}` });
  record('fault', 'sft model too large for the heap', judge(await cli(...base.sft(), '--d', '4096', '--layers', '64', '--heads', '64'), 'too large'));
  record('fault', '--init pointing at a data directory', judge(await cli(...base.sft(), '--init', D), 'not a checkpoint'));
}
// 8: pseudo filesystems (child processes: they may spin) and the reward's scans
for (const [cmd, args] of [
  ['data', [...base.data().slice(0, -1), '/proc/bridge-tries/x']],
  ['sft', [...base.sft().map((x, i, a) => (a[i - 1] === '--out' ? '/proc/bridge-tries/run' : x))]],
  ['eval', [...base.eval(), '--out', '/proc/bridge-tries/r.json']],
  ['reproduce', ['reproduce', '--preset', 'tiny', '--out', '/sys/bridge-tries', '--no-progress']],
] as const) {
  const r = await child([...args], 15_000);
  record('fault', `${cmd} --out inside /proc or /sys`, r.timedOut ? 'hang' : judge(r, 'pseudo filesystem'), r);
}
{
  const { formatOk, extractBoxed } = (await import(pathToFileURL(path.join(ROOT, 'src', 'igsm', 'answer.ts')).href)) as typeof import('../src/igsm/answer');
  for (const [name, f, unit] of [['formatOk', formatOk, '<think>\n'], ['extractBoxed', extractBoxed, '\\boxed{']] as const) {
    const s = unit.repeat(Math.ceil(256 * 1024 / unit.length)); // 256 KB: the quadratic scan takes seconds, 1 MB half a minute
    const t = performance.now();
    (f as (x: string) => unknown)(s);
    const ms = performance.now() - t;
    record('fault', `${name} on 256 KB of repeats (${ms.toFixed(0)} ms)`, ms > 100 ? 'hang' : 'clear');
  }
}
// 9: divergence
{
  const r = await cli(...base.sft().map((x, i, a) => (a[i - 1] === '--max-steps' ? '40' : x)), '--lr', '1');
  record('fault', 'sft --lr 1 diverges', r.code === 0 ? 'silent' : judge(r, 'diverged'), r);
}

const count = (group: string) => {
  const c: Record<Outcome, number> = { clear: 0, unclear: 0, silent: 0, loss: 0, hang: 0 };
  for (const r of results) if (r.group === group) c[r.outcome]++;
  return c;
};
process.stderr.write(`root ${ROOT}\nbad flags (${results.filter((r) => r.group === 'bad-flag').length}): ${JSON.stringify(count('bad-flag'))}\nfaults (${results.filter((r) => r.group === 'fault').length}): ${JSON.stringify(count('fault'))}\n`);
fs.rmSync(T, { recursive: true, force: true });
process.exit(0);
