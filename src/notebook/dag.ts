// A problem's dependency graph as a standalone SVG (notebook 01): no layout engine, no browser — columns by
// depth, so every edge runs left to right.
import type { GraphNode, ProblemGraph, ProblemRow } from '../igsm/types';

/** The role a node plays in the drawing (redundant wins over leaf: a distractor is a distractor). */
export type DagNodeRole = 'target' | 'leaf' | 'intermediate' | 'redundant';

/**
 * explicit: the question text states the relation (the child is an instance parameter); implicit: the relation follows
 * from the structure and is never stated (the child is an abstract parameter) — docs/igsm-generator.md, Parameters.
 */
export type DagEdgeKind = 'explicit' | 'implicit';

/** Stroke colours of the four roles (fills are the same hues, lightened). */
export const DAG_COLORS: Readonly<Record<DagNodeRole, { stroke: string; fill: string }>> = {
  target: { stroke: '#c62828', fill: '#ffcdd2' },
  leaf: { stroke: '#2e7d32', fill: '#c8e6c9' },
  intermediate: { stroke: '#1565c0', fill: '#bbdefb' },
  redundant: { stroke: '#757575', fill: '#eeeeee' },
};

/** Dash pattern per edge kind ('none' = solid). */
export const DAG_DASH: Readonly<Record<DagEdgeKind, string>> = { explicit: 'none', implicit: '6 4' };

export interface DagOptions {
  /** Show "= value" under each name (default true). */
  values?: boolean;
  /** Title line above the legend (default: the question). */
  title?: string;
  /** Include the legend (default true). */
  legend?: boolean;
}

/** The role of every node: the question is the target, other nodes off its ancestry are redundant. */
export function nodeRoles(graph: ProblemGraph): Map<string, DagNodeRole> {
  const roles = new Map<string, DagNodeRole>();
  for (const n of graph.nodes) {
    const role: DagNodeRole =
      n.name === graph.question ? 'target' : !n.necessary ? 'redundant' : n.parents.length === 0 ? 'leaf' : 'intermediate';
    roles.set(n.name, role);
  }
  return roles;
}

/** Every dependency edge parent → child, once per distinct pair, with its kind. */
export function dagEdges(graph: ProblemGraph): { from: string; to: string; kind: DagEdgeKind }[] {
  const out: { from: string; to: string; kind: DagEdgeKind }[] = [];
  for (const n of graph.nodes) {
    const kind: DagEdgeKind = n.kind === 'abstract' ? 'implicit' : 'explicit';
    for (const p of new Set(n.parents)) out.push({ from: p, to: n.name, kind });
  }
  return out;
}

/** Column of each node: 0 for nodes without parents, else one more than its deepest parent. */
function depths(graph: ProblemGraph): Map<string, number> {
  const byName = new Map(graph.nodes.map((n) => [n.name, n] as const));
  const depth = new Map<string, number>();
  const visit = (name: string, stack: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const n = byName.get(name);
    if (!n) throw new Error(`graph: parent "${name}" is not among graph.nodes`);
    if (stack.has(name)) throw new Error(`graph: cycle through "${name}"`);
    stack.add(name);
    const d = n.parents.length === 0 ? 0 : 1 + Math.max(...n.parents.map((p) => visit(p, stack)));
    stack.delete(name);
    depth.set(name, d);
    return d;
  };
  for (const n of graph.nodes) visit(n.name, new Set());
  return depth;
}

const FONT = 'DejaVu Sans, Verdana, sans-serif';
const CHAR_W = 6.6; // average advance of 11 px DejaVu Sans, for box widths without measuring text
const BOX_H = 38;
const ROW_GAP = 14;
const COL_GAP = 70;
const PAD = 16;

/**
 * Draw a problem's dependency DAG as an SVG string. Pure: the same graph gives the same bytes.
 *
 * - Nodes are boxes in columns by depth (parents left of children), coloured by role (`nodeRoles`, `DAG_COLORS`):
 *   target red, leaf green, intermediate blue, redundant grey. Each box is `<g class="dag-node dag-<role>"
 *   data-node="<name>">`.
 * - Edges run parent → child with an arrow: solid for explicit dependencies (stated in the question), dashed for
 *   implicit ones (abstract parameters, inferred from the structure). Each is `<path class="dag-edge dag-<kind>">`.
 * - A legend explains colours and line styles. Accepts a ProblemRow (uses its graph) or a bare ProblemGraph.
 */
export function problemGraphSVG(input: ProblemGraph | ProblemRow, opts: DagOptions = {}): string {
  const graph: ProblemGraph = 'graph' in input ? input.graph : input;
  const showValues = opts.values !== false;
  const roles = nodeRoles(graph);
  const depth = depths(graph);
  const ncols = Math.max(0, ...depth.values()) + 1;

  // columns; within a column, order by the mean row of the parents (fewer crossings), then necessary first, then name
  const cols: GraphNode[][] = Array.from({ length: ncols }, () => []);
  for (const n of graph.nodes) cols[depth.get(n.name)!].push(n);
  const row = new Map<string, number>();
  for (const col of cols) {
    const key = (n: GraphNode): number =>
      n.parents.length === 0 ? Infinity : n.parents.reduce((a, p) => a + (row.get(p) ?? 0), 0) / n.parents.length;
    col.sort((a, b) => key(a) - key(b) || Number(b.necessary) - Number(a.necessary) || a.name.localeCompare(b.name));
    col.forEach((n, i) => row.set(n.name, i));
  }

  const label = (n: GraphNode): string => n.name;
  const sub = (n: GraphNode): string => `${n.kind}${showValues ? ` · = ${n.value}` : ''}`;
  const colW = cols.map((col) => Math.max(90, ...col.map((n) => Math.max(label(n).length, sub(n).length * 0.85) * CHAR_W + 20)));
  const title = opts.title ?? `Question: ${graph.question}`;
  const legendH = opts.legend === false ? 0 : 46;
  const top = PAD + 20 + legendH;
  const maxRows = Math.max(1, ...cols.map((c) => c.length));
  const colX: number[] = [];
  let x = PAD;
  for (let c = 0; c < ncols; c++) {
    colX.push(x);
    x += colW[c] + COL_GAP;
  }
  const width = Math.max(x - COL_GAP + PAD, 680);
  const height = top + maxRows * (BOX_H + ROW_GAP) - ROW_GAP + PAD;
  const pos = new Map<string, { x: number; y: number; w: number }>();
  cols.forEach((col, c) => {
    // centre short columns vertically
    const offset = ((maxRows - col.length) * (BOX_H + ROW_GAP)) / 2;
    col.forEach((n, i) => pos.set(n.name, { x: colX[c], y: top + offset + i * (BOX_H + ROW_GAP), w: colW[c] }));
  });

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="bridge-dag" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="11">`,
    `<defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text class="dag-title" x="${PAD}" y="${PAD + 10}" font-size="13" font-weight="bold">${escapeXML(title)}</text>`,
  );
  if (opts.legend !== false) parts.push(legend(PAD, PAD + 24));

  for (const e of dagEdges(graph)) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) throw new Error(`graph: edge ${e.from} → ${e.to} names a node that is not in graph.nodes`);
    const x1 = a.x + a.w;
    const y1 = a.y + BOX_H / 2;
    const x2 = b.x - 2;
    const y2 = b.y + BOX_H / 2;
    const mid = (x1 + x2) / 2;
    const dash = DAG_DASH[e.kind] === 'none' ? '' : ` stroke-dasharray="${DAG_DASH[e.kind]}"`;
    parts.push(
      `<path class="dag-edge dag-${e.kind}" data-from="${escapeXML(e.from)}" data-to="${escapeXML(e.to)}" d="M${f(x1)},${f(y1)} C${f(mid)},${f(y1)} ${f(mid)},${f(y2)} ${f(x2)},${f(y2)}" fill="none" stroke="#555" stroke-width="1.3"${dash} marker-end="url(#dag-arrow)"/>`,
    );
  }
  for (const n of graph.nodes) {
    const p = pos.get(n.name)!;
    const role = roles.get(n.name)!;
    const c = DAG_COLORS[role];
    parts.push(
      `<g class="dag-node dag-${role}" data-node="${escapeXML(n.name)}">` +
        `<rect x="${f(p.x)}" y="${f(p.y)}" width="${f(p.w)}" height="${BOX_H}" rx="6" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${role === 'target' ? 2.5 : 1.5}"/>` +
        `<text x="${f(p.x + 8)}" y="${f(p.y + 15)}" fill="#111">${escapeXML(label(n))}</text>` +
        `<text x="${f(p.x + 8)}" y="${f(p.y + 30)}" fill="#555" font-size="9.5">${escapeXML(sub(n))}</text>` +
        `</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function legend(x0: number, y0: number): string {
  const items: string[] = [];
  let x = x0;
  for (const role of ['target', 'leaf', 'intermediate', 'redundant'] as const) {
    const c = DAG_COLORS[role];
    items.push(
      `<rect x="${x}" y="${y0}" width="14" height="14" rx="3" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.5"/>`,
      `<text x="${x + 20}" y="${y0 + 11}">${role}</text>`,
    );
    x += 30 + role.length * CHAR_W + 10;
  }
  const y = y0 + 30;
  items.push(
    `<line x1="${x0}" y1="${y}" x2="${x0 + 34}" y2="${y}" stroke="#555" stroke-width="1.3"/>`,
    `<text x="${x0 + 42}" y="${y + 4}">explicit dependency (stated in the question)</text>`,
    `<line x1="${x0 + 330}" y1="${y}" x2="${x0 + 364}" y2="${y}" stroke="#555" stroke-width="1.3" stroke-dasharray="${DAG_DASH.implicit}"/>`,
    `<text x="${x0 + 372}" y="${y + 4}">implicit dependency (from the structure)</text>`,
  );
  return `<g class="dag-legend">${items.join('')}</g>`;
}

/** Escape text for SVG/HTML content and attributes. */
export function escapeXML(v: unknown): string {
  return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const f = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));
