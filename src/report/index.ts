// The report stage of `bridge reproduce`: tidy result rows → figures (vega-lite, SVG, PNG), report.html and summary.md.
// Every table, spec and claim helper is re-exported here (the notebooks reach them through src/notebook/index.ts).
// Nothing heavy loads at import time (vega and resvg load on first use), and there is no top-level await, so tslab's
// CommonJS compilation can import it.
import path from 'node:path';
import { validateRows } from '../experiments/results';
import { writeFileAtomic, writeJsonAtomic } from '../fsutil';
import { svgToPNG, vegaLiteToSVG } from './charts';
import { reportHTML, type RenderedFigure } from './html';
import type { ReportMeta, ResultRow } from './rows';
import { assertRequiredSeries, missingSeries, requiredMethods, type RequiredMethods } from './series';
import { allFigures } from './specs';
import { summaryMarkdown } from './summary';

export * from './stats';
export * from './rows';
export * from './paper';
export * from './tables';
export * from './specs';
export * from './claims';
export * from './series';
export * from './summary';
export * from './html';
export { svgToPNG, vegaLiteToSVG } from './charts';

/** Render every report figure to SVG (in FIGURE_IDS order); required Table-1/Fig-4 cells missing → error naming them. */
export async function renderFigures(rows: readonly ResultRow[], methods?: Partial<RequiredMethods>): Promise<RenderedFigure[]> {
  const out: RenderedFigure[] = [];
  for (const def of allFigures(rows, { table1: methods?.table1, fig4: methods?.fig4 })) {
    try {
      out.push({ def, svg: await vegaLiteToSVG(def.spec) });
    } catch (err) {
      throw new Error(`report: figure ${def.id} failed to render: ${(err as Error).message}`);
    }
  }
  return out;
}

/**
 * Write the report of a run under `outDir`: figures/<id>.vl.json, .svg and .png for every figure, report.html
 * (self-contained) and summary.md. Rows are validated against the tidy schema; every required series must be
 * present (one error lists the missing ones), optional ones become "no data" charts and notes. `meta` is the run's
 * meta.json (command, preset, config, experiments → methods, stages → config hashes, revision). All writes are atomic.
 * Returns the paths written.
 */
export async function writeReport(outDir: string, rows: ResultRow[], meta: ReportMeta): Promise<{ files: string[] }> {
  const valid = validateRows(rows);
  const methods = requiredMethods(valid, meta);
  assertRequiredSeries(valid, methods, meta);
  const { optional } = missingSeries(valid, methods);
  const files: string[] = [];
  const write = (rel: string, data: string | Uint8Array) => {
    const file = path.join(outDir, rel);
    writeFileAtomic(file, data);
    files.push(file);
  };
  const figures = await renderFigures(valid, methods);
  for (const f of figures) {
    const vl = path.join(outDir, 'figures', `${f.def.id}.vl.json`);
    writeJsonAtomic(vl, f.def.spec);
    files.push(vl);
    write(path.join('figures', `${f.def.id}.svg`), f.svg);
    write(path.join('figures', `${f.def.id}.png`), await svgToPNG(f.svg));
  }
  write('report.html', reportHTML({ rows: valid, meta, figures, methods, missingOptional: optional }));
  write('summary.md', summaryMarkdown(valid, meta, { methods, missingOptional: optional }));
  return { files };
}
