// Settings of `bridge reproduce --executor slurm`: one zod schema holds every setting's default, bounds and
// description. A JSON config file (--slurm-config; docs/slurm.example.json) is validated by it, the command-line flags
// are derived from it (flags override the file), and the sbatch command line of each job is built from the result.
// README "On a Slurm cluster" explains them.
import fs from 'node:fs';
import { z } from 'zod';
import { STAGE_KINDS } from './definitions';

/** Every kind of batch job: the stage kinds, and the last job that assembles the results. */
export const JOB_KINDS = [...STAGE_KINDS, 'collect'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

const TIME_FORMS = 'MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS, DAYS-HOURS:MINUTES or DAYS-HOURS:MINUTES:SECONDS';
const TIME_RE = /^(?:(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?|(\d+)(?::(\d+)(?::(\d+))?)?)$/;

/** Seconds of a Slurm time limit (sbatch --time formats). */
export function timeSeconds(t: string): number {
  const m = TIME_RE.exec(t);
  if (!m) throw new Error(`not a Slurm time limit: "${t}" (${TIME_FORMS})`);
  const n = (i: number) => Number(m[i] ?? 0);
  if (m[1] !== undefined) return n(1) * 86_400 + n(2) * 3600 + n(3) * 60 + n(4);
  if (m[7] !== undefined) return n(5) * 3600 + n(6) * 60 + n(7);
  return n(5) * 60 + n(6);
}

const int = (lo: number, hi: number) => {
  const msg = `must be an integer in [${lo}, ${hi}]`;
  return z.number({ error: msg }).int(msg).min(lo, msg).max(hi, msg);
};

/** What one job asks Slurm for. */
const ResourceFields = {
  partition: z.string({ error: 'must be a partition name or null' }).min(1, 'must be a partition name or null'),
  time: z.string({ error: 'must be a string' }).regex(TIME_RE, `must be a Slurm time limit: ${TIME_FORMS}`),
  cpus: int(1, 1024),
  mem: z.string({ error: 'must be a string' }).regex(/^[1-9]\d*[KMGT]?$/, 'must be a Slurm memory size: a positive integer with an optional K, M, G or T suffix (no suffix: MB)'),
  gpus: int(0, 64),
};
const RESOURCE_HELP: Record<keyof typeof ResourceFields, string> = {
  partition: 'partition of each job (sbatch --partition; null: the cluster default)',
  time: 'time limit of each job (sbatch --time)',
  cpus: 'CPUs of each job (--cpus-per-task)',
  mem: 'memory of each job (--mem)',
  gpus: 'GPUs of each job (--gres=gpu:N); a job with GPUs runs its stage with BRIDGE_BACKEND=node-gpu',
};
export const RESOURCE_KEYS = Object.keys(ResourceFields) as (keyof typeof ResourceFields)[];

export const ResourcesSchema = z
  .object({
    partition: ResourceFields.partition.nullable().default(null).describe(RESOURCE_HELP.partition),
    time: ResourceFields.time.default('24:00:00').describe(RESOURCE_HELP.time),
    cpus: ResourceFields.cpus.default(1).describe(RESOURCE_HELP.cpus),
    mem: ResourceFields.mem.default('4G').describe(RESOURCE_HELP.mem),
    gpus: ResourceFields.gpus.default(0).describe(RESOURCE_HELP.gpus),
  })
  .strict();
export type Resources = z.infer<typeof ResourcesSchema>;

/** A stage kind's overrides of `default`: any subset of the fields. */
const KindResourcesSchema = z
  .object({
    partition: ResourceFields.partition.nullable().optional().describe(RESOURCE_HELP.partition),
    time: ResourceFields.time.optional().describe(RESOURCE_HELP.time),
    cpus: ResourceFields.cpus.optional().describe(RESOURCE_HELP.cpus),
    mem: ResourceFields.mem.optional().describe(RESOURCE_HELP.mem),
    gpus: ResourceFields.gpus.optional().describe(RESOURCE_HELP.gpus),
  })
  .strict();

export const SlurmSettingsSchema = z
  .object({
    account: z.string().min(1).nullable().default(null).describe('account charged for every job (--account); null: your default account'),
    resources: z
      .object({
        default: ResourcesSchema.prefault({}).describe('resources of every job'),
        ...(Object.fromEntries(JOB_KINDS.map((k) => [k, KindResourcesSchema.optional().describe(`overrides for the ${k} jobs`)])) as Record<JobKind, z.ZodOptional<typeof KindResourcesSchema>>),
      })
      .strict()
      .prefault({})
      .describe(`resources per job: "default", overridden per job kind (${JOB_KINDS.join(', ')})`),
    sbatch: z
      .array(z.string().regex(/^--?[A-Za-z]/, 'must be an sbatch option, starting with - or --'))
      .default([])
      .describe('extra sbatch options for every job, e.g. --qos=normal (repeat the flag for several)'),
    setup: z.array(z.string()).default([]).describe('shell lines every job runs before its stage, e.g. "module load nodejs/20" (repeat the flag for several)'),
    nodeExecutable: z.string().min(1).nullable().default(null).describe('the node executable on the compute nodes; null: the one running this command'),
    poll: int(1, 3600).default(15).describe('with --wait: seconds between two looks at the queue'),
    markerWait: int(0, 86_400)
      .default(60)
      .describe('seconds to wait for the first job to write its marker into the run directory (the check that the compute nodes see it); 0: skip the check'),
  })
  .strict();
export type SlurmSettings = z.infer<typeof SlurmSettingsSchema>;

/** The resources of one kind of job: `default` with the kind's overrides. */
export function resourcesFor(s: SlurmSettings, kind: JobKind): Resources {
  const own = Object.fromEntries(Object.entries(s.resources[kind] ?? {}).filter(([, v]) => v !== undefined));
  return { ...s.resources.default, ...own };
}

const valueAt = (input: unknown, p: readonly PropertyKey[]): unknown => p.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined), input);

/** The first problem of an input as one line: `<path>: <rule>, got <value>`, with `where` naming the source. */
function firstIssue(input: unknown, issues: z.core.$ZodIssue[], where: (path: readonly PropertyKey[]) => string): string {
  const issue = issues[0];
  if (issue.code === 'unrecognized_keys') {
    const at = issue.path.length ? `${issue.path.join('.')}.` : '';
    return `${where(issue.path)}: unknown field(s) ${issue.keys.map((k) => at + k).join(', ')}`;
  }
  const got = valueAt(input, issue.path);
  return `${where(issue.path)}: ${issue.message}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`;
}

/** Validate settings given as an object (a parsed config file); `source` names it in the one-line error. */
export function slurmSettings(input: unknown, source = 'slurm settings'): SlurmSettings {
  const r = SlurmSettingsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new Error(firstIssue(input, r.error.issues, (p) => `${source}: ${p.join('.') || '(settings)'}`));
}

/** Read and validate a JSON config file. */
export function readSlurmConfig(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--slurm-config ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`--slurm-config ${file}: not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  slurmSettings(json, `--slurm-config ${file}`);
  return json;
}

// ---- flags derived from the schema -------------------------------------------------------------------------------

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

type Unwrapped = { type: string; description?: string };
function unwrap(schema: z.ZodType): Unwrapped {
  const description = schema.description;
  let s = schema as unknown as { def: { type: string; innerType?: unknown } };
  while (['default', 'prefault', 'nullable', 'optional'].includes(s.def.type)) s = s.def.innerType as typeof s;
  return { type: s.def.type, description };
}

/** One command-line flag per setting: scalars take a value, lists repeat, resources take VALUE or KIND=VALUE,…. */
export interface SettingFlag {
  /** `--kebab-name`. */
  flag: string;
  /** commander's option syntax, e.g. `--cpus <N|KIND=N,…>`. */
  syntax: string;
  help: string;
  /** Where the value goes: a top-level key, or a resource field. */
  key: string;
  form: 'string' | 'number' | 'list' | 'resource';
  /** Its values are numbers (the text is converted; the schema checks the range). */
  numeric: boolean;
}

export function settingFlags(): SettingFlag[] {
  const out: SettingFlag[] = [];
  for (const [key, schema] of Object.entries(SlurmSettingsSchema.shape)) {
    if (key === 'resources') continue;
    const u = unwrap(schema as z.ZodType);
    const form = u.type === 'array' ? 'list' : u.type === 'number' ? 'number' : 'string';
    out.push({ flag: `--${kebab(key)}`, syntax: `--${kebab(key)} <${form === 'number' ? 'N' : 'VALUE'}>`, help: `slurm: ${u.description ?? key}`, key, form, numeric: form === 'number' });
  }
  for (const key of RESOURCE_KEYS) {
    const u = unwrap(ResourcesSchema.shape[key]);
    const meta = u.type === 'number' ? 'N' : key.toUpperCase();
    const example = { partition: 'cpu,sft=gpu,grpo=gpu', time: '2:00:00,sft=24:00:00', cpus: '1,sft=4', mem: '4G,grpo=16G', gpus: 'sft=1,grpo=1' }[key];
    out.push({
      flag: `--${key}`,
      syntax: `--${key} <${meta}|KIND=${meta},…>`,
      help: `slurm: ${u.description}: one value for every job and/or per job kind (${JOB_KINDS.join(', ')}), e.g. "${example}"`,
      key,
      form: 'resource',
      numeric: u.type === 'number',
    });
  }
  return out;
}

/** commander's value collector for a repeated flag. */
export const collectRepeated = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** A number flag's text as a number when it is one (the schema then checks the range), else left as text. */
const numberOf = (raw: string): number | string => (/^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw);

/**
 * The settings from an optional config file and the flags given (commander's camelCase option values). Flags override
 * the file; an error names the file's field or the flag, in one line.
 */
export function settingsFromFlags(opts: Record<string, unknown>, configFile?: string): { settings: SlurmSettings; given: string[] } {
  const input = (configFile ? structuredClone(readSlurmConfig(configFile)) : {}) as Record<string, unknown>;
  const given: string[] = [];
  const origin = new Map<string, string>(); // settings path → the flag that set it
  for (const f of settingFlags()) {
    const raw = opts[camel(f.flag.slice(2))];
    if (raw === undefined) continue;
    given.push(f.flag);
    if (f.form === 'list') {
      input[f.key] = [...((input[f.key] as string[] | undefined) ?? []), ...(raw as string[])];
      origin.set(f.key, f.flag);
    } else if (f.form !== 'resource') {
      input[f.key] = f.numeric ? numberOf(String(raw)) : String(raw);
      origin.set(f.key, f.flag);
    } else {
      const res = ((input.resources ??= {}) as Record<string, Record<string, unknown>>);
      for (const part of String(raw).split(',')) {
        const m = /^\s*(?:([a-z-]+)\s*=)?\s*(.*?)\s*$/.exec(part)!;
        const kind = m[1] ?? 'default';
        if (kind !== 'default' && !(JOB_KINDS as readonly string[]).includes(kind)) {
          throw new Error(`${f.flag} ${raw}: unknown job kind "${kind}" (one of ${JOB_KINDS.join(', ')})`);
        }
        (res[kind] ??= {})[f.key] = f.numeric ? numberOf(m[2]) : m[2];
        origin.set(`resources.${kind}.${f.key}`, `${f.flag} ${raw}`);
      }
    }
  }
  const r = SlurmSettingsSchema.safeParse(input);
  if (r.success) return { settings: r.data, given };
  const where = (p: readonly PropertyKey[]) => {
    const key = p.join('.');
    const flag = origin.get(key) ?? origin.get(String(p[0]));
    return flag ?? (configFile ? `--slurm-config ${configFile}: ${key}` : key);
  };
  throw new Error(firstIssue(input, r.error.issues, where));
}

// ---- sbatch command lines ----------------------------------------------------------------------------------------

/** One batch job to submit. */
export interface BatchJob {
  /** Job name: the stage id (or `collect-<preset>`). */
  name: string;
  kind: JobKind;
  /** Working directory of the job; squeue's %Z maps a queued job back to its stage. */
  workdir: string;
  /** Log file (`%j`: the job id). */
  log: string;
  /** Job ids to wait for, and how: afterok for a stage's inputs, afterany for the results job. */
  after: string[];
  afterType: 'afterok' | 'afterany';
  /** The batch script file. */
  script: string;
}

/** sbatch's arguments for a job (everything but the program name). */
export function sbatchArgs(s: SlurmSettings, job: BatchJob): string[] {
  const r = resourcesFor(s, job.kind);
  const args = [
    '--parsable',
    `--job-name=${job.name}`,
    `--chdir=${job.workdir}`,
    `--output=${job.log}`,
    '--nodes=1',
    '--ntasks=1',
    `--cpus-per-task=${r.cpus}`,
    `--mem=${r.mem}`,
    `--time=${r.time}`,
  ];
  if (r.gpus > 0) args.push(`--gres=gpu:${r.gpus}`);
  if (r.partition) args.push(`--partition=${r.partition}`);
  if (s.account) args.push(`--account=${s.account}`);
  // a job whose input failed or was cancelled can never start: Slurm cancels it instead of leaving it queued
  if (job.after.length) args.push(`--dependency=${job.afterType}:${job.after.join(':')}`, '--kill-on-invalid-dep=yes');
  args.push(r.gpus > 0 ? '--export=ALL,BRIDGE_BACKEND=node-gpu' : '--export=ALL');
  args.push(...s.sbatch, job.script);
  return args;
}

/** A word for a POSIX shell, single-quoted. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The batch script: the marker (see executor-slurm.ts), the setup lines, then `command`. For a stage (`stage`: its id
 * and directory), a SIGTERM from Slurm (scancel, the time limit, preemption) leaves the stage's error.log, as a
 * failure in a local worker does, unless the stage finished. The command runs in the background and the script waits
 * for it, so the trap runs at once; the command itself ends on Slurm's SIGTERM (node's default action), which a
 * handler inside node would delay until the running step yields.
 */
export function batchScript(s: SlurmSettings, o: { title: string; markerDir: string; command: string[]; stage?: { id: string; dir: string } }): string {
  const lines = [
    '#!/bin/bash',
    `# ${o.title} — written by bridge reproduce --executor slurm (src/experiments/executor-slurm.ts)`,
    'set -e',
    `mkdir -p ${shellQuote(o.markerDir)}`,
    `echo "$(hostname) $(date +%s)" > ${shellQuote(o.markerDir)}/"$SLURM_JOB_ID"`,
    ...s.setup,
  ];
  if (!o.stage) return [...lines, `exec ${o.command.map(shellQuote).join(' ')}`, ''].join('\n');
  const dir = shellQuote(o.stage.dir);
  const reason = `${o.stage.id} failed: the job was terminated (SIGTERM: scancel, its time limit or preemption); running it again resumes it`;
  return [
    ...lines,
    'terminated() {',
    `  if [ ! -e ${dir}/done.json ]; then`,
    `    printf '%s\\n\\njob %s\\n' ${shellQuote(reason)} "$SLURM_JOB_ID" > ${dir}/error.log.$$ && mv -f ${dir}/error.log.$$ ${dir}/error.log`,
    '  fi',
    '  kill -TERM "$child" 2>/dev/null || true',
    '  wait "$child" || true',
    '  exit 143',
    '}',
    "trap terminated TERM",
    `${o.command.map(shellQuote).join(' ')} &`,
    'child=$!',
    'wait "$child"',
    '',
  ].join('\n');
}
