// The `bridge` command. Every bad flag stops with one line naming the flag and its allowed range.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import cliProgress from 'cli-progress';
import { prepareOutDir, readJsonl } from './fsutil.js';
import { parseNumberFlag } from './flags.js';
import { acquireLock } from './lock.js';
import { MAX_OPS, validateGenConfig } from './igsm/generate.js';
import {
  PAPER_SPLITS,
  generateSplit,
  paperSplitSpecs,
  splitManifest,
  vanillaVariant,
  type RowVariant,
  type SplitManifest,
  type SplitSpec,
} from './igsm/dataset.js';
import { splitStats, type SplitStats } from './igsm/stats.js';
import type { Arith, ProblemRow, Surface } from './igsm/types.js';
import { registerTrainCommands } from './train/commands.js';
import { writeDataDir } from './train/data.js';
import { computeTrace, resolveVariant, summarizeTraces, variantFn, VARIANT_NAMES, type TraceSummary, type VariantSpec } from './inject/index.js';
import { canonicalTokenizer } from './text/vocab.js';
import { registerProbeCommands } from './probes/commands.js';
import { executorStep, printLocalStagePlan, registerExecutorOptions, type ReproduceFlags } from './experiments/reproduce-options.js';

/** A one-line user error: printed without a stack trace. */
class UsageError extends Error {}

/** The --variant flags → a variant spec (docs/igsm-generator.md, Injected behaviours): named variants with optional knob overrides. */
function variantOf(f: DataFlags): VariantSpec {
  const num = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    try {
      return parseNumberFlag(flag, raw, -Number.MAX_VALUE, Number.MAX_VALUE); // the variant's schema checks the range
    } catch {
      throw new UsageError(`${flag} must be a number, got "${raw}"`);
    }
  };
  try {
    return resolveVariant(f.variant, {
      reflect: num('--reflect', f.reflect),
      analysis: num('--analysis', f.analysis),
      subgoal: f.subgoal,
      k: num('--k', f.k),
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const SPLIT_NAMES = PAPER_SPLITS.map((s) => s.name);

function parseIntFlag(flag: string, raw: string, lo: number, hi: number): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`${flag} must be an integer in [${lo}, ${hi}], got "${raw}"`);
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < lo || v > hi) throw new UsageError(`${flag} must be an integer in [${lo}, ${hi}], got ${raw}`);
  return v;
}

/** "--ops A-B" (or a single "A"): 1 ≤ A ≤ B ≤ MAX_OPS. */
function parseOps(raw: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(raw);
  const range = `A-B with integers 1 ≤ A ≤ B ≤ ${MAX_OPS}`;
  if (!m) throw new UsageError(`--ops must look like ${range}, got "${raw}"`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > MAX_OPS) throw new UsageError(`--ops must be ${range} (at most ${MAX_OPS} ops fit in ≤ 20 edges), got "${raw}"`);
  if (a > b) throw new UsageError(`--ops: min ${a} > max ${b}; must be ${range}`);
  return [a, b];
}

function parseScale(raw: string): number {
  const v = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw.trim()) || !(v > 0) || v > 10) throw new UsageError(`--scale must be a number in (0, 10], got "${raw}"`);
  return v;
}

function parseChoice<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

interface DataFlags {
  split?: string;
  n?: string;
  ops?: string;
  forceOps?: string;
  seed?: string;
  arith: string;
  surface: string;
  out?: string;
  force?: boolean;
  preset?: string;
  scale?: string;
  variant: string;
  reflect?: string;
  analysis?: string;
  subgoal?: boolean;
  /** commander's --no-distractors: false drops the stage-5 redundant sentences. */
  distractors: boolean;
  k?: string;
}

function progressBar(name: string, total: number): { update: (n: number) => void; stop: () => void } {
  if (total < 1000 || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${name.padEnd(10)} [{bar}] {value}/{total} problems, {eta}s left`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (n) => bar.update(n), stop: () => bar.stop() };
}

function writeSplit(dir: string, spec: SplitSpec, variant: VariantSpec, seen: Set<string>): SplitManifest {
  const variantName = variant.name;
  const fn: RowVariant = variantName === 'vanilla' ? vanillaVariant : variantFn(variant);
  const bar = progressBar(spec.name, spec.n);
  let last = 0;
  const lines: string[] = [];
  const { counts } = generateSplit(spec, {
    seen,
    variant: variantName === 'vanilla' ? undefined : { name: variantName, fn },
    keepRows: false, // rows become JSON lines at once: flat strings are cheap to hold until the atomic write
    onRow: (row) => lines.push(JSON.stringify(row)),
    onProgress: (k) => {
      if (k - last >= 100 || k === spec.n) {
        last = k;
        bar.update(k);
      }
    },
  });
  bar.stop();
  const manifest = splitManifest(spec, variantName, counts);
  writeDataDir(dir, lines.length ? lines.join('\n') + '\n' : '', manifest);
  return manifest;
}

function runData(f: DataFlags): void {
  const arith = parseChoice<Arith>('--arith', f.arith, ['exact', 'mod23']);
  const surface = parseChoice<Surface>('--surface', f.surface, ['english', 'compact']);
  const variant = variantOf(f);
  if (!f.out) throw new UsageError('--out DIR is required');
  const seed = f.seed === undefined ? undefined : parseIntFlag('--seed', f.seed, -(2 ** 31), 2 ** 31 - 1);
  if (f.ops !== undefined && f.forceOps !== undefined) throw new UsageError('--ops and --force-ops exclude each other: give one');

  if (f.preset !== undefined) {
    parseChoice('--preset', f.preset, ['paper']);
    if (!f.distractors) throw new UsageError('--no-distractors cannot be combined with --preset paper (the paper states the redundant sentences)');
    for (const [flag, v] of [['--split', f.split], ['--n', f.n], ['--ops', f.ops], ['--force-ops', f.forceOps]] as const) {
      if (v !== undefined) throw new UsageError(`${flag} cannot be combined with --preset (the preset fixes every split)`);
    }
    const scale = f.scale === undefined ? 1 : parseScale(f.scale);
    const out = f.out;
    return withOutDir(out, !!f.force, () => {
      const seen = new Set<string>();
      for (const spec of paperSplitSpecs({ seed, arith, surface, scale })) {
        const dir = path.join(out, spec.name);
        const m = writeSplit(dir, spec, variant, seen);
        process.stderr.write(`${spec.name}: ${m.counts.accepted} problems, ${m.counts.rows} rows, ${m.counts.draws} draws → ${dir}\n`);
      }
    });
  }

  if (f.scale !== undefined) throw new UsageError('--scale only applies to --preset paper');
  if (f.split === undefined) throw new UsageError(`--split NAME is required (one of ${SPLIT_NAMES.join(', ')}) unless --preset paper is given`);
  const base = PAPER_SPLITS.find((s) => s.name === f.split);
  if (!base) throw new UsageError(`--split must be one of ${SPLIT_NAMES.join(', ')}, got "${f.split}"`);
  const n = f.n === undefined ? base.n : parseIntFlag('--n', f.n, 1, 10_000_000);
  let minOps = base.minOps;
  let maxOps = base.maxOps;
  let force = base.force;
  if (f.ops !== undefined) {
    [minOps, maxOps] = parseOps(f.ops);
    force = false;
  }
  if (f.forceOps !== undefined) {
    minOps = maxOps = parseIntFlag('--force-ops', f.forceOps, 1, MAX_OPS);
    force = true;
  }
  const spec: SplitSpec = {
    name: base.name,
    n,
    gen: validateGenConfig({ minOps, maxOps, force, arith, redundantQuery: f.distractors }),
    seed: seed ?? base.seedOffset,
    surface,
  };
  const out = f.out;
  withOutDir(out, !!f.force, () => {
    const m = writeSplit(out, spec, variant, new Set());
    process.stderr.write(`${spec.name}: ${m.counts.accepted} problems, ${m.counts.rows} rows, ${m.counts.draws} draws → ${out}\n`);
  });
}

/** Write into --out under its lock (src/lock.ts), once it is known to be free (or --force). */
function withOutDir(out: string, force: boolean, write: () => void): void {
  const lock = acquireLock(out, `--out ${out}`);
  try {
    prepareOutDir(out, force);
    write();
  } finally {
    lock.release();
  }
}

interface FullStats extends SplitStats {
  split: string;
  variant: string;
  /** Answer length in tokens of the canonical tokenizer of the split's arithmetic. */
  meanAnswerTokens: number;
  /** Behaviour counts per answer (docs/igsm-generator.md, Injected behaviours): reflections, share with ≥ 1 reflection, analysis, subgoal steps, … */
  behaviours: TraceSummary;
}

function statsOf(dir: string): FullStats {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SplitManifest;
  const rows = readJsonl<ProblemRow>(path.join(dir, 'problems.jsonl'));
  const tok = canonicalTokenizer(manifest.config.arith);
  const tokens = rows.reduce((a, r) => a + tok.encode(r.response).length, 0) / Math.max(1, rows.length);
  const traces = rows.map((r) => r.trace ?? computeTrace(r.response, r.graph, { surface: r.surface }));
  return { split: manifest.split, variant: manifest.variant, ...splitStats(rows, manifest.counts), meanAnswerTokens: tokens, behaviours: summarizeTraces(traces) };
}

/** Stats of one split directory, or of every split directory below DIR (a preset run). */
function collectStats(dir: string): Record<string, FullStats> | FullStats {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`stats: ${dir} is not a directory`);
  if (fs.existsSync(path.join(dir, 'manifest.json'))) return statsOf(dir);
  const out: Record<string, FullStats> = {};
  for (const e of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, e);
    if (fs.existsSync(path.join(sub, 'manifest.json'))) out[e] = statsOf(sub);
  }
  if (Object.keys(out).length === 0) throw new UsageError(`stats: no manifest.json in ${dir} or its subdirectories`);
  return out;
}

function formatStats(name: string, s: FullStats): string {
  const pct = (x: number | null): string => (x === null ? 'n/a' : (100 * x).toFixed(1) + ' %');
  const f1 = (x: number): string => x.toFixed(2);
  return [
    `${name}: ${s.problems} problems, ${s.rows} rows`,
    `  failed draws ${pct(s.failedDrawShare)}, filter rejections ${pct(s.filterRejectionShare)} of built graphs (${pct(s.filterRejectionShareOfDraws)} of draws), unsafe ${pct(s.unsafeShare)}, zero-rule rejections ${pct(s.zeroRejectedShare)}`,
    `  necessary ${f1(s.meanNecessary)} (abstract ${f1(s.meanAbstractNecessary)}), redundant ${f1(s.meanRedundant)}, numOps ${f1(s.meanNumOps)}`,
    `  L=2/3/4 ${pct(s.layerShares['2'])} / ${pct(s.layerShares['3'])} / ${pct(s.layerShares['4'])}, conditions ${s.conditions.min}–${s.conditions.max} (median ${s.conditions.median})`,
    `  zero answers ${pct(s.zeroAnswerShare)}, negative ${pct(s.negativeAnswerShare)}, answer chars ${f1(s.meanAnswerChars)} (max ${s.maxAnswerChars}), tokens ${f1(s.meanAnswerTokens)}, steps ${f1(s.meanSteps)}`,
    `  variant ${s.variant}: reflections ${f1(s.behaviours.reflectionsPerAnswer)}/answer (${pct(s.behaviours.shareWithReflection)} with ≥ 1), locked ${f1(s.behaviours.lockedPerAnswer)}, analysis ${f1(s.behaviours.analysisPerAnswer)}, subgoal steps ${f1(s.behaviours.subgoalStepsPerAnswer)}`,
  ].join('\n');
}

export function buildProgram(): Command {
  const program = new Command();
  program.name('bridge').description('BRIDGE workbench: iGSM-reasoning data, behaviour injection, training and probes').exitOverride();
  program
    .command('data')
    .description('generate iGSM-reasoning problems into DIR/problems.jsonl + DIR/manifest.json')
    .option('--split <name>', `split: ${SPLIT_NAMES.join(', ')} (sets default n, ops and seed)`)
    .option('--n <N>', 'number of problems')
    .option('--ops <A-B>', `op-count range, min of two uniform draws (1 ≤ A ≤ B ≤ ${MAX_OPS})`)
    .option('--force-ops <K>', 'exactly K ops')
    .option('--no-distractors', 'leave out the redundant (distractor) sentences (the learnability default task)')
    .option('--seed <S>', 'seed (default: the split\'s paper seed; with --preset: added to each split\'s seed offset)')
    .option('--arith <mode>', 'exact | mod23', 'exact')
    .option('--surface <form>', 'english | compact', 'english')
    .option('--variant <name>', `answer variant: ${VARIANT_NAMES.join(', ')}`, 'vanilla')
    .option('--reflect <P>', 'override the reflection (exploration) probability, in [0, 1]')
    .option('--analysis <L>', 'override the information-analysis level, 0–4')
    .option('--subgoal', 'turn subgoal computation on')
    .option('--k <K>', 'rows per problem for pp-aug / rc-aug (default 4)')
    .option('--preset <name>', 'paper: the five paper splits into DIR/<split>/, de-duplicated across splits')
    .option('--scale <F>', 'with --preset: multiply every split size by F (e.g. 0.01 for a quick try)')
    .option('--out <DIR>', 'output directory')
    .option('--force', 'overwrite a non-empty output directory')
    .action((opts: DataFlags) => runData(opts));
  program
    .command('stats')
    .description('calibration statistics of a generated split (or of every split below DIR)')
    .argument('<DIR>', 'a split directory or a preset directory')
    .option('--json', 'print JSON')
    .action((dir: string, opts: { json?: boolean }) => {
      const s = collectStats(dir);
      if (opts.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        return;
      }
      if ('rows' in s && typeof s.rows === 'number') process.stdout.write(formatStats(dir, s as FullStats) + '\n');
      else for (const [k, v] of Object.entries(s as Record<string, FullStats>)) process.stdout.write(formatStats(k, v) + '\n');
    });
  registerTrainCommands(program, (msg) => new UsageError(msg));
  registerProbeCommands(program, (msg) => new UsageError(msg));
  const reproduce = program
    .command('reproduce')
    .description('Table 1, Figure 1 and Figure 4 end to end: resumable stages in parallel workers or Slurm jobs → OUT/results + the report')
    .option('--preset <name>', 'tiny | quick | full | paper (see src/experiments/presets.ts); required unless --status')
    .option('--out <DIR>', 'output directory (stages/, results/, the report); required unless --status')
    .option('--jobs <N>', 'stages run at once, one worker process each (default: number of cores)')
    .option('--force', 'start over: delete DIR first (also needed to reuse a DIR of another preset)')
    .option('--estimate', 'print the plan, its estimated cost, each stage kind\'s resources and the critical path; run nothing')
    .option('--no-progress', 'no progress display (the estimate and the summary still print)');
  registerExecutorOptions(reproduce).action(async (flags: ReproduceFlags) => {
      const step = await executorStep(flags, (msg) => new UsageError(msg));
      if (step === 'handled') return;
      const f = flags as ReproduceFlags & { preset: string; out: string };
      const jobs = f.jobs === undefined ? undefined : parseIntFlag('--jobs', f.jobs, 1, 64);
      const { getPreset } = await import('./experiments/presets.js');
      try {
        getPreset(f.preset);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const { runExperiments } = await import('./experiments/runner.js');
      const command = ['bridge reproduce --preset', f.preset, '--out', f.out, ...(f.jobs ? ['--jobs', f.jobs] : []), ...(f.force ? ['--force'] : []), ...(f.collect ? ['--collect'] : [])].join(' ');
      const res = await runExperiments({ preset: f.preset, out: f.out, jobs, force: f.force, progress: f.progress, command, estimateOnly: f.estimate, collectOnly: step.collectOnly });
      if (f.estimate) return printLocalStagePlan(res, jobs ?? os.cpus().length);
      // the report shows whatever finished; stage failures are still the first thing the exit status reports
      let reportError: Error | null = null;
      try {
        // the report follows OUT/results: an incomplete run does not replace it either
        const { writeReport } = await import('./report/index.js');
        if (!res.keptPrevious) await writeReport(f.out, res.rows, res.meta);
      } catch (err) {
        reportError = err as Error;
      }
      if (res.failures.length) {
        const also = reportError ? `; the report failed too: ${reportError.message.split('\n')[0]}` : '';
        throw new Error(`${res.failures.length} stage(s) failed: ${res.failures.map((x) => x.id).join(', ')} (each has an error.log in ${path.join(f.out, 'stages')})${also}`);
      }
      if (reportError) throw reportError;
    });
  return program;
}

/** Exit code for an error thrown by a command: commander already printed its own; ours get one line. */
function failure(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode; // commander already printed its one line (or the help)
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${msg.split('\n')[0]}\n`);
  return 1;
}

/** Run the synchronous commands (data, stats) in-process and return the exit code. */
export function main(argv: string[]): number {
  try {
    buildProgram().parse(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return failure(err);
  }
}

/** Run any command, the asynchronous training commands included. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return failure(err);
  }
}

const invoked = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invoked.endsWith(path.join('src', 'cli.ts')) || invoked.endsWith(path.join('src', 'cli.js'))) {
  runCli(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
