// report.html: one self-contained page (inline SVG charts, HTML tables, no scripts or external assets) with the
// claims, Table 1, Figure 1, the mechanism in the completions, Figure 4, the paper's numbers and the run's
// provenance. Every figure sits in <figure id="fig-<id>"> and links its files under figures/.
import { evaluateClaims, formatComparison, powerLines } from './claims';
import { TABLE1_METHODS, metaRecord, type ReportMeta, type ResultRow } from './rows';
import type { RequiredMethods } from './series';
import type { FigureDef } from './specs';
import { VERDICT_RULE, identicalAnswerNotes, oneSeedNote, provenance, stageHashes } from './summary';
import {
  MECHANISM_CAPTION,
  MECHANISM_RL_CAPTION,
  NO_MECHANISM,
  chanceCorrectedTable,
  escapeHTML,
  figure1Tables,
  fig4Table,
  mechanismDuringRlTable,
  mechanismTable,
  table1Table,
  tableToHTML,
} from './tables';

/** A figure with its rendered SVG. */
export interface RenderedFigure {
  def: FigureDef;
  svg: string;
}

/**
 * Prefix every id in an SVG (and the url(#…)/href="#…" references to them), so several inline SVGs on one page
 * cannot capture each other's clip paths or gradients.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id) => `href="#${prefix}-${id}"`);
}

/**
 * One figure block: inline SVG, caption, and links to its .svg, .png and .vl.json files. A figure without data
 * (e.g. the p-sweep of a preset that does not run it) is not drawn: one line says so and why.
 */
export function figureHTML(f: RenderedFigure): string {
  const id = f.def.id;
  if (!f.def.hasData) {
    const t = (f.def.spec as { title?: { subtitle?: unknown } }).title;
    const why = typeof t?.subtitle === 'string' ? t.subtitle : 'no data';
    return `<figure id="fig-${id}" data-figure-id="${id}" class="nodata"><figcaption><strong>${escapeHTML(f.def.title)}</strong>: not drawn (${escapeHTML(why)}).</figcaption></figure>`;
  }
  const svg = namespaceSvgIds(f.svg.replace(/^<\?xml[^>]*>\s*/, ''), `fig-${id}`);
  const files = ['svg', 'png', 'vl.json'].map((ext) => `<a href="figures/${id}.${ext}">${ext === 'vl.json' ? 'vega-lite' : ext.toUpperCase()}</a>`).join(' · ');
  return [
    `<figure id="fig-${id}" data-figure-id="${id}">`,
    `<div class="chart" role="img" aria-label="${escapeHTML(f.def.title)}">${svg}</div>`,
    `<figcaption><strong>${escapeHTML(f.def.title)}</strong>. ${escapeHTML(f.def.caption)} <span class="files">[${files}]</span></figcaption>`,
    `</figure>`,
  ].join('\n');
}

const CSS = `
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; }
table.dataframe { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
table.dataframe th, table.dataframe td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
table.dataframe th { background: #f3f3f3; }
table.dataframe td:first-child, table.dataframe td:nth-child(2) { text-align: left; }
figure { margin: 1.5em 0; }
figcaption { font-size: 0.9em; color: #444; max-width: 60em; }
.verdict-supported { color: #116611; } .verdict-not-supported { color: #a01010; } .verdict-inconclusive { color: #8a6d00; }
.chart svg { max-width: 100%; height: auto; }
code, pre { background: #f6f6f6; }
`;

/** The whole report page. Figures are matched to sections by id prefix (table1-, fig1-, fig4-); none is left out. */
export function reportHTML(o: {
  rows: readonly ResultRow[];
  meta: ReportMeta;
  figures: readonly RenderedFigure[];
  methods?: Partial<RequiredMethods>;
  missingOptional?: readonly string[];
}): string {
  const { rows, figures } = o;
  const meta = metaRecord(o.meta);
  const claims = evaluateClaims(rows);
  const figs = (prefix: string) => figures.filter((f) => f.def.id.startsWith(prefix)).map(figureHTML).join('\n');
  const others = figures.filter((f) => !/^(table1|fig1|fig4)-/.test(f.def.id)).map(figureHTML).join('\n');
  const prov = provenance(meta);
  const hashes = stageHashes(meta);
  const verdictClass = (v: string) => `verdict-${v.replace(' ', '-')}`;
  const note = oneSeedNote(rows, o.meta);
  const body = [
    `<h1>BRIDGE reproduction report</h1>`,
    note.length ? `<section id="one-seed">${note.map((l) => `<p class="note">${escapeHTML(l)}</p>`).join('')}</section>` : '',
    `<section id="provenance"><h2>Run</h2>`,
    prov.length
      ? `<table class="dataframe"><tbody>${prov.map((p) => `<tr><th>${escapeHTML(p.label)}</th><td><code>${escapeHTML(p.value)}</code></td></tr>`).join('')}</tbody></table>`
      : '<p>No run metadata was given.</p>',
    meta.config !== undefined ? `<details><summary>preset configuration</summary><pre>${escapeHTML(JSON.stringify(meta.config, null, 2))}</pre></details>` : '',
    `</section>`,
    `<section id="claims"><h2>The paper's claims against our numbers</h2>`,
    `<p>${escapeHTML(VERDICT_RULE.replace(/\*\*/g, ''))}</p>`,
    ...claims.map(
      (c) =>
        `<div class="claim" id="claim-${c.id}"><h3>(${c.id}) ${escapeHTML(c.title)}: <span class="${verdictClass(c.verdict)}">${c.verdict}</span></h3><ul>` +
        c.comparisons.map((x) => `<li>${escapeHTML(formatComparison(x))}</li>`).join('') +
        `<li>Paper: ${escapeHTML(c.paper)}</li></ul></div>`,
    ),
    `<h3>Resolution of the key comparison</h3><ul>${powerLines(claims).map((l) => `<li>${escapeHTML(l)}</li>`).join('')}</ul>`,
    `</section>`,
    `<section id="table1"><h2>Table 1: SFT and RFT accuracy (mean ± 95 % CI over seeds), with the paper's numbers</h2>`,
    `<p>Accuracy in %, greedy decoding; Δ = RFT − SFT per seed, then averaged (pp). Paper rows: 1–3B pretrained models; unknown cells are "—".</p>`,
    tableToHTML(table1Table(rows, { methods: o.methods?.table1 }), 'table-table1'),
    ...chanceCorrectedHTML(rows, o.methods?.table1 ?? TABLE1_METHODS),
    figs('table1-'),
    `</section>`,
    `<section id="figure1"><h2>Figure 1: training reward, rollout accuracy and per-step influence</h2>`,
    ...figure1Tables(rows).flatMap((t) => [`<p>${escapeHTML(t.caption)}</p>`, tableToHTML(t.table, t.id)]),
    figs('fig1-'),
    `</section>`,
    `<section id="mechanism"><h2>The mechanism in the greedy completions</h2>`,
    ...mechanismHTML(rows),
    `</section>`,
    `<section id="figure4"><h2>Figure 4: behaviour ablation</h2>`,
    tableToHTML(fig4Table(rows, { methods: o.methods?.fig4 }), 'table-fig4'),
    ...identicalAnswerNotes(meta).map((n) => `<p class="note"><strong>Identical arms.</strong> ${escapeHTML(n)}</p>`),
    figs('fig4-'),
    `</section>`,
    others ? `<section id="other-figures"><h2>Other figures</h2>${others}</section>` : '',
    o.missingOptional?.length
      ? `<section id="missing"><h2>Optional series with no data</h2><ul>${o.missingOptional.map((m) => `<li>${escapeHTML(m)}</li>`).join('')}</ul></section>`
      : '',
    hashes.length
      ? `<section id="stages"><h2>Stages and config hashes</h2>${tableToHTML({ columns: ['stage', 'config hash', 'status'], rows: hashes.map((h) => [h.id, h.hash, h.status]) }, 'table-stages')}</section>`
      : '',
  ].join('\n');
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>BRIDGE reproduction report</title>\n<style>${CSS}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}

/** Table 1's accuracy again, chance-corrected (a uniform guesser scores 0), when the rows carry it. */
function chanceCorrectedHTML(rows: readonly ResultRow[], methods: readonly string[]): string[] {
  const t = chanceCorrectedTable(rows, 'table1', methods);
  return t ? [`<p>Chance-corrected accuracy (acc − c) / (1 − c) in %, c = a uniform guesser over the answer space (1/23 in mod 23).</p>`, tableToHTML(t, 'table-table1-chance')] : [];
}

/** The mechanism table with its caption, or the one line saying the rows carry none. */
function mechanismHTML(rows: readonly ResultRow[]): string[] {
  const t = mechanismTable(rows);
  const rl = mechanismDuringRlTable(rows);
  return [
    ...(t ? [`<p>${escapeHTML(MECHANISM_CAPTION)}</p>`, tableToHTML(t, 'table-mechanism')] : [`<p class="note">${escapeHTML(NO_MECHANISM)}</p>`]),
    ...(rl ? [`<p>${escapeHTML(MECHANISM_RL_CAPTION)}</p>`, tableToHTML(rl, 'table-mechanism-rl')] : []),
  ];
}
