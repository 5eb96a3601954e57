// summary.md: for each paper claim, our verdict with numbers and CIs next to the paper's, then the tables and the
// provenance of the run (command, preset, code revision, config hashes).
import { evaluateClaims, formatComparison, powerLines, type ClaimResult } from './claims';
import { TABLE1_METHODS, metaRecord, methodLabel, type ReportMeta, type ResultRow } from './rows';
import type { RequiredMethods } from './series';
import {
  MECHANISM_CAPTION,
  MECHANISM_RL_CAPTION,
  NO_MECHANISM,
  chanceCorrectedTable,
  fig4Table,
  figure1Tables,
  mechanismDuringRlTable,
  mechanismTable,
  table1Table,
  tableToMarkdown,
} from './tables';

/** The verdict rule, stated once in the summary and the HTML report (docs/method.md, How a claim is judged). */
export const VERDICT_RULE =
  'Each comparison "A > B" is judged on paired per-seed differences: for every training seed both sides have, the ' +
  'difference A − B of that seed\'s runs; then their mean and 95 % confidence interval (Student t, n − 1 degrees of ' +
  'freedom, n = the shared seeds). It is **supported** when the interval lies entirely above 0, **not supported** when ' +
  'entirely below 0, and **inconclusive** otherwise — also with fewer than two shared seeds (no interval) or missing ' +
  'rows. Each side\'s own mean ± CI over its seeds is shown next to it. Claims with several comparisons (ID and OOD; ' +
  'each single behaviour) are supported only if every comparison is.';

/** The committed results of the `full` preset (several seeds): what the notebooks read by default and a one-seed run points to. */
export const FULL_RESULTS_DIR = 'data/results/full';

/** A run's training seeds: its preset's (meta.config.seeds and keySeeds) when the meta records them, else the seeds in its rows. */
export function runSeeds(rows: readonly ResultRow[], meta: ReportMeta): number[] {
  const cfg = metaRecord(meta).config as { seeds?: unknown; keySeeds?: unknown } | undefined;
  const seeds = [cfg?.seeds, cfg?.keySeeds ?? []].flat();
  if (Array.isArray(cfg?.seeds) && seeds.every((s) => typeof s === 'number')) return [...(seeds as number[])].sort((a, b) => a - b);
  return [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
}

/**
 * What a one-seed run (the `quick` and `tiny` presets) can and cannot show, as plain sentences for the top of its
 * summary.md and report.html; [] for a run with several seeds (docs/method.md, How a claim is judged).
 */
export function oneSeedNote(rows: readonly ResultRow[], meta: ReportMeta): string[] {
  if (runSeeds(rows, meta).length !== 1) return [];
  return [
    'One seed: a direction, not a verdict. Every arm of this run was trained with a single seed, so it shows which way ' +
      'each effect points (which arm gains more from RL, has more informative queries or a higher influence) and that ' +
      'every stage, table and figure is produced.',
    'It cannot decide a claim: one seed gives no confidence interval, so every claim below is inconclusive, and a ' +
      'difference of a few points may come from the seed alone.',
    `The claims are judged on the committed results of the full preset, with several seeds: ${FULL_RESULTS_DIR}/ ` +
      '(summary.md, report.html).',
  ];
}

/**
 * The meta field naming the code revision that rendered the report, when it was rendered again from stored results
 * (`bridge reproduce --report-only`); the provenance lists it after the revision that assembled the rows.
 */
export const REPORT_REVISION = 'reportRevision';

/** meta.stages as loose records (meta may come from an older or hand-written meta.json): [] when absent. */
function metaStages(m: ReportMeta): Partial<Record<'id' | 'hash' | 'status' | 'kind' | 'method' | 'answersHash', string> & { seed: number }>[] {
  const meta = metaRecord(m);
  return Array.isArray(meta.stages) ? meta.stages : [];
}

/** Provenance lines from a run's meta (command, preset, code revision, timing, failures, stage config hashes). */
export function provenance(m: ReportMeta): { label: string; value: string }[] {
  const meta = metaRecord(m);
  const out: { label: string; value: string }[] = [];
  const str = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  if (meta.command !== undefined) out.push({ label: 'command', value: str(meta.command) });
  if (meta.preset !== undefined) out.push({ label: 'preset', value: str(meta.preset) });
  const revText = (rev: { commit?: string; dirty?: boolean } | string) => (typeof rev === 'string' ? rev : `${rev.commit ?? '?'}${rev.dirty ? ' (uncommitted changes)' : ''}`);
  const rev = meta.revision as { commit?: string; dirty?: boolean } | string | undefined;
  if (rev !== undefined) out.push({ label: 'code revision', value: revText(rev) });
  // set by `bridge reproduce --report-only` (never stored in meta.json): the code that drew the figures and wrote the
  // report, when that is later than the code that assembled the rows
  const reportRev = meta[REPORT_REVISION] as { commit?: string; dirty?: boolean } | string | undefined;
  if (reportRev !== undefined) out.push({ label: 'report rendered at revision', value: revText(reportRev) });
  for (const k of ['startedAt', 'finishedAt', 'wallSeconds']) if (meta[k] !== undefined) out.push({ label: k, value: str(meta[k]) });
  const stages = metaStages(meta);
  if (stages.length) {
    const counts: Record<string, number> = {};
    for (const s of stages) counts[s.status ?? '?'] = (counts[s.status ?? '?'] ?? 0) + 1;
    out.push({ label: 'stages', value: Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') });
  }
  if (Array.isArray(meta.failures) && meta.failures.length) out.push({ label: 'failures', value: (meta.failures as unknown[]).map(str).join('; ') });
  const time = stageTime(meta);
  if (time) out.push({ label: 'stage time (one core)', value: time });
  for (const [k, v] of Object.entries(meta)) {
    if (['command', 'preset', 'revision', REPORT_REVISION, 'startedAt', 'finishedAt', 'wallSeconds', 'stages', 'failures', 'config', 'experiments', 'cost'].includes(k)) continue;
    out.push({ label: k, value: str(v) });
  }
  return out;
}

/**
 * meta.cost as one line: the one-core seconds of every stage of the plan as recorded (reused stages keep the time of
 * the run that made them, so this is the compute behind the results even when wallSeconds covers only a reassembly).
 */
export function stageTime(m: ReportMeta): string | null {
  const cost = metaRecord(m).cost as { jobs?: number; byKind?: Record<string, { estimated?: number; measured?: number }> } | undefined;
  const kinds = Object.entries(cost?.byKind ?? {});
  if (!kinds.length) return null;
  const s = (x: number) => `${Math.round(x).toLocaleString('en-US')} s`;
  const measured = kinds.reduce((a, [, v]) => a + (v.measured ?? 0), 0);
  const estimated = kinds.reduce((a, [, v]) => a + (v.estimated ?? 0), 0);
  const jobs = typeof cost?.jobs === 'number' ? `; ${cost.jobs} jobs at once` : '';
  return `${s(measured)} over all stages (estimated ${s(estimated)}): ${kinds.map(([k, v]) => `${k} ${s(v.measured ?? 0)}`).join(', ')}${jobs}`;
}

/** Stage ids with their config hashes (first 12 hex digits), for citing exactly which runs produced the numbers. */
export function stageHashes(m: ReportMeta): { id: string; hash: string; status: string }[] {
  return metaStages(m).map((s) => ({ id: String(s.id ?? '?'), hash: String(s.hash ?? '').slice(0, 12), status: String(s.status ?? '?') }));
}

/**
 * Arms whose SFT data stages wrote byte-identical questions and answers (meta.stages[].answersHash), with the seeds
 * where that held: such arms are one model measured twice, not two conditions (e.g. subgoal computation adds no text
 * when every step of the task is a single operation).
 */
export function identicalAnswerGroups(m: ReportMeta): { methods: string[]; seeds: number[] }[] {
  const bySeedHash = new Map<string, string[]>();
  for (const s of metaStages(m)) {
    if (s.kind !== 'data' || !s.answersHash || typeof s.method !== 'string' || typeof s.seed !== 'number') continue;
    const k = `${s.seed}|${s.answersHash}`;
    bySeedHash.set(k, [...(bySeedHash.get(k) ?? []), s.method]);
  }
  const groups = new Map<string, { methods: string[]; seeds: number[] }>();
  for (const [k, methods] of bySeedHash) {
    if (methods.length < 2) continue;
    const sorted = [...methods].sort();
    const g = groups.get(sorted.join('|')) ?? { methods: sorted, seeds: [] };
    g.seeds.push(Number(k.split('|')[0]));
    groups.set(sorted.join('|'), g);
  }
  return [...groups.values()].map((g) => ({ ...g, seeds: g.seeds.sort((a, b) => a - b) }));
}

/** identicalAnswerGroups as sentences ("analysis only and exploitation (…) were fine-tuned on identical answers (seeds 1, 2, 3)…"). */
export function identicalAnswerNotes(m: ReportMeta): string[] {
  return identicalAnswerGroups(m).map(
    (g) =>
      `${g.methods.map(methodLabel).join(' and ')} were fine-tuned on byte-identical SFT answers (seed${g.seeds.length > 1 ? 's' : ''} ` +
      `${g.seeds.join(', ')}; same sha256 of their data), so their rows come from the same models: one condition, not ${g.methods.length}.`,
  );
}

/** One claim as Markdown: heading with verdict, one bullet per comparison, the paper's statement. */
export function claimMarkdown(c: ClaimResult): string {
  return [
    `### (${c.id}) ${c.title}: **${c.verdict}**`,
    '',
    ...c.comparisons.map((x) => `- ${formatComparison(x)}`),
    `- Paper: ${c.paper}`,
  ].join('\n');
}

/**
 * The whole summary.md: provenance, the four claims with verdicts (honest whatever they show), Table 1 with the
 * paper's rows, Figure 4, the Figure-1 probe tables, the mechanism in the completions, and the missing optional series.
 */
export function summaryMarkdown(
  rows: readonly ResultRow[],
  meta: ReportMeta,
  o: { methods?: Partial<RequiredMethods>; missingOptional?: readonly string[] } = {},
): string {
  const claims = evaluateClaims(rows);
  const prov = provenance(meta);
  const hashes = stageHashes(meta);
  const note = oneSeedNote(rows, meta);
  const parts = [
    '# BRIDGE reproduction: summary',
    '',
    ...(note.length ? [note.map((l) => `> ${l}`).join('\n>\n'), ''] : []),
    ...(prov.length ? prov.map((p) => `- **${p.label}**: ${p.label === 'command' ? '`' + p.value + '`' : p.value}`) : ['- (no run metadata given)']),
    '',
    '## The paper\'s claims against our numbers',
    '',
    VERDICT_RULE,
    '',
    'Accuracies are greedy, in %; gains are RFT − SFT per seed, in percentage points (pp), then averaged. The paper used ' +
      '1–3B pretrained models; ours are small models trained from scratch, so only the qualitative pattern is comparable.',
    '',
    '| claim | verdict |',
    '|---|---|',
    ...claims.map((c) => `| (${c.id}) ${c.title} | ${c.verdict} |`),
    '',
    ...claims.flatMap((c) => [claimMarkdown(c), '']),
    '### Resolution of the key comparison',
    '',
    ...powerLines(claims).map((l) => `- ${l}`),
    '',
    '## Table 1: SFT and RFT accuracy, with the paper\'s numbers',
    '',
    tableToMarkdown(table1Table(rows, { methods: o.methods?.table1 })),
    '',
    ...chanceCorrectedMarkdown(rows, o.methods?.table1 ?? TABLE1_METHODS),
    '## Figure 4: behaviour ablation',
    '',
    tableToMarkdown(fig4Table(rows, { methods: o.methods?.fig4 })),
    '',
    ...identicalAnswerNotes(meta).flatMap((n) => [`**Identical arms.** ${n}`, '']),
    '## Figure 1: rollout accuracy and influence of the SFT models',
    '',
    ...figure1Tables(rows).flatMap((t) => [t.caption, '', tableToMarkdown(t.table), '']),
    '## The mechanism in the greedy completions',
    '',
    ...mechanismMarkdown(rows),
  ];
  if (o.missingOptional?.length) {
    parts.push('## Optional series with no data', '', ...o.missingOptional.map((m) => `- ${m}`), '');
  }
  if (hashes.length) {
    parts.push('## Stages and config hashes', '', '| stage | config hash | status |', '|---|---|---|', ...hashes.map((h) => `| ${h.id} | ${h.hash} | ${h.status} |`), '');
  }
  return parts.join('\n');
}

/** Table 1's accuracy again, chance-corrected, when the rows carry it. */
function chanceCorrectedMarkdown(rows: readonly ResultRow[], methods: readonly string[]): string[] {
  const t = chanceCorrectedTable(rows, 'table1', methods);
  return t ? ['Chance-corrected accuracy (acc − c) / (1 − c) in %, c = a uniform guesser over the answer space (1/23 in mod 23):', '', tableToMarkdown(t), ''] : [];
}

/** The mechanism table with its caption, or the one line saying the rows carry none. */
function mechanismMarkdown(rows: readonly ResultRow[]): string[] {
  const t = mechanismTable(rows);
  const rl = mechanismDuringRlTable(rows);
  return [...(t ? [MECHANISM_CAPTION, '', tableToMarkdown(t), ''] : [NO_MECHANISM, '']), ...(rl ? [MECHANISM_RL_CAPTION, '', tableToMarkdown(rl), ''] : [])];
}
