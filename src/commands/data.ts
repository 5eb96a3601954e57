// `bridge data` and `bridge stats`: problems with their answers into a data directory, and its statistics. The
// flags derive from the generator's, the split's and the variants' schemas (GenConfigSchema, SplitOptionsSchema,
// VariantOptionsSchema).
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { prepareOutDir, readJsonl } from '../fsutil';
import { addSchemaFlags, givenValues, usage, type SchemaFlags } from '../flags';
import { acquireLock } from '../lock';
import { GenConfigSchema, OPS_RULE, parseOps, validateGenConfig } from '../igsm/generate';
import {
  PAPER_SPLITS,
  SPLIT_NAMES,
  SplitOptionsSchema,
  generateSplit,
  paperSplitSpecs,
  splitManifest,
  vanillaVariant,
  type RowVariant,
  type SplitManifest,
  type SplitSpec,
} from '../igsm/dataset';
import { splitStats, type SplitStats } from '../igsm/stats';
import type { ProblemRow } from '../igsm/types';
import { writeDataDir } from '../train/data';
import { computeTrace, resolveVariant, summarizeTraces, VariantOptionsSchema, variantFn, type TraceSummary, type VariantSpec } from '../inject/index';
import { canonicalTokenizer } from '../text/vocab';
import { parseConfig } from '../validate';

/** The flags of `bridge data`, by the schema each sets. */
export const DATA_FLAGS: SchemaFlags[] = [
  {
    schema: SplitOptionsSchema,
    flags: [
      { flag: '--split', path: 'split', value: 'name' },
      { flag: '--n', path: 'n', defaultText: "the split's" },
      { flag: '--ops', path: 'ops', value: 'A-B', parse: (raw) => parseOps(raw), range: OPS_RULE, defaultText: "the split's" },
      { flag: '--force-ops', path: 'forceOps', value: 'K' },
      { flag: '--seed', path: 'seed', value: 'S', defaultText: "the split's paper seed; with --preset: added to each split's seed offset" },
      { flag: '--surface', path: 'surface' },
      { flag: '--scale', path: 'scale', value: 'F' },
    ],
  },
  {
    schema: GenConfigSchema,
    flags: [
      { flag: '--no-distractors', path: 'redundantQuery', help: 'leave out the redundant (distractor) sentences (the learnability default task)' },
      { flag: '--arith', path: 'arith' },
    ],
  },
  {
    schema: VariantOptionsSchema,
    flags: [
      { flag: '--variant', path: 'variant', value: 'name' },
      { flag: '--reflect', path: 'reflect', value: 'P' },
      { flag: '--analysis', path: 'analysis', value: 'L' },
      { flag: '--subgoal', path: 'subgoal' },
      { flag: '--k', path: 'k', value: 'K' },
    ],
  },
];

interface DataFlags {
  out?: string;
  force?: boolean;
  preset?: string;
  [flag: string]: unknown;
}

/** The flags given, as validated options of each schema. */
function dataOptions(f: DataFlags) {
  const [split, gen, variant] = DATA_FLAGS.map((g) => Object.fromEntries(givenValues(g.flags, f)));
  return { given: { split, gen }, split: parseConfig(SplitOptionsSchema, 'data options', split), gen: gen as { arith?: 'exact' | 'mod23'; redundantQuery?: boolean }, variant };
}

/** The variant flags → a variant spec (docs/igsm-generator.md, Injected behaviours): named variants with optional knob overrides. */
function variantOf(v: Record<string, unknown>): VariantSpec {
  const { variant, ...overrides } = v;
  try {
    return resolveVariant((variant as string | undefined) ?? 'vanilla', overrides);
  } catch (err) {
    throw usage((err as Error).message);
  }
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
  const o = dataOptions(f);
  const { seed, surface } = o.split;
  const arith = o.gen.arith;
  const variant = variantOf(o.variant);
  if (!f.out) throw usage('--out DIR is required');
  if (o.split.ops !== undefined && o.split.forceOps !== undefined) throw usage('--ops and --force-ops exclude each other: give one');

  if (f.preset !== undefined) {
    if (f.preset !== 'paper') throw usage(`--preset must be one of paper, got "${f.preset}"`);
    if (o.gen.redundantQuery === false) throw usage('--no-distractors cannot be combined with --preset paper (the paper states the redundant sentences)');
    for (const [flag, key] of [['--split', 'split'], ['--n', 'n'], ['--ops', 'ops'], ['--force-ops', 'forceOps']] as const) {
      if (o.given.split[key] !== undefined) throw usage(`${flag} cannot be combined with --preset (the preset fixes every split)`);
    }
    const out = f.out;
    return withOutDir(out, !!f.force, () => {
      const seen = new Set<string>();
      for (const spec of paperSplitSpecs({ seed, arith, surface, scale: o.split.scale })) {
        const dir = path.join(out, spec.name);
        const m = writeSplit(dir, spec, variant, seen);
        process.stderr.write(`${spec.name}: ${m.counts.accepted} problems, ${m.counts.rows} rows, ${m.counts.draws} draws → ${dir}\n`);
      }
    });
  }

  if (o.given.split.scale !== undefined) throw usage('--scale only applies to --preset paper');
  if (o.split.split === undefined) throw usage(`--split NAME is required (one of ${SPLIT_NAMES.join(', ')}) unless --preset paper is given`);
  const base = PAPER_SPLITS.find((s) => s.name === o.split.split)!;
  let minOps = base.minOps;
  let maxOps = base.maxOps;
  let force = base.force;
  if (o.split.ops !== undefined) {
    [minOps, maxOps] = o.split.ops;
    force = false;
  }
  if (o.split.forceOps !== undefined) {
    minOps = maxOps = o.split.forceOps;
    force = true;
  }
  const spec: SplitSpec = {
    name: base.name,
    n: o.split.n ?? base.n,
    gen: validateGenConfig({ minOps, maxOps, force, ...o.gen }),
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
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw usage(`stats: ${dir} is not a directory`);
  if (fs.existsSync(path.join(dir, 'manifest.json'))) return statsOf(dir);
  const out: Record<string, FullStats> = {};
  for (const e of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, e);
    if (fs.existsSync(path.join(sub, 'manifest.json'))) out[e] = statsOf(sub);
  }
  if (Object.keys(out).length === 0) throw usage(`stats: no manifest.json in ${dir} or its subdirectories`);
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

export function register(program: Command): void {
  const data = program
    .command('data')
    .description('generate iGSM-reasoning problems into DIR/problems.jsonl + DIR/manifest.json');
  for (const group of DATA_FLAGS) addSchemaFlags(data, group);
  data
    .option('--preset <name>', 'paper: the five paper splits into DIR/<split>/, de-duplicated across splits')
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
}
