// `npm run notebooks`: execute every notebooks/*.ipynb headless with the tslab kernel (jupyter nbconvert --execute)
// and write the executed notebook plus an HTML export next to the report: RESULTS/notebooks/NAME.{ipynb,html}.
// Committed exports (data/results/full/notebooks) are rewritten only with --update-committed; without it the default
// output moves to runs/notebooks/RESULTS-NAME (gitignored), so a plain run leaves `git status` clean.
// Any cell error makes the exit code non-zero and names the notebook and the cell.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDist } from './build-dist';
import { listFlag, parseFlags } from './flags';
import { FULL_RESULTS_DIR } from '../src/report/summary';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const JUPYTER_PATH = path.join(ROOT, '.jupyter', 'share', 'jupyter');
const DEFAULT_RESULTS = FULL_RESULTS_DIR;
const PRESETS = ['tiny', 'quick', 'full'];

const DEFAULT_SCREENSHOTS = 'ci-artifacts/notebooks';
/** Where exports go instead of a folder of committed files (gitignored: /runs/). */
const SCRATCH_OUT = 'runs/notebooks';

const USAGE = `usage: npm run notebooks -- [--results DIR] [--preset ${PRESETS.join('|')}] [--out DIR] [--only NAME,…] [--from DIR] [--cell-timeout S] [--no-build] [--update-committed] [--check [--screenshots DIR]]
  --results DIR      results directory the notebooks read (BRIDGE_RESULTS; default ${DEFAULT_RESULTS})
  --preset NAME      BRIDGE_PRESET; notebooks that need results run \`bridge reproduce --preset NAME --out DIR\` first if DIR has none
  --out DIR          where NAME.ipynb (executed) and NAME.html go (default: RESULTS/notebooks, or
                     ${SCRATCH_OUT}/RESULTS-NAME when RESULTS/notebooks holds committed files)
  --update-committed allow rewriting committed exports (e.g. the default output of data/results/full)
  --only NAMES       comma-separated notebook names or prefixes (e.g. 01); default every notebook
  --from DIR         folder of the source notebooks (default notebooks/; the kernel runs there)
  --cell-timeout S   seconds one cell may run (default 600)
  --no-build         skip rebuilding dist/ (the compiled helpers the notebooks import)
  --check            then open each HTML export in headless Chromium (npm run check:notebooks): every declared chart
                     must render with its axis titles; screenshots OUT/NAME.png, copied to --screenshots
  --screenshots DIR  where --check copies the screenshots (default ${DEFAULT_SCREENSHOTS}, the CI artifacts)`;

class UsageError extends Error {}

/** A path relative to the repository when inside it, else absolute. */
const shown = (p: string): string => (path.relative(ROOT, p).startsWith('..') ? p : path.relative(ROOT, p));

export interface NotebooksArgs {
  results: string;
  preset: string;
  out: string;
  only: string[];
  from: string;
  cellTimeout: number;
  build: boolean;
  /** run scripts/check-notebooks.ts on the exports afterwards */
  check: boolean;
  screenshots: string;
  /** the default output held committed files, so the exports went to SCRATCH_OUT instead */
  redirected: boolean;
}

/** Whether git tracks any file under `dir` (false outside a git checkout or when git is missing). */
export function holdsCommittedFiles(dir: string): boolean {
  const r = spawnSync('git', ['ls-files', '--', dir], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

export function parseArgs(argv: readonly string[]): NotebooksArgs {
  const v = parseFlags<{ results?: string; preset?: string; out?: string; from?: string; only?: string; 'cell-timeout'?: string; 'no-build'?: boolean; 'update-committed'?: boolean; check?: boolean; screenshots?: string }>(
    argv,
    {
      results: { type: 'string' }, preset: { type: 'string' }, out: { type: 'string' }, from: { type: 'string' }, only: { type: 'string' },
      'cell-timeout': { type: 'string' }, 'no-build': { type: 'boolean' }, 'update-committed': { type: 'boolean' }, check: { type: 'boolean' }, screenshots: { type: 'string' },
    },
    USAGE,
    (msg) => new UsageError(msg),
  );
  if (v.preset !== undefined && !PRESETS.includes(v.preset)) throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}, got "${v.preset}"`);
  let cellTimeout: number | undefined;
  if (v['cell-timeout'] !== undefined) {
    const raw = v['cell-timeout'];
    cellTimeout = Number(raw);
    if (!Number.isInteger(cellTimeout) || cellTimeout < 1 || cellTimeout > 86_400) throw new UsageError(`--cell-timeout must be an integer in [1, 86400] seconds, got "${raw}"`);
  }
  const a = {
    results: v.results, preset: v.preset, out: v.out, from: v.from, cellTimeout, screenshots: v.screenshots,
    only: listFlag(v.only), build: !v['no-build'], check: !!v.check,
  };
  const results = path.resolve(ROOT, a.results ?? DEFAULT_RESULTS);
  const update = !!v['update-committed'];
  let out = path.resolve(ROOT, a.out ?? path.join(results, 'notebooks'));
  let redirected = false;
  if (!update && holdsCommittedFiles(out)) {
    if (a.out !== undefined) throw new UsageError(`--out ${shown(out)}: holds committed notebooks; pass --update-committed to rewrite them, or choose another --out`);
    out = path.resolve(ROOT, SCRATCH_OUT, path.basename(results));
    redirected = true;
  }
  return {
    results,
    preset: a.preset ?? '',
    out,
    redirected,
    only: a.only ?? [],
    from: path.resolve(ROOT, a.from ?? 'notebooks'),
    cellTimeout: a.cellTimeout ?? 600,
    build: a.build,
    check: a.check,
    screenshots: path.resolve(ROOT, a.screenshots ?? DEFAULT_SCREENSHOTS),
  };
}

/** Notebook metadata this runner and scripts/check-notebooks.ts read (`metadata.bridge` in the .ipynb). */
export interface BridgeNotebookMeta {
  /** Charts the notebook shows (each one vega-lite bundle with its SVG); the checker asserts at least this many render. */
  charts: number;
  /** The notebook reads RESULTS/results/rows.json (so --preset may have to produce it first). */
  needsResults?: boolean;
}

export function notebookMeta(file: string): BridgeNotebookMeta {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { metadata?: { bridge?: Partial<BridgeNotebookMeta> } };
  const m = nb.metadata?.bridge;
  if (!m || !Number.isInteger(m.charts) || (m.charts as number) < 0) {
    throw new Error(`${path.basename(file)}: metadata.bridge.charts must be an integer ≥ 0 (the number of charts it shows)`);
  }
  return { charts: m.charts as number, needsResults: m.needsResults === true };
}

function selectNotebooks(from: string, only: readonly string[]): string[] {
  if (!fs.existsSync(from)) throw new UsageError(`--from: ${from} does not exist`);
  const all = fs.readdirSync(from).filter((f) => f.endsWith('.ipynb')).sort();
  if (only.length === 0) return all;
  const picked = all.filter((f) => only.some((o) => f === o || f.replace(/\.ipynb$/, '') === o || f.startsWith(o)));
  const missing = only.filter((o) => !all.some((f) => f === o || f.replace(/\.ipynb$/, '') === o || f.startsWith(o)));
  if (missing.length > 0) throw new UsageError(`--only: no notebook matches ${missing.join(', ')} (have: ${all.join(', ')})`);
  return picked;
}

/** Fail early, with the fix, when Jupyter or the project's tslab kernel is missing. */
export function checkJupyter(): void {
  const v = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) {
    throw new UsageError(
      'jupyter nbconvert is not available. Debian: apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient python3-ipython; elsewhere: conda env create -f environment.yml (see README "Notebooks")',
    );
  }
  if (!fs.existsSync(path.join(JUPYTER_PATH, 'kernels', 'tslab', 'kernel.json'))) {
    throw new UsageError('the tslab kernel is not installed in .jupyter/: run `npm run kernel`');
  }
}

interface CellError {
  cell_index: number;
  source: string;
  stream: string;
  errors: string[];
}

function describeFailure(name: string, nbFile: string, stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('BRIDGE_CELL_ERROR '));
  if (!line) {
    const tail = stderr.split('\n').filter((l) => l.trim() && !l.includes('Native kernel (python3)')).slice(-15).join('\n');
    return `notebook ${name}: nbconvert failed outside a cell (kernel start, timeout or crash):\n${tail}`;
  }
  const e = JSON.parse(line.slice('BRIDGE_CELL_ERROR '.length)) as CellError;
  const cells = (JSON.parse(fs.readFileSync(nbFile, 'utf8')) as { cells: { cell_type: string }[] }).cells;
  const codeNo = cells.slice(0, e.cell_index + 1).filter((c) => c.cell_type === 'code').length;
  const first = e.source.split('\n').find((l) => l.trim() && !l.trim().startsWith('//')) ?? e.source.split('\n')[0];
  const lines = [e.stream.trim(), ...e.errors].filter(Boolean).join('\n').split('\n');
  const detail = lines.join('').trim() === '' ? '(the kernel reported no message)' : lines.slice(0, 20).join('\n') + (lines.length > 20 ? `\n… (${lines.length - 20} more lines in ${name}.log)` : '');
  return `notebook ${name}: cell ${e.cell_index + 1} (code cell ${codeNo}) failed: ${first.trim()}\n${detail}`;
}

function jupyterEnv(a: NotebooksArgs): NodeJS.ProcessEnv {
  const prior = process.env.JUPYTER_PATH;
  return {
    ...process.env,
    JUPYTER_PATH: prior ? `${JUPYTER_PATH}${path.delimiter}${prior}` : JUPYTER_PATH,
    BRIDGE_RESULTS: a.results,
    BRIDGE_PRESET: a.preset,
  };
}

export interface NotebookRun {
  name: string;
  ok: boolean;
  executeSeconds: number;
  htmlSeconds: number;
  ipynb?: string;
  html?: string;
  error?: string;
}

interface NotebookJson {
  cells: { cell_type: string; source: string | string[]; execution_count?: number | null; outputs?: { output_type: string; execution_count?: number | null }[] }[];
}

/**
 * Number the executed code cells 1, 2, … where the kernel left no count. tslab's replies carry none, so nbclient
 * stores null and the export shows "In [ ]:" on every cell; nbclient runs the cells in order, so their position among
 * the non-empty code cells is their execution count. Counts the kernel did give are kept. Returns how many it set.
 */
export function numberExecutedCells(nb: NotebookJson): number {
  let n = 0;
  let set = 0;
  for (const cell of nb.cells) {
    const src = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    if (cell.cell_type !== 'code' || src.trim() === '') continue;
    n++;
    if (cell.execution_count == null) {
      cell.execution_count = n;
      set++;
    }
    for (const o of cell.outputs ?? []) if (o.output_type === 'execute_result' && o.execution_count == null) o.execution_count = cell.execution_count;
  }
  return set;
}

/** Execute one notebook into a scratch folder, export HTML, then move both into `a.out` (nothing half-written). */
function runNotebook(file: string, a: NotebooksArgs): NotebookRun {
  const name = path.basename(file, '.ipynb');
  const tmp = fs.mkdtempSync(path.join(a.out, `.${name}.tmp-`));
  const env = jupyterEnv(a);
  try {
    const t0 = performance.now();
    // nbconvert starts the kernel in the notebook's folder (notebooks/): tslab's rootDir, so `../dist/…` imports resolve
    const exec = spawnSync(
      'jupyter',
      [
        'nbconvert', '--to', 'notebook', '--execute',
        `--config=${path.join(ROOT, 'scripts', 'nbconvert_config.py')}`,
        '--ExecutePreprocessor.kernel_name=tslab',
        `--ExecutePreprocessor.timeout=${a.cellTimeout}`,
        '--ExecutePreprocessor.startup_timeout=120',
        `--output-dir=${tmp}`, `--output=${name}`, file,
      ],
      { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const executeSeconds = (performance.now() - t0) / 1000;
    fs.writeFileSync(path.join(a.out, `${name}.log`), `${exec.stdout ?? ''}${exec.stderr ?? ''}`);
    if (exec.error) return { name, ok: false, executeSeconds, htmlSeconds: 0, error: `notebook ${name}: could not run jupyter: ${exec.error.message}` };
    if (exec.status !== 0) return { name, ok: false, executeSeconds, htmlSeconds: 0, error: describeFailure(name, file, exec.stderr ?? '') };
    const executed = path.join(tmp, `${name}.ipynb`);
    const nb = JSON.parse(fs.readFileSync(executed, 'utf8')) as NotebookJson;
    if (numberExecutedCells(nb) > 0) fs.writeFileSync(executed, JSON.stringify(nb, null, 1) + '\n');
    const t1 = performance.now();
    // the template keeps SVG outputs intact (nbconvert 6.5's own "lab" template empties them; see the template)
    const template = path.join(ROOT, 'scripts', 'nbconvert', 'bridge-lab.html.j2');
    const html = spawnSync('jupyter', ['nbconvert', '--to', 'html', `--template-file=${template}`, `--output-dir=${tmp}`, `--output=${name}`, executed], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const htmlSeconds = (performance.now() - t1) / 1000;
    if (html.status !== 0) {
      return { name, ok: false, executeSeconds, htmlSeconds, error: `notebook ${name}: HTML export failed:\n${(html.stderr ?? '').trim().split('\n').slice(-10).join('\n')}` };
    }
    const ipynbOut = path.join(a.out, `${name}.ipynb`);
    const htmlOut = path.join(a.out, `${name}.html`);
    fs.renameSync(executed, ipynbOut);
    fs.renameSync(path.join(tmp, `${name}.html`), htmlOut);
    return { name, ok: true, executeSeconds, htmlSeconds, ipynb: ipynbOut, html: htmlOut };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The Chromium check of the exports just written (its own process: playwright stays out of this one); its exit code. */
function checkExports(a: NotebooksArgs, names: readonly string[]): number {
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const args = [tsx, path.join(ROOT, 'scripts', 'check-notebooks.ts'), '--dir', a.out, '--screenshots', a.screenshots, '--only', names.join(',')];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  return r.status === 0 ? 0 : 1;
}

/** `bridge reproduce --preset P --out RESULTS`, when a notebook needs results and RESULTS has none yet. */
function ensureResults(a: NotebooksArgs): void {
  if (fs.existsSync(path.join(a.results, 'results', 'rows.json'))) return;
  if (!a.preset) {
    throw new UsageError(`${path.relative(ROOT, a.results) || a.results} has no results/rows.json: pass --preset ${PRESETS.join('|')} to produce it, or --results DIR`);
  }
  process.stderr.write(`no results in ${a.results}: running bridge reproduce --preset ${a.preset}\n`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'bridge.mjs'), 'reproduce', '--preset', a.preset, '--out', a.results], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`bridge reproduce --preset ${a.preset} --out ${a.results} failed (exit ${r.status})`);
}

export function main(argv: readonly string[]): number {
  let a: NotebooksArgs;
  try {
    a = parseArgs(argv);
    checkJupyter();
    const files = selectNotebooks(a.from, a.only).map((f) => path.join(a.from, f));
    if (files.length === 0) throw new UsageError('no notebooks/*.ipynb to run');
    const metas = files.map(notebookMeta);
    if (a.build) {
      const b = buildDist(ROOT);
      process.stderr.write(`dist/: ${b.files} modules compiled in ${b.seconds.toFixed(1)} s\n`);
    }
    if (metas.some((m) => m.needsResults)) ensureResults(a);
    fs.mkdirSync(a.out, { recursive: true });
    if (a.redirected) process.stderr.write(`notebooks: writing to ${shown(a.out)} (the default output holds committed exports; --update-committed rewrites them)\n`);
    const runs: NotebookRun[] = [];
    for (const [i, file] of files.entries()) {
      const name = path.basename(file, '.ipynb');
      process.stderr.write(`[${i + 1}/${files.length}] ${name}: executing…\n`);
      const r = runNotebook(file, a);
      runs.push(r);
      const times = `execute ${r.executeSeconds.toFixed(1)} s, html ${r.htmlSeconds.toFixed(1)} s`;
      if (r.ok) process.stderr.write(`[${i + 1}/${files.length}] ${name}: ok (${times}) → ${shown(r.html!)}\n`);
      else process.stderr.write(`[${i + 1}/${files.length}] ${name}: FAILED (${times})\n${r.error}\n`);
    }
    const summary = runs.map(({ name, ok, executeSeconds, htmlSeconds, error }) => ({ name, ok, executeSeconds, htmlSeconds, error }));
    const tmp = path.join(a.out, `.notebooks.json.tmp-${process.pid}`);
    fs.writeFileSync(tmp, JSON.stringify({ results: shown(a.results), preset: a.preset, runs: summary }, null, 2) + '\n');
    fs.renameSync(tmp, path.join(a.out, 'notebooks.json'));
    const failed = runs.filter((r) => !r.ok);
    if (failed.length > 0) {
      process.stderr.write(`notebooks: ${failed.length} of ${runs.length} failed: ${failed.map((r) => r.name).join(', ')} (logs in ${shown(a.out)}/NAME.log)\n`);
      return 1;
    }
    if (a.check) return checkExports(a, runs.map((r) => r.name));
    return 0;
  } catch (err) {
    process.stderr.write(`notebooks: ${(err as Error).message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'scripts', 'notebooks.ts')) process.exitCode = main(process.argv.slice(2));
