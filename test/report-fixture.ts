// Synthetic, schema-valid result rows for the report tests: every experiment, method and metric `bridge reproduce`
// emits, with effects chosen by the test (gains per method, noise) and drawn from a seeded Rng.
import { ROW_ALPHA_BINS, type ResultRow } from '../src/experiments/results';
import { Rng } from '../src/rng';

export interface FixtureOptions {
  seed?: number;
  seeds?: number[];
  /** RL gain (fraction, e.g. 0.2 = 20 pp) per method, same on ID and OOD; default: bridge 0.2, others 0.03 */
  gains?: Record<string, number>;
  /** per-seed noise sd of each accuracy (fraction) */
  noise?: number;
  /** informative share (fraction) per method; default: bridge 0.6, others 0.3 */
  informative?: Record<string, number>;
  /** influence scale per method; default: bridge 3e-3, others 1e-3 */
  influence?: Record<string, number>;
  /** include the optional p-sweep arms bridge[reflect=p] in fig4 */
  sweep?: boolean;
  /** add the mechanism rows of the evaluations (fixtureMechanism), as results written since evaluation records them */
  mechanism?: boolean;
  steps?: number;
}

export const FIXTURE_TABLE1 = ['vanilla', 'pp-aug', 'rc-aug', 'bridge'];
export const FIXTURE_FIG4 = ['vanilla', 'explore', 'analysis', 'subgoal', 'exploit', 'bridge'];
export const FIXTURE_SWEEP = ['bridge[reflect=0]', 'bridge[reflect=0.1]', 'bridge[reflect=0.2]', 'bridge[reflect=0.3]'];

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * Known mechanism values (fractions) of one evaluation, the same on ID and OOD and in table1 and fig4: the reflection
 * share is 0.5 after SFT and 0.3 after RL, plus 0.1 · (i − 1) for the i-th seed (so three seeds give mean ± 0.1 sd);
 * the recovery rate is 0.2 after SFT and 0.6 after RL; the first-error shares are constant. Vanilla never reflects:
 * share 0 and no recovery rate.
 */
export function fixtureMechanism(method: string, stage: 'sft' | 'rft', seedIndex: number): Record<string, number> {
  const reflects = method !== 'vanilla';
  const first = stage === 'sft' ? [0.4, 0.3, 0.2, 0.1] : [0.1, 0.3, 0.2, 0.4];
  return {
    reflection_share: reflects ? (stage === 'sft' ? 0.5 : 0.3) + 0.1 * (seedIndex - 1) : 0,
    ...(reflects ? { recovery_rate: stage === 'sft' ? 0.2 : 0.6 } : {}),
    first_error_retrieval: first[0],
    first_error_arithmetic: first[1],
    first_error_ordering: first[2],
    first_error_format: first[3],
  };
}

export function syntheticRows(o: FixtureOptions = {}): ResultRow[] {
  const rng = new Rng(o.seed ?? 7);
  const seeds = o.seeds ?? [0, 1, 2];
  const noise = o.noise ?? 0.01;
  const gain = (m: string) => o.gains?.[m] ?? (m.startsWith('bridge') ? 0.2 : 0.03);
  const info = (m: string) => o.informative?.[m] ?? (m === 'bridge' ? 0.6 : 0.3);
  const infl = (m: string) => o.influence?.[m] ?? (m === 'bridge' ? 3e-3 : 1e-3);
  const rows: ResultRow[] = [];
  const push = (r: Omit<ResultRow, 'step' | 'bin'> & Partial<Pick<ResultRow, 'step' | 'bin'>>) =>
    rows.push({ step: null, bin: null, ...r });

  const accuracy = (experiment: ResultRow['experiment'], method: string, seed: number, r: Rng) => {
    for (const [split, base] of [['id', 0.3], ['ood', 0.15]] as const) {
      for (const stage of o.mechanism ? (['sft', 'rft'] as const) : []) {
        for (const [metric, value] of Object.entries(fixtureMechanism(method, stage, seeds.indexOf(seed)))) {
          push({ experiment, method, seed, stage, split, metric, value });
        }
      }
      const sft = clamp01(base + noise * r.normal());
      const rft = clamp01(sft + gain(method) + noise * r.normal());
      push({ experiment, method, seed, stage: 'sft', split, metric: 'accuracy', value: sft });
      push({ experiment, method, seed, stage: 'rft', split, metric: 'accuracy', value: rft });
      push({ experiment, method, seed, stage: 'sft', split, metric: 'accuracy_chance_corrected', value: (sft - 1 / 23) / (22 / 23) });
      push({ experiment, method, seed, stage: 'rft', split, metric: 'accuracy_chance_corrected', value: (rft - 1 / 23) / (22 / 23) });
    }
  };

  for (const method of FIXTURE_TABLE1) {
    for (const seed of seeds) {
      const r = rng.fork(`t1:${method}:${seed}`);
      accuracy('table1', method, seed, r);
      const tokens = method.endsWith('-aug') ? 400_000 : method === 'bridge' ? 150_000 : 100_000;
      push({ experiment: 'table1', method, seed, stage: 'sft', split: 'sft', metric: 'tokens', value: tokens });
      push({ experiment: 'table1', method, seed, stage: 'sft', split: 'sft', metric: 'seconds', value: tokens / 1700 });
    }
  }

  const steps = o.steps ?? 10;
  for (const method of FIXTURE_TABLE1) {
    for (const seed of seeds) {
      const r = rng.fork(`f1:${method}:${seed}`);
      for (let step = 0; step <= steps; step++) {
        const v = clamp01(0.3 + (gain(method) * step) / steps + 0.02 * r.normal());
        push({ experiment: 'fig1', method, seed, stage: 'grpo', split: 'rl-train', metric: 'reward_mean', step, value: v });
        if (step % 5 === 0) push({ experiment: 'fig1', method, seed, stage: 'grpo', split: 'rl-val', metric: 'accuracy', step, value: clamp01(v - 0.1) });
      }
      // α histogram: the informative share spread evenly over the five middle bins, the rest split over {0} and {1}
      const inf = clamp01(info(method) + 0.01 * r.normal());
      const shares: Record<string, number> = { '0': (1 - inf) * 0.7, '1': (1 - inf) * 0.3 };
      for (const b of ROW_ALPHA_BINS.slice(1, -1)) shares[b] = inf / 5;
      for (const bin of ROW_ALPHA_BINS) {
        push({ experiment: 'fig1', method, seed, stage: 'probe', split: 'rl-train', metric: 'alpha_share', bin, value: shares[bin] });
        const I = bin === '0' || bin === '1' ? 0 : infl(method) * (1 + 0.05 * r.normal());
        push({ experiment: 'fig1', method, seed, stage: 'probe', split: 'rl-train', metric: 'influence', bin, value: I });
      }
      push({ experiment: 'fig1', method, seed, stage: 'probe', split: 'rl-train', metric: 'informative_share', value: inf });
      push({ experiment: 'fig1', method, seed, stage: 'probe', split: 'rl-train', metric: 'informative_share_above_guess', value: inf / 2 });
      push({ experiment: 'fig1', method, seed, stage: 'probe', split: 'rl-train', metric: 'influence_mean', value: inf * infl(method) });
      // the views Figure 1 adds, with fixed values (no draws, so the rows above stay as they were): the reflection share
      // falling from 10 % to 0 during RL (Vanilla never reflects), the α histogram without bins {0} and (0, 0.2] (below
      // the guessing level), a cosine of 0.3 for BRIDGE and 0.1 otherwise, and the gradient norms
      for (let step = 0; step <= steps; step++) {
        push({ experiment: 'fig1', method, seed, stage: 'grpo', split: 'rl-train', metric: 'reflection_share', step, value: method === 'vanilla' ? 0 : 0.1 * (1 - step / steps) });
      }
      for (const bin of ROW_ALPHA_BINS) {
        push({ experiment: 'fig1', method, seed, stage: 'probe', split: 'rl-train', metric: 'alpha_share_above_guess', bin, value: bin === '0' || bin === '(0,0.2]' ? 0 : shares[bin] });
        const mid = bin !== '0' && bin !== '1';
        push({ experiment: 'fig1', method, seed, stage: 'probe', split: 'rl-train', metric: 'influence_cosine', bin, value: mid ? (method === 'bridge' ? 0.3 : 0.1) : 0 });
        push({ experiment: 'fig1', method, seed, stage: 'probe', split: 'rl-train', metric: 'contrast_grad_norm', bin, value: mid ? 2 : 0 });
      }
      push({ experiment: 'fig1', method, seed, stage: 'probe', split: 'rl-train', metric: 'target_grad_norm', value: 1.5 });
    }
  }

  for (const method of [...FIXTURE_FIG4, ...(o.sweep ? FIXTURE_SWEEP : [])]) {
    for (const seed of seeds) accuracy('fig4', method, seed, rng.fork(`f4:${method}:${seed}`));
  }
  return rows;
}
