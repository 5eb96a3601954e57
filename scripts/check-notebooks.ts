// `npm run check:notebooks`: open each exported notebook HTML (from `npm run notebooks`) in headless Chromium
// (Debian's chromium, driven by playwright-core) and assert every chart rendered: at least the number of charts the
// notebook declares (metadata.bridge.charts) are drawn as vega SVGs with a size, and every axis title of the
// vega-lite specs in the executed notebook is on the page. Saves a full-page screenshot NAME.png per notebook.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { listFlag, parseFlags } from './flags';
import { FULL_RESULTS_DIR } from '../src/report/summary';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DIR = `${FULL_RESULTS_DIR}/notebooks`;
const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';
export const CHROMIUM = process.env.BRIDGE_CHROMIUM || '/usr/bin/chromium';

const USAGE = `usage: npm run check:notebooks -- [--dir DIR] [--screenshots DIR] [--only NAME,…]
  --dir DIR           folder with NAME.html and the executed NAME.ipynb (default ${DEFAULT_DIR})
  --screenshots DIR   also copy each NAME.png here (CI artifacts)
  --only NAMES        comma-separated notebook names or prefixes
Chromium: ${CHROMIUM} (BRIDGE_CHROMIUM overrides; Debian: apt-get install chromium)`;

class CheckError extends Error {}

interface Args {
  dir: string;
  screenshots: string | null;
  only: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const v = parseFlags<{ dir?: string; screenshots?: string; only?: string }>(
    argv,
    { dir: { type: 'string' }, screenshots: { type: 'string' }, only: { type: 'string' } },
    USAGE,
    (msg) => new CheckError(msg),
  );
  return {
    dir: path.resolve(ROOT, v.dir ?? DEFAULT_DIR),
    screenshots: v.screenshots === undefined ? null : path.resolve(ROOT, v.screenshots),
    only: listFlag(v.only),
  };
}

/** Axis titles (x and y channels) of a vega-lite spec, layers, facets and concatenations included. */
export function axisTitles(spec: unknown): string[] {
  const out: string[] = [];
  const visit = (node: unknown, key: string | null): void => {
    if (Array.isArray(node)) {
      for (const v of node) visit(v, key);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (key === 'encoding') {
      for (const ch of ['x', 'y']) {
        const t = (o[ch] as { title?: unknown } | undefined)?.title;
        if (typeof t === 'string' && t.trim()) out.push(t);
        else if (Array.isArray(t)) for (const s of t) if (typeof s === 'string' && s.trim()) out.push(s);
      }
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'data' && k !== 'datasets') visit(v, k);
  };
  visit(spec, null);
  return [...new Set(out)];
}

interface ExecutedNotebook {
  declared: number;
  specs: unknown[];
}

/** Declared chart count and the vega-lite specs the executed notebook displayed. */
function readExecuted(file: string): ExecutedNotebook {
  if (!fs.existsSync(file)) throw new CheckError(`${path.basename(file)} is missing next to its HTML: run \`npm run notebooks\` first`);
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    metadata?: { bridge?: { charts?: unknown } };
    cells: { outputs?: { data?: Record<string, unknown> }[] }[];
  };
  const declared = nb.metadata?.bridge?.charts;
  if (!Number.isInteger(declared)) throw new CheckError(`${path.basename(file)}: metadata.bridge.charts (the number of charts it shows) is missing`);
  const specs = nb.cells.flatMap((c) => (c.outputs ?? []).map((o) => o.data?.[VEGALITE_MIME]).filter((s) => s !== undefined));
  return { declared: declared as number, specs };
}

interface PageFacts {
  charts: { w: number; h: number }[];
  svgs: number;
  texts: string[];
}

export interface CheckResult {
  name: string;
  ok: boolean;
  problems: string[];
  charts: number;
  declared: number;
  screenshot: string;
  seconds: number;
}

async function checkOne(browser: Browser, html: string, a: Args): Promise<CheckResult> {
  const t0 = performance.now();
  const name = path.basename(html, '.html');
  const nb = readExecuted(path.join(path.dirname(html), `${name}.ipynb`));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    // offline and deterministic: the export links require.js/MathJax; only local files may load
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    const facts: PageFacts = await page.evaluate(() => {
      // runs in the page; the project compiles without the DOM lib, hence the untyped document
      const doc = (globalThis as any).document;
      const charts = [...doc.querySelectorAll('svg.marks')].map((s: any) => {
        const r = s.getBoundingClientRect();
        return { w: r.width as number, h: r.height as number };
      });
      const texts = [...doc.querySelectorAll('svg.marks text')].map((t: any) => String(t.textContent ?? '').trim());
      return { charts, svgs: doc.querySelectorAll('svg').length as number, texts };
    });
    const problems: string[] = [];
    if (nb.specs.length < nb.declared) problems.push(`declares ${nb.declared} charts, the executed notebook displayed ${nb.specs.length} vega-lite outputs`);
    if (facts.charts.length < nb.declared) problems.push(`declares ${nb.declared} charts, the page draws ${facts.charts.length} chart SVGs (svg.marks)`);
    const empty = facts.charts.filter((c) => c.w < 10 || c.h < 10).length;
    if (empty > 0) problems.push(`${empty} chart SVG(s) have no size on the page`);
    const texts = new Set(facts.texts);
    const missing = nb.specs.flatMap(axisTitles).filter((t) => !texts.has(t));
    if (missing.length > 0) problems.push(`axis titles not on the page: ${missing.map((t) => JSON.stringify(t)).join(', ')}`);
    const screenshot = path.join(path.dirname(html), `${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    if (a.screenshots) {
      fs.mkdirSync(a.screenshots, { recursive: true });
      fs.copyFileSync(screenshot, path.join(a.screenshots, `${name}.png`));
    }
    return { name, ok: problems.length === 0, problems, charts: facts.charts.length, declared: nb.declared, screenshot, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await page.close();
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const a = parseArgs(argv);
    if (!fs.existsSync(a.dir)) throw new CheckError(`${a.dir} does not exist: run \`npm run notebooks\` first`);
    let htmls = fs.readdirSync(a.dir).filter((f) => f.endsWith('.html')).sort();
    if (a.only.length > 0) htmls = htmls.filter((f) => a.only.some((o) => f.startsWith(o)));
    if (htmls.length === 0) throw new CheckError(`no notebook HTML in ${a.dir}${a.only.length ? ` matching ${a.only.join(', ')}` : ''}: run \`npm run notebooks\` first`);
    if (!fs.existsSync(CHROMIUM)) throw new CheckError(`no Chromium at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium (or set BRIDGE_CHROMIUM)`);
    const t0 = performance.now();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    process.stderr.write(`chromium started in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const results: CheckResult[] = [];
    try {
      for (const f of htmls) {
        const r = await checkOne(browser, path.join(a.dir, f), a);
        results.push(r);
        const rel = path.relative(ROOT, r.screenshot);
        const where = rel.startsWith('..') ? r.screenshot : rel;
        if (r.ok) process.stderr.write(`${r.name}: ok, ${r.charts} charts rendered (${r.declared} declared), screenshot ${where} (${r.seconds.toFixed(1)} s)\n`);
        else process.stderr.write(`${r.name}: FAILED: ${r.problems.join('; ')} (screenshot ${where})\n`);
      }
    } finally {
      await browser.close();
    }
    return results.every((r) => r.ok) ? 0 : 1;
  } catch (err) {
    process.stderr.write(`check:notebooks: ${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'scripts', 'check-notebooks.ts')) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
