// `npx tsx scripts/screenshots.ts`: the two README screenshots, from the committed full results, in headless Chromium
// (Debian's, through playwright-core, as scripts/check-notebooks.ts uses it):
//   docs/img/report.png   — data/results/full/report.html, the Table 1 section: our numbers next to the paper's and
//                           the chart with the paper's marks
//   docs/img/notebook.png — data/results/full/notebooks/02-table1.html, the executed notebook from its top to the chart
// Run it after redrawing the report (`bridge reproduce --report-only`) or re-exporting the notebooks. Offline: only
// file: URLs load.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM } from './check-notebooks';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'data', 'results', 'full');
const OUT = path.join(ROOT, 'docs', 'img');
const WIDTH = 1280;

/** The page box (CSS px) of the first element matching `selector`. */
async function box(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`screenshots: ${selector} is not on the page`);
  return b;
}

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium (or set BRIDGE_CHROMIUM)`);
  fs.mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));

    await page.goto(pathToFileURL(path.join(RESULTS, 'report.html')).href, { waitUntil: 'load' });
    const section = await box(page, 'section#table1');
    const report = path.join(OUT, 'report.png');
    await page.screenshot({ path: report, fullPage: true, clip: { x: 0, y: section.y - 8, width: WIDTH, height: section.height + 16 } });

    await page.goto(pathToFileURL(path.join(RESULTS, 'notebooks', '02-table1.html')).href, { waitUntil: 'load' });
    const chart = await box(page, 'svg.marks');
    const notebook = path.join(OUT, 'notebook.png');
    await page.screenshot({ path: notebook, fullPage: true, clip: { x: 0, y: 0, width: WIDTH, height: chart.y + chart.height + 16 } });

    for (const f of [report, notebook]) process.stderr.write(`${path.relative(ROOT, f)}: ${(fs.statSync(f).size / 1024).toFixed(0)} KB\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
