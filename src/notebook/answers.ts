// Vanilla and injected answers side by side, with the injected behaviours highlighted (notebook 01).
// A plain text diff cannot find the injected steps — the injected answer re-draws letters and phrasings — so each
// answer is read back with the verifier's parser and every step is classified against the graph.
import { igsmFormat } from '../inject/index';
import type { ProblemRow } from '../igsm/types';
import { escapeXML } from './dag';

/**
 * What was injected, per step line (docs/igsm-generator.md, Injected behaviours):
 * - failed-attempt: a locked quantity attempted too early ("… is not known yet, so f has to wait") — exploration;
 * - revisit: a later step on a quantity that had a failed attempt (it recalls the letter; usually its computation);
 * - early-solve: a needed quantity computed ahead of the solution order — exploration;
 * - distractor: a redundant quantity computed — exploration;
 * - analysis: the sentence restating how the quantity is defined — exploitation;
 * - subgoal: the intermediate expressions between the substituted equation and the value — exploitation.
 */
export type InjectionKind = 'failed-attempt' | 'revisit' | 'early-solve' | 'distractor' | 'analysis' | 'subgoal';

export const INJECTION_KINDS: readonly InjectionKind[] = ['failed-attempt', 'revisit', 'early-solve', 'distractor', 'analysis', 'subgoal'];

/** Highlight colour per kind. */
export const INJECTION_COLORS: Readonly<Record<InjectionKind, string>> = {
  'failed-attempt': '#ffcc80',
  revisit: '#fff59d',
  'early-solve': '#e1bee7',
  distractor: '#e0e0e0',
  analysis: '#a5d6a7',
  subgoal: '#81d4fa',
};

const WHOLE_LINE: ReadonlySet<InjectionKind> = new Set(['failed-attempt', 'revisit', 'early-solve', 'distractor']);

/** One line of an answer with what was injected into it; `marks` are [start, end) character spans of the text. */
export interface AnswerLine {
  /** 1-based, line 1 = "<think>". */
  n: number;
  text: string;
  kinds: InjectionKind[];
  marks: { start: number; end: number; kind: InjectionKind }[];
}

/**
 * Every line of `row.response`, each step line classified by what was injected into it (see InjectionKind). The
 * answer is parsed with the verifier's parser for the row's graph and surface; a vanilla answer gives no kinds.
 * Parsing stops at the first line that does not fit the format; lines from there on carry no kinds.
 */
export function annotateAnswer(row: ProblemRow): AnswerLine[] {
  const { graph } = row;
  const lines = row.response.split('\n').map((text, i): AnswerLine => ({ n: i + 1, text, kinds: [], marks: [] }));
  const format = igsmFormat(graph, row.surface);
  const parsed = format.parse(row.response);
  const redundant = new Set(graph.redundant);
  const rank = new Map(graph.topo.map((id, i) => [id, i] as const));
  const solved = new Set<string>();
  let firstUnsolved = 0;
  for (const c of parsed.steps) {
    const line = lines[c.line - 1];
    if (!line) continue;
    const add = (kind: InjectionKind, start = 0, end = line.text.length): void => {
      if (!line.kinds.includes(kind)) line.kinds.push(kind);
      if (!WHOLE_LINE.has(kind)) line.marks.push({ start, end, kind });
    };
    if (c.analysis !== undefined) {
      // the whole sentence that restates the definition
      const at = line.text.indexOf(c.analysis);
      if (at < 0) add('analysis');
      else {
        const start = Math.max(line.text.lastIndexOf('. ', at) + 2, line.text.startsWith('- ') ? 2 : 0);
        const stop = line.text.indexOf('.', at + c.analysis.length);
        add('analysis', start, stop < 0 ? line.text.length : stop + 1);
      }
    }
    // a recall can itself be another failed attempt: both kinds then
    if (c.intro === 'recall') add('revisit');
    if (c.locked !== undefined) {
      add('failed-attempt');
      continue;
    }
    const exprs = c.exprs ?? [];
    if (c.intro !== 'leaf' && exprs.length > 3) {
      const middle = '= ' + exprs.slice(2, -1).join(' = ');
      const at = line.text.lastIndexOf(middle);
      if (at < 0) add('subgoal');
      else add('subgoal', at, at + middle.length);
    }
    const id = format.resolve(c.name);
    if (id === null || solved.has(id)) continue;
    if (redundant.has(id)) add('distractor');
    else if ((rank.get(id) ?? -1) > firstUnsolved) add('early-solve');
    solved.add(id);
    while (firstUnsolved < graph.topo.length && solved.has(graph.topo[firstUnsolved])) firstUnsolved++;
  }
  return lines;
}

/** Count of lines per injection kind. */
export function injectionCounts(lines: readonly AnswerLine[]): Record<InjectionKind, number> {
  const counts = Object.fromEntries(INJECTION_KINDS.map((k) => [k, 0])) as Record<InjectionKind, number>;
  for (const l of lines) for (const k of l.kinds) counts[k]++;
  return counts;
}

function lineHTML(l: AnswerLine): string {
  // spans sorted and clipped so they never overlap (the first one wins)
  const marks = [...l.marks].sort((a, b) => a.start - b.start);
  let html = '';
  let at = 0;
  for (const m of marks) {
    if (m.start < at) continue;
    html += escapeXML(l.text.slice(at, m.start));
    html += `<mark class="inj inj-${m.kind}" title="${m.kind}" style="background:${INJECTION_COLORS[m.kind]};padding:0 1px">${escapeXML(l.text.slice(m.start, m.end))}</mark>`;
    at = m.end;
  }
  html += escapeXML(l.text.slice(at));
  const whole = l.kinds.find((k) => WHOLE_LINE.has(k));
  const bg = whole ? `background:${INJECTION_COLORS[whole]};` : '';
  const tags = l.kinds.length ? ` <span style="font-size:85%;color:#555">[${l.kinds.join(', ')}]</span>` : '';
  const cls = l.kinds.length ? ` class="answer-line injected ${l.kinds.map((k) => `inj-line-${k}`).join(' ')}"` : ' class="answer-line"';
  return `<div${cls} data-line="${l.n}" style="${bg}white-space:pre-wrap;padding:1px 4px"><span style="color:#999;user-select:none">${String(l.n).padStart(2, ' ')} </span>${html}${tags}</div>`;
}

export interface SideBySideOptions {
  /** Column titles (default: the rows' variant names). */
  titles?: [string, string];
  /** Show the question above the answers (default false). */
  query?: boolean;
}

/**
 * Two answers to the same problem side by side as one HTML block (inline styles only, so it survives JupyterLab's
 * sanitiser and nbconvert's HTML export). Every step line of each answer is classified with `annotateAnswer`;
 * injected lines and spans are highlighted with `INJECTION_COLORS` and tagged with their kind, and a legend counts
 * them. Typical use: `answersSideBySide(vanillaRow, bridgeRow)`. Throws if the rows are not the same problem.
 */
export function answersSideBySide(left: ProblemRow, right: ProblemRow, opts: SideBySideOptions = {}): string {
  if (left.query !== right.query && (left.baseProblemId ?? left.id) !== (right.baseProblemId ?? right.id)) {
    throw new Error(`answersSideBySide: rows ${left.id} and ${right.id} are not the same problem`);
  }
  const cols = [left, right].map((row, i) => {
    const lines = annotateAnswer(row);
    const counts = injectionCounts(lines);
    const title = opts.titles?.[i] ?? row.variant;
    const summary = `${lines.length} lines, ${row.response.length} characters`;
    return { lines, counts, head: `<b>${escapeXML(title)}</b> <span style="color:#666">(${summary})</span>` };
  });
  const totals = INJECTION_KINDS.map((k) => ({ k, n: cols[0].counts[k] + cols[1].counts[k] }));
  const legend = totals
    .map(({ k, n }) => `<span style="background:${INJECTION_COLORS[k]};padding:1px 6px;margin-right:6px;border-radius:3px">${k}: ${n}</span>`)
    .join('');
  const question = opts.query ? `<div style="margin-bottom:6px;white-space:pre-wrap"><b>Question.</b> ${escapeXML(left.query)}</div>` : '';
  const cell = (c: (typeof cols)[number]) =>
    `<td style="vertical-align:top;width:50%;border:1px solid #ddd;padding:6px;text-align:left"><div style="margin-bottom:4px">${c.head}</div>` +
    `<div style="font-family:'DejaVu Sans Mono',monospace;font-size:12px;line-height:1.45">${c.lines.map(lineHTML).join('')}</div></td>`;
  return (
    `<div class="bridge-answers">${question}<div style="margin:4px 0 6px 0;font-size:12px">${legend}</div>` +
    `<table style="border-collapse:collapse;width:100%;table-layout:fixed"><tr>${cell(cols[0])}${cell(cols[1])}</tr></table></div>`
  );
}
