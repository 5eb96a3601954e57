// Applying a variant to a base problem row: the entry point for `bridge data --variant NAME`.
import type { Rng } from '../rng.js';
import { lineSeparator } from '../igsm/render.js';
import type { ProblemRow } from '../igsm/types.js';
import { alternativeTopoOrder, shuffledQueries } from './baselines.js';
import { orderedSteps, planAnswer } from './behaviours.js';
import { computeTrace, igsmGraph, writeSteps } from './igsm.js';
import { substream } from './streams.js';
import type { VariantSpec } from './variants.js';

/**
 * The rows a variant makes from one base problem row (as the generator writes it: variant "vanilla", the vanilla
 * answer). Behaviour variants: one row, same id, query and answer, a rewritten response. pp-aug: k rows with
 * re-shuffled queries and the identical response. rc-aug: k rows with the same query, the original response and
 * k − 1 responses along other topological orders. Augmentation rows get ids "<id>-pp<i>" / "<id>-rc<i>" and
 * `baseProblemId`. Every row carries `trace`.
 *
 * Pass one stream per base problem (e.g. `seededStream(seed, row.id)`): then a problem's output does not depend on
 * which other problems are in the set, and variants sharing a knob make the same choices for it (bridge and explore
 * reflect at the same places).
 */
export function injectRow(row: ProblemRow, spec: VariantSpec, rng: Rng): ProblemRow[] {
  if (row.variant !== 'vanilla') {
    throw new Error(`injectRow: row ${row.id} has variant "${row.variant}"; variants are made from base (vanilla) rows`);
  }
  const { graph, surface } = row;
  if (spec.kind === 'pp-aug') {
    const trace = computeTrace(row.response, graph, { surface });
    return shuffledQueries(row.query, lineSeparator(surface), spec.k, substream(rng, 'pp-aug')).map((query, i) => ({
      ...row,
      id: `${row.id}-pp${i}`,
      query,
      variant: spec.name,
      baseProblemId: row.id,
      trace,
    }));
  }
  if (spec.kind === 'rc-aug') {
    const g = igsmGraph(graph, surface);
    const rows: ProblemRow[] = [];
    for (let i = 0; i < spec.k; i++) {
      const stream = substream(rng, `rc-aug:${i}`);
      let response = row.response;
      let order: readonly string[] = graph.topo;
      if (i > 0) {
        order = alternativeTopoOrder(g, stream);
        response = writeSteps(graph, orderedSteps(order), stream, surface);
      }
      rows.push({ ...row, id: `${row.id}-rc${i}`, response, variant: spec.name, baseProblemId: row.id, trace: computeTrace(response, graph, { surface, order }) });
    }
    return rows;
  }
  if (spec.name === 'vanilla') return [{ ...row, trace: computeTrace(row.response, graph, { surface }) }];
  const steps = planAnswer(igsmGraph(graph, surface), spec.knobs, substream(rng, 'plan'));
  const response = writeSteps(graph, steps, substream(rng, 'write'), surface);
  return [{ ...row, response, variant: spec.name, trace: computeTrace(response, graph, { surface }) }];
}

/**
 * A variant as the generator's per-row hook (src/igsm/dataset.ts RowVariant): `bridge data --variant NAME` can pass
 * `variantFn(resolveVariant(name, overrides))`. Fork the row stream with a label that does not name the variant if
 * ablations should share their choices (bridge and explore reflecting at the same places).
 */
export function variantFn(spec: VariantSpec): (row: ProblemRow, rng: Rng) => ProblemRow[] {
  return (row, rng) => injectRow(row, spec, rng);
}

/** injectRow over a whole split, one derived stream per base problem id. */
export function injectRows(rows: readonly ProblemRow[], spec: VariantSpec, streamFor: (row: ProblemRow) => Rng): ProblemRow[] {
  return rows.flatMap((row) => injectRow(row, spec, streamFor(row)));
}
