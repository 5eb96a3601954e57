// Behaviour calibration (docs/igsm-generator.md, Calibration) and injection/verifier throughput, one JSON line per
// measurement.
// Usage: npx tsx bench/inject.ts [--n 2000] [--seed 100]
// Same problems for every variant: op 15–20, exact arithmetic, English (the paper's SFT setting).
import { baseRows } from '../test/inject-rows.js';
import { injectRow } from '../src/inject/inject.js';
import { verifyAnswer } from '../src/inject/igsm.js';
import { seededStream } from '../src/inject/streams.js';
import { summarizeTraces } from '../src/inject/stats.js';
import { resolveVariant } from '../src/inject/variants.js';
import type { ProblemRow } from '../src/igsm/types.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

const n = arg('n', 2000);
const seed = arg('seed', 100);
const emit = (name: string, value: number, unit: string): void => console.log(JSON.stringify({ name, value, unit }));

const base = baseRows(n, { minOps: 15, maxOps: 20, arith: 'exact' }, 'english', seed);
const run = (variant: string): { rows: ProblemRow[]; ms: number } => {
  const spec = resolveVariant(variant);
  const t0 = performance.now();
  const rows = base.flatMap((row) => injectRow(row, spec, seededStream(seed, row.id)));
  return { rows, ms: performance.now() - t0 };
};

const vanilla = run('vanilla');
const bridge = run('bridge');
const sv = summarizeTraces(vanilla.rows.map((r) => r.trace!));
const sb = summarizeTraces(bridge.rows.map((r) => r.trace!));

emit('problems', n, 'count');
emit('vanilla_mean_chars', sv.meanChars, 'chars');
emit('vanilla_max_chars', sv.maxChars, 'chars');
emit('bridge_mean_chars', sb.meanChars, 'chars');
emit('bridge_max_chars', sb.maxChars, 'chars');
emit('bridge_vanilla_char_ratio', sb.meanChars / sv.meanChars, 'ratio');
emit('vanilla_steps_per_answer', sv.stepsPerAnswer, 'steps');
emit('bridge_steps_per_answer', sb.stepsPerAnswer, 'steps');
emit('bridge_share_with_reflection', sb.shareWithReflection, 'share');
emit('bridge_share_with_failed_attempt', sb.shareWithLocked, 'share');
emit('bridge_reflections_per_answer', sb.reflectionsPerAnswer, 'per_answer');
emit('bridge_failed_attempts_per_answer', sb.lockedPerAnswer, 'per_answer');
emit('bridge_revisits_per_answer', sb.revisitsPerAnswer, 'per_answer');
emit('bridge_early_solved_per_answer', sb.earlySolvedPerAnswer, 'per_answer');
emit('bridge_redundant_computed_total', sb.redundantComputedTotal, 'count');
emit('bridge_analysis_per_answer', sb.analysisPerAnswer, 'per_answer');
emit('bridge_subgoal_steps_per_answer', sb.subgoalStepsPerAnswer, 'per_answer');
emit('bridge_inject_rows_per_s', (bridge.rows.length / bridge.ms) * 1000, 'rows/s');

const t0 = performance.now();
let lines = 0;
let bad = 0;
for (const r of bridge.rows) {
  const v = verifyAnswer(r.graph, r.response, { surface: 'english' });
  if (!v.ok) bad++;
  lines += r.response.split('\n').length;
}
const ms = performance.now() - t0;
emit('verify_answers_per_s', (bridge.rows.length / ms) * 1000, 'answers/s');
emit('verify_lines_per_s', (lines / ms) * 1000, 'lines/s');
emit('verify_rejected_generated', bad, 'count');
