// Base problem rows for the injection tests and bench: drawn with the real generator, rendered and answered with the
// real iGSM writer (no vitest import, so bench/inject.ts can share it).
import { drawProblem, validateGenConfig, type GenConfig } from '../src/igsm/generate.js';
import { renderQuery } from '../src/igsm/render.js';
import { vanillaSteps, writeAnswer } from '../src/igsm/cot.js';
import type { ProblemRow, Surface } from '../src/igsm/types.js';
import { seededStream } from '../src/inject/streams.js';

/**
 * `n` accepted problems as base rows (variant "vanilla"), drawn from a seeded stream. The same seed and config give
 * the same graphs on both surfaces, so surfaces can be compared on identical problems.
 */
export function baseRows(n: number, cfg: Partial<GenConfig>, surface: Surface, seed: number): ProblemRow[] {
  const config = validateGenConfig(cfg);
  const draws = seededStream(seed, 'draws');
  const rows: ProblemRow[] = [];
  for (let attempt = 0; rows.length < n; attempt++) {
    if (attempt > 100 * n + 1000) throw new Error(`baseRows: only ${rows.length}/${n} accepted problems`);
    const r = drawProblem(config, draws);
    if (!r.ok) continue;
    const text = seededStream(seed * 1_000_003 + rows.length, 'text');
    const query = renderQuery(r.graph, text, surface);
    const response = writeAnswer(r.graph, vanillaSteps(r.graph), text, surface);
    rows.push({
      id: `s${seed}-${rows.length}`,
      query,
      response,
      answer: String(r.graph.nodes.find((x) => x.name === r.graph.question)!.value),
      numOps: r.numOps,
      graph: r.graph,
      variant: 'vanilla',
      surface,
    });
  }
  return rows;
}
