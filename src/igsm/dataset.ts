// Data sets (docs/igsm-generator.md, Data splits): draw problems until a split is full, render query + vanilla answer,
// de-duplicate across splits, and describe the run in a manifest. A variant (bridge, pp-aug, …; src/inject) is a
// function applied to each vanilla row.
import { z } from 'zod';
import { Rng } from '../rng.js';
import { seedSchema } from '../validate.js';
import type { AnswerTrace, ProblemGraph, ProblemRow, Surface } from './types.js';
import { drawProblem, MAX_OPS, OpRangeSchema, validateGenConfig, type DrawFailure, type GenConfig } from './generate.js';
import { canonicalQueryKey, renderQuery } from './render.js';
import { vanillaSteps, writeAnswer } from './cot.js';
import { hierarchyManifest } from './hierarchy.js';

/** Turns one vanilla row into the rows of a variant (1 for behaviours, k for augmentations). Must be deterministic in rng. */
export type RowVariant = (row: ProblemRow, rng: Rng) => ProblemRow[];

/** The identity variant: the vanilla row itself. */
export const vanillaVariant: RowVariant = (row) => [row];

export interface SplitSpec {
  /** Split name; also the id prefix of its rows. */
  name: string;
  /** Number of accepted problems (base problems; a variant may emit several rows per problem). */
  n: number;
  gen: GenConfig;
  seed: number;
  surface: Surface;
}

export interface SplitCounts {
  /** Every call of drawProblem. */
  draws: number;
  /** Draws that failed to build a graph, by reason. */
  failedDraws: { stage3: number; stage4: number };
  /** Successful draws rejected by |answer| ≥ maxSolution. */
  rejectedByFilter: number;
  /** Successful draws with a value outside the safe-integer range (exact mode). */
  unsafeRejected: number;
  /** Draws rejected by the zero-answer rule. */
  zeroRejected: number;
  /** Accepted draws whose query was already used (this split or an earlier one). */
  duplicates: number;
  /** Problems kept (= n). */
  accepted: number;
  /** Rows written (after the variant). */
  rows: number;
}

export function emptyCounts(): SplitCounts {
  return { draws: 0, failedDraws: { stage3: 0, stage4: 0 }, rejectedByFilter: 0, unsafeRejected: 0, zeroRejected: 0, duplicates: 0, accepted: 0, rows: 0 };
}

function countFailure(c: SplitCounts, reason: DrawFailure): void {
  if (reason === 'stage3' || reason === 'stage4') c.failedDraws[reason]++;
  else if (reason === 'filter') c.rejectedByFilter++;
  else if (reason === 'unsafe') c.unsafeRejected++;
  else c.zeroRejected++;
}

/** The question node's value. */
export function answerOf(graph: ProblemGraph): number {
  for (const n of graph.nodes) if (n.name === graph.question) return n.value;
  throw new Error(`graph.question "${graph.question}" is not among graph.nodes`);
}

/** Behaviour counts of a vanilla answer: one step per necessary node, nothing injected. */
export function vanillaTrace(graph: ProblemGraph, response: string): AnswerTrace {
  return { chars: response.length, steps: graph.topo.length, reflections: 0, lockedSteps: 0, revisits: 0, earlySolved: 0, redundantComputed: 0, analysisSentences: 0, subgoalSteps: 0 };
}

/** Query (shuffled unless told otherwise) and vanilla answer of one accepted graph, both from `rng`. */
export function vanillaRow(graph: ProblemGraph, numOps: number, id: string, rng: Rng, surface: Surface, shuffle = true): ProblemRow {
  const query = renderQuery(graph, rng, surface, { shuffle });
  const response = writeAnswer(graph, vanillaSteps(graph), rng, surface);
  return { id, query, response, answer: String(answerOf(graph)), numOps, graph, variant: 'vanilla', surface, trace: vanillaTrace(graph, response) };
}

export interface GenerateOptions {
  /** Canonical query keys already used (shared across the splits of a preset); new keys are added. */
  seen?: Set<string>;
  variant?: { name: string; fn: RowVariant };
  /** Called after each accepted problem with the number accepted so far. */
  onProgress?: (accepted: number) => void;
  /** Called with every output row (after the variant), in order. */
  onRow?: (row: ProblemRow) => void;
  /**
   * Keep the rows in the result (default true). Writers pass false with onRow: thousands of retained row objects
   * make the garbage collector copy them over and over, which halves throughput.
   */
  keepRows?: boolean;
}

/**
 * Draw until `spec.n` problems are accepted (rows are returned unless keepRows is false). Randomness: one stream from spec.seed drives the draws; each accepted
 * problem forks its own stream (by id) for query and answer, and the variant forks again, so the problem set never
 * depends on the variant.
 */
export function generateSplit(spec: SplitSpec, opts: GenerateOptions = {}): { rows: ProblemRow[]; counts: SplitCounts } {
  const seen = opts.seen ?? new Set<string>();
  const counts = emptyCounts();
  const rows: ProblemRow[] = [];
  const keep = opts.keepRows !== false;
  const rng = new Rng(spec.seed);
  const width = Math.max(5, String(spec.n).length);
  const maxDraws = Math.max(1_000_000, spec.n * 1000);
  while (counts.accepted < spec.n) {
    if (counts.draws >= maxDraws) {
      throw new Error(`split ${spec.name}: only ${counts.accepted} of ${spec.n} problems after ${counts.draws} draws; widen --ops or lower --n`);
    }
    counts.draws++;
    const r = drawProblem(spec.gen, rng);
    if (!r.ok) {
      countFailure(counts, r.reason);
      continue;
    }
    const id = `${spec.name}-${String(counts.accepted).padStart(width, '0')}`;
    const rowRng = rng.fork(id);
    const row = vanillaRow(r.graph, r.numOps, id, rowRng, spec.surface, spec.gen.shuffleQuery);
    const key = canonicalQueryKey(row.query, spec.surface);
    if (seen.has(key)) {
      counts.duplicates++;
      continue;
    }
    seen.add(key);
    counts.accepted++;
    // one label for every variant: ablations of the same problem draw the same random choices (paired comparison)
    const out = opts.variant ? opts.variant.fn(row, rowRng.fork("variant")) : [row];
    for (const o of out) {
      counts.rows++;
      if (keep) rows.push(o);
      opts.onRow?.(o);
    }
    opts.onProgress?.(counts.accepted);
  }
  return { rows, counts };
}

/** Everything needed to regenerate a split, plus the name hierarchy used (docs/igsm-generator.md, The graph object). */
export interface SplitManifest {
  split: string;
  n: number;
  seed: number;
  surface: Surface;
  variant: string;
  config: GenConfig;
  counts: SplitCounts;
  hierarchy: Record<string, Record<string, string[]>>;
}

export function splitManifest(spec: SplitSpec, variant: string, counts: SplitCounts): SplitManifest {
  return { split: spec.name, n: spec.n, seed: spec.seed, surface: spec.surface, variant, config: spec.gen, counts, hierarchy: hierarchyManifest() };
}

/** problems.jsonl content: one row per line, trailing newline. */
export function toJsonl(rows: readonly ProblemRow[]): string {
  let out = '';
  for (const r of rows) out += JSON.stringify(r) + '\n';
  return out;
}

/**
 * A split definition of the paper (docs/igsm-generator.md, Paper splits). `seedOffset` keeps the splits' streams
 * distinct.
 */
export interface PresetSplit {
  name: string;
  n: number;
  minOps: number;
  maxOps: number;
  force: boolean;
  seedOffset: number;
}

/** The paper's five splits, in generation (and de-duplication priority) order. */
export const PAPER_SPLITS: readonly PresetSplit[] = [
  { name: 'sft', n: 2000, minOps: 15, maxOps: 20, force: false, seedOffset: 100 },
  { name: 'rl-train', n: 10000, minOps: 15, maxOps: 20, force: false, seedOffset: 200 },
  { name: 'rl-val', n: 500, minOps: 21, maxOps: 25, force: false, seedOffset: 300 },
  { name: 'test-op20', n: 500, minOps: 20, maxOps: 20, force: true, seedOffset: 400 },
  { name: 'test-op25', n: 500, minOps: 25, maxOps: 25, force: true, seedOffset: 500 },
];

/** The split specs of the paper preset; the zero-answer rule follows minOps > 20 (on for rl-val and test-op25). */
export function paperSplitSpecs(opts: { seed?: number; arith?: GenConfig['arith']; surface?: Surface; scale?: number } = {}): SplitSpec[] {
  const scale = opts.scale ?? 1;
  return PAPER_SPLITS.map((s) => ({
    name: s.name,
    n: Math.max(1, Math.round(s.n * scale)),
    gen: validateGenConfig({ minOps: s.minOps, maxOps: s.maxOps, force: s.force, arith: opts.arith ?? 'exact' }),
    seed: (opts.seed ?? 0) + s.seedOffset,
    surface: opts.surface ?? 'english',
  }));
}

export const SPLIT_NAMES = PAPER_SPLITS.map((s) => s.name) as [string, ...string[]];

/**
 * How one split (or the paper's five) is drawn, beside its generator config (GenConfigSchema): the settings of
 * `bridge data` and of the `bridge pretrain` corpus, whose flags derive from this schema. Unset fields take the
 * split's own values (PAPER_SPLITS) or the command's preset.
 */
export const SplitOptionsSchema = z
  .object({
    split: z.enum(SPLIT_NAMES).optional().describe('which paper split (sets its n, ops and seed)'),
    n: z.number().int().min(1).max(10_000_000).optional().describe('number of problems'),
    ops: OpRangeSchema.optional(),
    forceOps: z.number().int().min(1).max(MAX_OPS).optional().describe('exactly K ops in every problem'),
    seed: seedSchema().optional().describe('seed of the problem draws'),
    surface: z.enum(['english', 'compact']).default('english').describe('wording of questions and answers'),
    scale: z.number().gt(0).max(10).default(1).describe('with --preset paper: multiply every split size by F (e.g. 0.01 for a quick try)'),
  })
  .strict();
