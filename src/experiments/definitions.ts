// Experiments as data: which methods each artifact compares and which stages it reads, and the stage DAG
// they expand to. A stage is identified by the sha256 of its kind, its full config and its inputs' hashes, so the same
// (method, seed, stage) needed by two experiments — or two methods with identical data, like bridge[reflect=0] and
// exploit — is one stage, and any upstream change gives new stage directories.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { resolveVariant, type VariantSpec } from '../inject/index';
import { allSeeds, type Preset } from './presets';

/** Bump when a stage's outputs change meaning: every stage hash changes with it. */
export const STAGE_FORMAT = 1;

export const STAGE_KINDS = ['splits', 'data', 'sft', 'eval-sft', 'grpo', 'eval-rft', 'probe'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

export type ExperimentName = 'table1' | 'fig1' | 'fig4';

export interface MethodDef {
  /** Row label: vanilla | pp-aug | … | bridge[reflect=0.2]. */
  name: string;
  variant: VariantSpec;
}

export interface ExperimentDef {
  name: ExperimentName;
  title: string;
  methods: MethodDef[];
  /** The per-(method, seed) stages whose outputs become this experiment's rows. */
  reads: StageKind[];
}

export const TABLE1_METHODS = ['vanilla', 'pp-aug', 'rc-aug', 'bridge'] as const;
/** The key comparison (BRIDGE against Vanilla): the methods a preset's keySeeds run. */
export const KEY_METHODS: readonly string[] = ['vanilla', 'bridge'];
export const FIG4_METHODS = ['vanilla', 'explore', 'analysis', 'subgoal', 'exploit', 'bridge'] as const;

/** The sweep's method name for reflection probability p (explicit even where it equals a named variant). */
export const sweepMethod = (p: number): string => `bridge[reflect=${p}]`;

function method(name: string): MethodDef {
  const m = /^bridge\[reflect=([\d.]+)\]$/.exec(name);
  const variant = m ? { ...resolveVariant('bridge', { reflect: Number(m[1]) }), name } : resolveVariant(name);
  return { name, variant };
}

export function experimentDefs(preset: Preset): ExperimentDef[] {
  const fig4 = [...FIG4_METHODS, ...(preset.sweep ?? []).map(sweepMethod)];
  return [
    { name: 'table1', title: 'Table 1: SFT and RFT accuracy, ID and OOD', methods: TABLE1_METHODS.map(method), reads: ['sft', 'eval-sft', 'grpo', 'eval-rft'] },
    { name: 'fig1', title: 'Figure 1: reward curves, α histograms, influence by α bin', methods: TABLE1_METHODS.map(method), reads: ['grpo', 'probe'] },
    { name: 'fig4', title: 'Figure 4: behaviour ablation (and injection-probability sweep)', methods: fig4.map(method), reads: ['eval-sft', 'eval-rft'] },
  ];
}

/** One node of the DAG. `config` is everything the worker needs besides its inputs' directories. */
export interface StageSpec {
  id: string;
  kind: StageKind;
  /** The first method that needed it (a shared stage keeps one name); 'shared' for the problem splits. */
  method: string;
  seed: number;
  hash: string;
  /** Absolute stage directory: OUT/stages/<id>. */
  dir: string;
  config: Record<string, unknown>;
  /** role → stage id of each input (splits, data, model). */
  deps: Record<string, string>;
}

export interface Plan {
  stages: StageSpec[];
  byId: Map<string, StageSpec>;
  /** `${method}|${seed}|${kind}` → stage id, for every method of every experiment. */
  lookup: Map<string, string>;
  experiments: ExperimentDef[];
}

/** JSON with sorted keys: the hash must not depend on property order. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** sha256 over the stage's kind, config and the hashes of its inputs (by role). */
export function stageHash(kind: StageKind, config: unknown, inputHashes: Record<string, string>): string {
  return crypto.createHash('sha256').update(stableStringify({ format: STAGE_FORMAT, kind, config, inputs: inputHashes })).digest('hex');
}

/** A base model's identity: its checkpoint content hash (so replacing the weights gives new stages). */
export function initIdentity(init: string): { init: string; contentHash: string | null } {
  if (init === 'scratch') return { init, contentHash: null };
  const dir = fs.existsSync(path.join(init, 'final', 'manifest.json')) ? path.join(init, 'final') : init;
  const mf = path.join(dir, 'manifest.json');
  if (!fs.existsSync(mf)) throw new Error(`preset init ${init}: not a checkpoint directory (no manifest.json)`);
  return { init: path.resolve(dir), contentHash: (JSON.parse(fs.readFileSync(mf, 'utf8')) as { contentHash: string }).contentHash };
}

/**
 * BRIDGE_* environment switches that change what a model computes (backend, initialisation experiments): part of every
 * model stage's identity, so a run under other switches never reuses these stages. Unset switches change no hash.
 */
export function modelEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const keys = Object.keys(env).filter((k) => k.startsWith('BRIDGE_') && k !== 'BRIDGE_REPRODUCE_FAIL' && env[k] !== undefined && env[k] !== '').sort();
  return keys.length ? Object.fromEntries(keys.map((k) => [k, env[k]!])) : undefined;
}

const READS_NEED: Record<StageKind, StageKind[]> = {
  splits: [],
  data: [],
  sft: ['data'],
  'eval-sft': ['sft'],
  grpo: ['sft'],
  'eval-rft': ['grpo'],
  probe: ['sft'],
};

/** The part of a stage config that defines its outputs: the SFT divergence guard only stops a failing run, so it is left out. */
function identity(config: Record<string, unknown>): Record<string, unknown> {
  if (!config.sft || typeof config.sft !== 'object') return config;
  const { divergence: _guard, ...sft } = config.sft as Record<string, unknown>;
  return { ...config, sft };
}

/** Expand the experiments of a preset into the deduplicated stage DAG (stages in dependency order). */
export function buildPlan(preset: Preset, outDir: string): Plan {
  const stages: StageSpec[] = [];
  const byHash = new Map<string, StageSpec>();
  const lookup = new Map<string, string>();
  const root = path.resolve(outDir, 'stages');
  const add = (kind: StageKind, methodName: string, seed: number, config: Record<string, unknown>, deps: Record<string, StageSpec>): StageSpec => {
    const hash = stageHash(kind, identity(config), Object.fromEntries(Object.entries(deps).map(([role, s]) => [role, s.hash])));
    const have = byHash.get(hash);
    if (have) return have;
    const safe = methodName.replace(/[^A-Za-z0-9.=-]+/g, '_');
    const id = `${kind}-${safe}-s${seed}-${hash.slice(0, 12)}`;
    const spec: StageSpec = { id, kind, method: methodName, seed, hash, dir: path.join(root, id), config, deps: Object.fromEntries(Object.entries(deps).map(([r, s]) => [r, s.id])) };
    byHash.set(hash, spec);
    stages.push(spec);
    return spec;
  };

  const t = preset.task;
  const splits = add('splits', 'shared', t.dataSeed, { task: t }, {});
  const init = initIdentity(preset.init);
  const env = modelEnv(); // undefined keys are left out of the hash (stableStringify)
  const experiments = experimentDefs(preset);
  // which stage kinds each (method) needs, in the order the experiments list them
  const need = new Map<string, { def: MethodDef; kinds: Set<StageKind> }>();
  for (const e of experiments) {
    for (const m of e.methods) {
      const entry = need.get(m.name) ?? { def: m, kinds: new Set<StageKind>() };
      const stack = [...e.reads];
      while (stack.length) {
        const k = stack.pop()!;
        if (entry.kinds.has(k)) continue;
        entry.kinds.add(k);
        stack.push(...READS_NEED[k]);
      }
      need.set(m.name, entry);
    }
  }
  const keyOnly = new Set(preset.keySeeds);
  for (const seed of allSeeds(preset)) {
    for (const { def, kinds } of need.values()) {
      if (keyOnly.has(seed) && !KEY_METHODS.includes(def.name)) continue;
      const v = def.variant;
      // the variant's content (not its label) defines the data, so equal knobs share one data stage
      const data = add('data', def.name, seed, { variant: { kind: v.kind, knobs: v.knobs, k: v.k }, seed }, { splits });
      const sft = add('sft', def.name, seed, { sft: { ...preset.sft, seed }, init, env }, { data });
      const evalCfg = { eval: preset.eval, env };
      const put = (k: StageKind, s: StageSpec) => lookup.set(`${def.name}|${seed}|${k}`, s.id);
      put('splits', splits);
      put('data', data);
      put('sft', sft);
      if (kinds.has('eval-sft')) put('eval-sft', add('eval-sft', def.name, seed, evalCfg, { splits, model: sft }));
      if (kinds.has('probe')) put('probe', add('probe', def.name, seed, { probe: preset.probe, seed, eta: preset.grpo.lr, env }, { splits, model: sft }));
      if (kinds.has('grpo') || kinds.has('eval-rft')) {
        const grpo = add('grpo', def.name, seed, { grpo: { ...preset.grpo, seed }, env }, { splits, model: sft });
        put('grpo', grpo);
        if (kinds.has('eval-rft')) put('eval-rft', add('eval-rft', def.name, seed, evalCfg, { splits, model: grpo }));
      }
    }
  }
  return { stages, byId: new Map(stages.map((s) => [s.id, s])), lookup, experiments };
}
