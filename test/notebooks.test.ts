// Every notebook end to end at the tiny preset: `npm run notebooks -- --preset tiny --check` runs `bridge reproduce
// --preset tiny` into an empty results dir, executes each notebook headless with the tslab kernel, and opens every
// exported HTML in headless Chromium, which must show every chart (scripts/check-notebooks.ts). Needs Debian's
// Jupyter, the project's tslab kernel (`npm run kernel`) and chromium: without them the test is skipped locally and
// fails under CI=true.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateRows } from '../src/experiments/results';
import { evaluateClaims } from '../src/report/claims';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const chromiumPath = process.env.BRIDGE_CHROMIUM || '/usr/bin/chromium';
const artifacts = path.join(root, 'ci-artifacts', 'notebooks');
const ci = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** What is missing to run notebooks here, or [] when everything is in place. */
function missingTools(): string[] {
  const missing: string[] = [];
  const nbconvert = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  if (nbconvert.error || nbconvert.status !== 0) missing.push('jupyter nbconvert (apt-get install jupyter-nbconvert jupyter-client python3-nbclient python3-ipython)');
  else if (!fs.existsSync(path.join(root, '.jupyter', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json'))) missing.push('the tslab kernel in .jupyter/ (npm run kernel)');
  if (!fs.existsSync(chromiumPath)) missing.push(`chromium at ${chromiumPath} (apt-get install chromium)`);
  return missing;
}

function run(script: string, args: readonly string[]) {
  return spawnSync(process.execPath, [tsx, path.join(root, 'scripts', script), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
}

const missing = missingTools();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-notebooks-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('notebooks (jupyter + tslab + chromium)', () => {
  if (missing.length > 0 && !ci) {
    const why = `notebook tests skipped: missing ${missing.join('; ')} (under CI=true this fails)`;
    console.warn(why);
    it.skip(why, () => {});
    return;
  }

  it('has jupyter, the tslab kernel and chromium (required under CI)', () => {
    expect(missing, `CI=true but missing: ${missing.join('; ')}`).toEqual([]);
  });

  it.skipIf(missing.length > 0)('runs bridge reproduce --preset tiny, executes every notebook on it, and each HTML export shows every chart in Chromium', { timeout: 900_000 }, () => {
    const results = path.join(tmp, 'results');
    const out = path.join(results, 'notebooks');
    // `npm run notebooks -- --preset tiny --results DIR --check`: reproduce fills the empty DIR first, then every
    // notebook runs on it, then the Chromium check keeps the screenshots in ci-artifacts/notebooks (the CI artifacts)
    const nb = run('notebooks.ts', ['--results', results, '--preset', 'tiny', '--check', '--screenshots', artifacts]);
    expect(nb.status, nb.stderr.slice(-4000)).toBe(0);
    const names = fs.readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb')).map((f) => f.replace(/\.ipynb$/, '')).sort();
    expect(names).toEqual(['01-problems-and-behaviours', '02-table1', '03-figure1', '04-figure4-ablation']);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'notebooks.json'), 'utf8')) as { runs: { name: string; ok: boolean; executeSeconds: number; htmlSeconds: number }[] };
    console.info(`notebooks at tiny: ${summary.runs.map((r) => `${r.name} ${r.executeSeconds.toFixed(1)} s + html ${r.htmlSeconds.toFixed(1)} s`).join('; ')}`);
    expect(summary.runs.map((r) => [r.name, r.ok])).toEqual(names.map((n) => [n, true]));

    // the exports sit next to the report that reproduce wrote
    expect(fs.existsSync(path.join(results, 'report.html'))).toBe(true);
    const rows = validateRows(JSON.parse(fs.readFileSync(path.join(results, 'results', 'rows.json'), 'utf8')));
    const claims = evaluateClaims(rows);
    const executed = (name: string) =>
      (JSON.parse(fs.readFileSync(path.join(out, `${name}.ipynb`), 'utf8')) as { cells: { outputs?: Output[] }[] }).cells.flatMap((c) => c.outputs ?? []);
    type Output = { output_type: string; name?: string; data?: Record<string, unknown> };
    const text = (outs: Output[], mime: string) => outs.map((o) => String(o.data?.[mime] ?? '')).join('\n');
    const charts = (outs: Output[]) => outs.filter((o) => o.data?.['application/vnd.vegalite.v5+json'] && o.data?.['image/svg+xml']).length;

    for (const name of names) {
      const outs = executed(name);
      expect(outs.filter((o) => o.output_type === 'error'), name).toEqual([]);
      const declared = (JSON.parse(fs.readFileSync(path.join(root, 'notebooks', `${name}.ipynb`), 'utf8')) as { metadata: { bridge: { charts: number } } }).metadata.bridge.charts;
      expect(charts(outs), name).toBeGreaterThanOrEqual(declared);
      expect(nb.stderr).toContain(`${name}: ok, ${charts(outs)} charts rendered (${declared} declared)`);
      const png = fs.readFileSync(path.join(artifacts, `${name}.png`));
      expect([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
    }

    // 01: the DAG and the highlighted answers survived the export
    const o1 = executed('01-problems-and-behaviours');
    expect(text(o1, 'image/svg+xml')).toContain('class="bridge-dag"');
    expect(text(o1, 'text/html')).toContain('class="bridge-answers"');
    expect(fs.readFileSync(path.join(out, '01-problems-and-behaviours.html'), 'utf8')).toContain('<g class="dag-node dag-target"');

    // 02–04 read the tiny rows: their tables, the paper's numbers next to ours, and the verdicts evaluateClaims gives
    const verdict = (id: string) => {
      const c = claims.find((x) => x.id === id)!;
      return `(${c.id}) ${c.title}: **${c.verdict}**`;
    };
    const o2 = executed('02-table1');
    expect(text(o2, 'text/html')).toMatch(/<td>ours<\/td><td>BRIDGE<\/td>/);
    expect(text(o2, 'text/html')).toContain('<td>paper: Qwen2.5-1.5B</td><td>BRIDGE</td><td>44.8</td><td>91.4</td><td>+46.6</td>');
    expect(text(o2, 'text/html')).toContain('<th>SFT tokens</th>');
    expect(text(o2, 'text/markdown')).toContain(verdict('a'));
    expect(text(o2, 'text/markdown')).toContain('bridge reproduce --preset tiny');
    const o3 = executed('03-figure1');
    for (const id of ['b', 'c']) expect(text(o3, 'text/markdown')).toContain(verdict(id));
    expect(text(o3, 'text/html')).toContain('<th style="text-align: left; vertical-align: top">the paper</th>');
    const o4 = executed('04-figure4-ablation');
    expect(text(o4, 'text/markdown')).toContain(verdict('d'));
    expect(text(o4, 'text/html')).toContain('<td>reflection only</td>');
    // tiny runs no p-sweep: the notebook says so instead of drawing an empty chart
    expect(text(o4, 'text/markdown')).toContain('No sweep arms in these results');
    const html4 = fs.readFileSync(path.join(out, '04-figure4-ablation.html'), 'utf8');
    expect(html4).toContain('No sweep arms in these results'); // markdown outputs survive the HTML export
  });

  it.skipIf(missing.length > 0)('fails on a cell error, naming the notebook, the cell and the compiler message', { timeout: 300_000 }, () => {
    const src = path.join(tmp, 'src');
    fs.mkdirSync(src, { recursive: true });
    const cell = (source: string) => ({ cell_type: 'code', execution_count: null, id: `c${source.length}`, metadata: {}, outputs: [], source });
    const notebook = {
      cells: [{ cell_type: 'markdown', id: 'm', metadata: {}, source: '# broken' }, cell('console.log("fine");'), cell('const x: number = "not a number";')],
      metadata: { bridge: { charts: 0 }, kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    fs.writeFileSync(path.join(src, 'broken.ipynb'), JSON.stringify(notebook));
    const r = run('notebooks.ts', ['--from', src, '--only', 'broken', '--no-build', '--results', path.join(tmp, 'r2')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('notebook broken: cell 3 (code cell 2) failed: const x: number = "not a number";');
    expect(r.stderr).toMatch(/Type 'string' is not assignable to type 'number'/);
    expect(fs.existsSync(path.join(tmp, 'r2', 'notebooks', 'broken.html'))).toBe(false);
  });
});
