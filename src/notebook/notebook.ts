// What every tslab notebook needs besides the analysis helpers: its parameters (results dir, preset) from the
// environment that `npm run notebooks` sets, charts shown both as interactive vega-lite and as SVG, and a warning when
// dist/ (the compiled helpers the notebooks import) is older than src/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { validateRows } from '../experiments/results';
import { vegaLiteToSVG, withLegibleConfig } from '../report/charts';
import { metaRecord, type ReportMeta, type ResultRow } from '../report/rows';
import { FULL_RESULTS_DIR, provenance } from '../report/summary';

/** The committed results the notebooks read unless told otherwise. */
export const DEFAULT_RESULTS = FULL_RESULTS_DIR;

/** The MIME type JupyterLab renders as an interactive vega-lite chart (nbconvert 6.5's HTML export drops it). */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

export interface NotebookParams {
  /** The repository root (absolute). */
  root: string;
  /** The results directory (absolute): what `bridge reproduce --out DIR` wrote (DIR/results/rows.json). */
  results: string;
  /** The preset the results come from or should be made with ('' = use the results as they are). */
  preset: string;
}

/** The repository root: the nearest folder at or above `from` whose package.json is this project's. */
export function projectRoot(from = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'bridge-workbench') return dir;
      } catch {
        // not JSON: keep climbing
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no bridge-workbench package.json at or above ${from}`);
    dir = up;
  }
}

/**
 * A notebook's parameters. The values in the parameter cell are defaults; `npm run notebooks` overrides them through
 * the environment (BRIDGE_RESULTS, BRIDGE_PRESET). Relative paths are relative to the repository root, so a notebook
 * behaves the same whether the kernel runs in notebooks/ (JupyterLab, nbconvert) or elsewhere.
 */
export function notebookParams(defaults: { results?: string; preset?: string } = {}, env: NodeJS.ProcessEnv = process.env): NotebookParams {
  const root = projectRoot();
  const results = env.BRIDGE_RESULTS || defaults.results || DEFAULT_RESULTS;
  const preset = env.BRIDGE_PRESET ?? defaults.preset ?? '';
  return { root, results: path.resolve(root, results), preset };
}

/**
 * A warning when some src/ file is newer than dist/ (built by `npm run build:notebooks`, which `npm run notebooks`
 * runs first), else null. In JupyterLab, rebuild and restart the kernel after changing src/.
 */
export function distStaleness(root = projectRoot()): string | null {
  const stamp = path.join(root, 'dist', 'build.json');
  if (!fs.existsSync(stamp)) return 'dist/ has no build.json: run `npm run build:notebooks`';
  const builtAt = (JSON.parse(fs.readFileSync(stamp, 'utf8')) as { builtAt: number }).builtAt;
  const newer: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && fs.statSync(p).mtimeMs > builtAt) newer.push(path.relative(root, p));
    }
  };
  walk(path.join(root, 'src'));
  if (newer.length === 0) return null;
  return `dist/ is older than ${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ` and ${newer.length - 3} more` : ''}: run \`npm run build:notebooks\` and restart the kernel`;
}

/** A Jupyter MIME bundle: MIME type → data. */
export type MimeBundle = Record<string, unknown>;

function specTitle(spec: Record<string, unknown>): string {
  const t = spec.title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') return (t as { text: string }).text;
  return 'chart';
}

/**
 * One chart as a single display bundle: the vega-lite spec (JupyterLab and VS Code draw it interactively), its SVG
 * rendered in Node (nbconvert's HTML export keeps only this one) and a text fallback. One bundle, not two outputs,
 * so JupyterLab shows the chart once.
 */
export async function chartBundle(spec: Record<string, unknown>): Promise<MimeBundle> {
  const svg = await vegaLiteToSVG(spec);
  return { [VEGALITE_MIME]: withLegibleConfig(spec), 'image/svg+xml': svg, 'text/plain': `[chart: ${specTitle(spec)}]` };
}

/**
 * Send a MIME bundle as one display_data message of the running tslab kernel. tslab's public `display` sends one
 * MIME type per message; its kernel module's writer (the same one `display` uses) takes a whole bundle.
 */
export function displayBundle(bundle: MimeBundle): void {
  // node_modules/tslab resolves to the module instance the kernel itself runs (the kernel is node_modules/.bin/tslab)
  const req = typeof require === 'function' ? require : createRequire(path.join(projectRoot(), 'package.json'));
  const jupyter = req('tslab/dist/jupyter') as { lastWriteDisplayData?: (d: unknown, update: boolean) => void };
  if (typeof jupyter.lastWriteDisplayData !== 'function') throw new Error('displayBundle: not running inside a tslab kernel');
  jupyter.lastWriteDisplayData({ data: bundle, metadata: {}, transient: {} }, false);
}

/** Show a vega-lite chart in a tslab notebook: interactive in JupyterLab, SVG in exported HTML (see chartBundle). */
export async function showChart(spec: Record<string, unknown>): Promise<void> {
  displayBundle(await chartBundle(spec));
}

/** A run's results as a notebook reads them. */
export interface LoadedResults {
  /** the results directory (absolute) */
  dir: string;
  /** validated tidy rows from DIR/results/rows.json */
  rows: ResultRow[];
  /** DIR/results/meta.json, or {} when the directory has none (rows made by hand) */
  meta: ReportMeta;
  /** true when this call ran `bridge reproduce` to make them */
  produced: boolean;
}

/**
 * Load DIR/results/rows.json (validated against the tidy schema) and meta.json, DIR = `params.results`. When rows.json
 * is missing and `params.preset` is set, run `bridge reproduce --preset P --out DIR` first (the parameter cell's "a
 * preset to run now"; `npm run notebooks --preset` does the same before executing); without a preset, throw naming the
 * directory and both ways out.
 */
export function loadResults(params: NotebookParams): LoadedResults {
  const file = path.join(params.results, 'results', 'rows.json');
  let produced = false;
  if (!fs.existsSync(file)) {
    if (!params.preset) {
      throw new Error(`${file} does not exist: set results to a directory written by \`bridge reproduce --out DIR\`, or set preset (tiny|quick|full) to run it now`);
    }
    const args = [path.join(params.root, 'bin', 'bridge.mjs'), 'reproduce', '--preset', params.preset, '--out', params.results, '--no-progress'];
    const r = spawnSync(process.execPath, args, { cwd: params.root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-12).join('\n');
    if (r.status !== 0 || !fs.existsSync(file)) throw new Error(`bridge reproduce --preset ${params.preset} --out ${params.results} failed (exit ${r.status}):\n${tail}`);
    produced = true;
  }
  const rows = validateRows(JSON.parse(fs.readFileSync(file, 'utf8')));
  const metaFile = path.join(params.results, 'results', 'meta.json');
  const meta = fs.existsSync(metaFile) ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as ReportMeta) : {};
  return { dir: params.results, rows, meta, produced };
}

/**
 * Where the numbers come from, as Markdown: the directory, rows and seeds, then the run's provenance (command, preset,
 * code revision, timing, stage counts, failures) from meta.json.
 */
export function resultsMarkdown(r: LoadedResults, root = projectRoot()): string {
  const rel = path.relative(root, r.dir);
  const where = rel && !rel.startsWith('..') ? rel : r.dir;
  const seeds = [...new Set(r.rows.map((x) => x.seed))].sort((a, b) => a - b);
  const lines = [`- **results**: \`${where}\`${r.produced ? ' (just produced)' : ''}: ${r.rows.length} rows, seeds ${seeds.join(', ') || '—'}`];
  // the short provenance lines only; report.html and summary.md list the rest (cost model, config hashes)
  const shownLabels = new Set(['command', 'preset', 'code revision', 'stages', 'failures', 'stage time (one core)']);
  for (const p of provenance(r.meta)) {
    if (!shownLabels.has(p.label)) continue;
    lines.push(`- **${p.label}**: ${p.label === 'command' ? '`' + p.value + '`' : p.value}`);
  }
  const wall = metaRecord(r.meta).wallSeconds;
  // the last invocation's; a reassembly of reused stages takes seconds, the stage time above is the compute
  if (typeof wall === 'number') lines.push(`- **wall time**: ${Math.round(wall)} s`);
  return lines.join('\n');
}
