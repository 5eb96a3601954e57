// Which series the report needs: required ones (every Table-1 and Figure-4 cell, Figure 1's curves and probes for
// each method) must be present, else one error names them all; optional ones (RL-val curves, SFT seconds, the p-sweep,
// Figure 1's chance-aware and cosine views, the reflection curve) become "no data" notes and placeholder charts.
import {
  ALPHA_BIN_ORDER,
  FIG4_METHODS,
  TABLE1_METHODS,
  describeFilter,
  metaRecord,
  methodsOf,
  orderMethods,
  selectRows,
  type ReportMeta,
  type ResultRow,
  type RowFilter,
} from './rows';

/** The methods each experiment must cover. */
export interface RequiredMethods {
  table1: readonly string[];
  fig1: readonly string[];
  fig4: readonly string[];
}

/**
 * Methods per experiment from a run's meta (`meta.experiments[exp].methods`, as written by src/experiments), else the
 * paper's: Table 1 Vanilla/PP-Aug/RC-Aug/BRIDGE, Figure 4 the six behaviour sets, Figure 1 whatever its rows hold plus
 * Vanilla and BRIDGE (the claims need both).
 */
export function requiredMethods(rows: readonly ResultRow[], meta: ReportMeta = {}): RequiredMethods {
  const exps = (metaRecord(meta).experiments ?? {}) as Record<string, { methods?: unknown } | undefined>;
  const from = (exp: string): string[] | null => {
    const m = exps?.[exp]?.methods;
    return Array.isArray(m) && m.every((x) => typeof x === 'string') ? (m as string[]) : null;
  };
  return {
    table1: from('table1') ?? [...TABLE1_METHODS],
    fig1: from('fig1') ?? orderMethods([...methodsOf(rows, 'fig1'), 'vanilla', 'bridge']),
    fig4: from('fig4') ?? [...FIG4_METHODS],
  };
}

/** Missing series, each named by its row selection: `required` ones make the report fail, `optional` ones are noted. */
export function missingSeries(rows: readonly ResultRow[], methods: RequiredMethods): { required: string[]; optional: string[] } {
  const required: string[] = [];
  const optional: string[] = [];
  const need = (list: string[], f: RowFilter, pred: (r: ResultRow) => boolean = () => true) => {
    if (!selectRows(rows, f).some(pred)) list.push(describeFilter(f));
  };
  for (const method of methods.table1) {
    for (const stage of ['sft', 'rft'] as const) for (const split of ['id', 'ood'] as const) need(required, { experiment: 'table1', method, stage, split, metric: 'accuracy' });
    need(required, { experiment: 'table1', method, stage: 'sft', split: 'sft', metric: 'tokens' });
    need(optional, { experiment: 'table1', method, stage: 'sft', split: 'sft', metric: 'seconds' });
  }
  for (const method of methods.fig1) {
    need(required, { experiment: 'fig1', method, stage: 'grpo', split: 'rl-train', metric: 'reward_mean' }, (r) => r.step !== null);
    need(optional, { experiment: 'fig1', method, stage: 'grpo', split: 'rl-val', metric: 'accuracy' }, (r) => r.step !== null);
    for (const bin of ALPHA_BIN_ORDER) need(required, { experiment: 'fig1', method, stage: 'probe', metric: 'alpha_share', bin: bin as ResultRow['bin'] });
    need(required, { experiment: 'fig1', method, stage: 'probe', metric: 'informative_share', bin: null });
    need(required, { experiment: 'fig1', method, stage: 'probe', metric: 'influence' }, (r) => r.bin !== null);
    need(required, { experiment: 'fig1', method, stage: 'probe', metric: 'influence_mean', bin: null });
    // what Figure 1 adds to the paper's (results written before these existed have none)
    need(optional, { experiment: 'fig1', method, stage: 'probe', metric: 'alpha_share_above_guess' }, (r) => r.bin !== null);
    need(optional, { experiment: 'fig1', method, stage: 'probe', metric: 'influence_cosine' }, (r) => r.bin !== null);
    need(optional, { experiment: 'fig1', method, stage: 'grpo', split: 'rl-train', metric: 'reflection_share' }, (r) => r.step !== null);
  }
  for (const method of methods.fig4) {
    for (const stage of ['sft', 'rft'] as const) for (const split of ['id', 'ood'] as const) need(required, { experiment: 'fig4', method, stage, split, metric: 'accuracy' });
  }
  return { required, optional };
}

/**
 * Throw one error listing every missing required series (a report with a hole must not look complete); when the
 * meta records failed stages, the error says so first, since they are the usual cause.
 */
export function assertRequiredSeries(rows: readonly ResultRow[], methods: RequiredMethods, meta?: ReportMeta): void {
  const { required } = missingSeries(rows, methods);
  if (required.length) {
    const shown = required.slice(0, 12).join('; ');
    const more = required.length > 12 ? `; … and ${required.length - 12} more` : '';
    const failures = metaRecord(meta).failures;
    const failed = Array.isArray(failures) && failures.length ? `${failures.length} stage(s) failed (${failures.slice(0, 5).join(', ')}); ` : '';
    throw new Error(`report: ${failed}missing required series (${required.length}): ${shown}${more}`);
  }
}
