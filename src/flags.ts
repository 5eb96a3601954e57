// Command-line flags derived from the zod schemas that hold each setting (docs/architecture.md, Where is each setting
// set?): a flag names a field, and its help text, default, bounds and parser all come from that field, so a bound
// changed in the schema changes the flag with it. Every bad value stops with one line naming the flag and the allowed
// range. Numbers are parsed strictly: plain decimal notation only. Number() alone reads "0x1" as 1, "0b11" as 3,
// "Infinity" and "" as numbers; a flag that means something else than what was typed is worse than an error.
// zod and commander only — no tfjs — so every command module can use it.
import { Option, type Command } from 'commander';
import type { z } from 'zod';

/** A one-line user error: printed without a stack trace (src/cli.ts). */
export class UsageError extends Error {}
export type Usage = (msg: string) => Error;
export const usage: Usage = (msg) => new UsageError(msg);

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

// ---- reading a schema field --------------------------------------------------------------------------------------

type Def = { type: string; innerType?: unknown; defaultValue?: unknown; checks?: { _zod: { def: Record<string, unknown> } }[]; entries?: Record<string, string>; element?: unknown; shape?: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(['default', 'prefault', 'nullable', 'optional', 'readonly']);

/** The schema of a dotted field path ("model.d") inside an object schema, through defaults, nullables and optionals. */
export function fieldAt(schema: z.ZodType, dotted: string): z.ZodType | undefined {
  let s: unknown = schema;
  for (const key of dotted.split('.')) {
    while (WRAPPERS.has(defOf(s).type) || defOf(s).type === 'pipe') s = defOf(s).innerType ?? (defOf(s) as { in?: unknown }).in;
    const shape = (s as { shape?: Record<string, unknown> }).shape;
    if (!shape || !Object.hasOwn(shape, key)) return undefined;
    s = shape[key];
  }
  return s as z.ZodType;
}

/** What a flag needs to know of a field: its kind, bounds or choices, default and description. */
export interface FieldInfo {
  kind: 'number' | 'enum' | 'boolean' | 'string' | 'array';
  int: boolean;
  /** Bounds; `loOpen`/`hiOpen`: the bound itself is not allowed. */
  lo?: number;
  loOpen: boolean;
  hi?: number;
  hiOpen: boolean;
  choices?: string[];
  /** An array's element. */
  element?: FieldInfo;
  description?: string;
  /** The schema's default, when it has one. */
  default?: unknown;
  hasDefault: boolean;
}

/** Read a field: unwrap default/nullable/optional (the first description met wins), then its bounds or choices. */
export function fieldInfo(field: z.ZodType): FieldInfo {
  let s: unknown = field;
  let description: string | undefined;
  let hasDefault = false;
  let dflt: unknown;
  for (;;) {
    description ??= (s as { description?: string }).description;
    const d = defOf(s);
    if (d.type === 'default' && !hasDefault) {
      hasDefault = true;
      dflt = d.defaultValue;
    }
    if (!WRAPPERS.has(d.type)) break;
    s = d.innerType;
  }
  const d = defOf(s);
  const info: FieldInfo = { kind: 'string', int: false, loOpen: false, hiOpen: false, description, default: dflt, hasDefault };
  if (d.type === 'number') {
    info.kind = 'number';
    for (const c of d.checks ?? []) {
      const cd = c._zod.def;
      if (cd.check === 'number_format' && /int/.test(String(cd.format))) info.int = true;
      const v = cd.value as number;
      if (cd.check === 'greater_than' && (info.lo === undefined || v > info.lo || (v === info.lo && !cd.inclusive))) [info.lo, info.loOpen] = [v, !cd.inclusive];
      if (cd.check === 'less_than' && (info.hi === undefined || v < info.hi || (v === info.hi && !cd.inclusive))) [info.hi, info.hiOpen] = [v, !cd.inclusive];
    }
  } else if (d.type === 'enum') {
    info.kind = 'enum';
    info.choices = Object.values(d.entries ?? {});
  } else if (d.type === 'boolean') info.kind = 'boolean';
  else if (d.type === 'array') {
    info.kind = 'array';
    info.element = fieldInfo(d.element as z.ZodType);
  }
  return info;
}

/** The allowed values as error lines and help text say them: "an integer in [1, 10000]", "one of all, response". */
export function rangeText(info: FieldInfo): string {
  if (info.kind === 'enum') return `one of ${info.choices!.join(', ')}`;
  if (info.kind === 'boolean') return 'true or false';
  if (info.kind === 'array') return `a comma-separated list, each ${rangeText(info.element!)}`;
  if (info.kind !== 'number') return 'a string';
  const what = info.int ? 'an integer' : 'a number';
  const { lo, hi } = info;
  if (lo !== undefined && hi !== undefined) return `${what} in ${info.loOpen ? '(' : '['}${lo}, ${hi}${info.hiOpen ? ')' : ']'}`;
  if (lo !== undefined) return `${what} ${info.loOpen ? '>' : '≥'} ${lo}`;
  if (hi !== undefined) return `${what} ${info.hiOpen ? '<' : '≤'} ${hi}`;
  return what;
}

/** `raw` as the field's value; otherwise one line naming the flag, the allowed values and what was given. */
export function parseFieldValue(flag: string, raw: string, field: z.ZodType): unknown {
  const info = fieldInfo(field);
  const refuse = (): never => {
    throw new UsageError(`${flag} must be ${rangeText(info)}, got "${raw}"`);
  };
  let v: unknown = raw;
  if (info.kind === 'number') {
    v = Number(raw);
    const n = v as number;
    if (!DECIMAL.test(raw.trim()) || !Number.isFinite(n) || (info.int && !Number.isSafeInteger(n))) refuse();
    if (info.lo !== undefined && (info.loOpen ? n <= info.lo : n < info.lo)) refuse();
    if (info.hi !== undefined && (info.hiOpen ? n >= info.hi : n > info.hi)) refuse();
  } else if (info.kind === 'enum') {
    if (!info.choices!.includes(raw)) refuse();
  } else if (info.kind === 'boolean') {
    if (raw !== 'true' && raw !== 'false') refuse();
    v = raw === 'true';
  } else if (info.kind === 'array') {
    const el = elementOf(field);
    try {
      v = raw.split(',').map((x) => parseFieldValue(flag, x.trim(), el));
    } catch {
      refuse();
    }
  }
  // refinements the bounds above do not show (a custom rule) still decide, in the same one line
  const r = (field as z.ZodType).safeParse(v);
  if (!r.success) throw new UsageError(`${flag}: ${r.error.issues[0].message}, got "${raw}"`);
  return v;
}

function elementOf(field: z.ZodType): z.ZodType {
  let s: unknown = field;
  while (WRAPPERS.has(defOf(s).type)) s = defOf(s).innerType;
  return defOf(s).element as z.ZodType;
}

// ---- flags of a schema -------------------------------------------------------------------------------------------

/** One flag of a command and the schema field it sets. */
export interface FlagSpec {
  /** `--batch-size`; a boolean field takes `--name` (sets true) or `--no-name` (sets false), or a value with `parse`. */
  flag: string;
  /** The field's dotted path in the schema: `batchSize`, `schedule.lr`. */
  path: string;
  /** The value's name in the help (default N for integers, X for numbers, the choices for enums). */
  value?: string;
  /** Help text when the field has no `.describe()` line, or a better one for this command. */
  help?: string;
  /** What the help says about the default when the schema's default is not what the command uses. */
  defaultText?: string;
  /** A parser of its own for a value that is not a plain number, choice or list (e.g. `--ops A-B`), and its rule. */
  parse?: (raw: string) => unknown;
  range?: string;
  /** How the help writes a default value of such a flag (e.g. [1, 3] as 1-3). */
  format?: (value: unknown) => string;
}

/** A command's flags over one schema; `presets` (name → validated config) put each preset's value into the help. */
export interface SchemaFlags {
  schema: z.ZodType;
  flags: readonly FlagSpec[];
  presets?: Record<string, unknown>;
}

const show = (v: unknown): string => (v === null ? 'none' : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));

function valueAt(o: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
}

/** The field of a spec; a spec naming no field of its schema is a programming error, caught at registration. */
export function specField(schema: z.ZodType, spec: FlagSpec): z.ZodType {
  const field = fieldAt(schema, spec.path);
  if (!field) throw new Error(`${spec.flag}: no field ${spec.path} in its schema`);
  return field;
}

/** The help line of a flag: the field's description, then (default …; range). */
export function flagHelp(schema: z.ZodType, spec: FlagSpec, presets?: Record<string, unknown>): string {
  const info = fieldInfo(specField(schema, spec));
  const text = spec.help ?? info.description ?? spec.path;
  if (info.kind === 'boolean' && !spec.parse) return text;
  let dflt = spec.defaultText;
  if (dflt === undefined && presets) {
    // a preset without the field (e.g. an optional group it leaves out) takes the field's own default
    const values = Object.entries(presets).map(([k, p]) => [k, (spec.format ?? show)(valueAt(p, spec.path) ?? info.default)]);
    dflt = new Set(values.map(([, v]) => v)).size === 1 ? values[0][1] : `by --preset: ${values.map(([k, v]) => `${k} ${v}`).join(', ')}`;
  }
  if (dflt === undefined && info.hasDefault) dflt = (spec.format ?? show)(info.default);
  return `${text} (${dflt === undefined ? '' : `default ${dflt}; `}${spec.range ?? rangeText(info)})`;
}

/** The commander option of a spec: syntax, help and a parser that validates through the field. */
export function schemaOption(schema: z.ZodType, spec: FlagSpec, presets?: Record<string, unknown>): Option {
  const field = specField(schema, spec);
  const info = fieldInfo(field);
  const help = flagHelp(schema, spec, presets);
  if (info.kind === 'boolean' && !spec.parse) return new Option(spec.flag, help);
  const meta = spec.value ?? (info.kind === 'enum' ? info.choices!.join('|') : info.kind === 'array' ? 'K[,K…]' : info.kind === 'number' ? (info.int ? 'N' : 'X') : 'VALUE');
  return new Option(`${spec.flag} <${meta}>`, help).argParser(spec.parse ?? ((raw: string) => parseFieldValue(spec.flag, raw, field)));
}

/** Add every flag of `flags` to `cmd`. */
export function addSchemaFlags(cmd: Command, flags: SchemaFlags): Command {
  for (const spec of flags.flags) cmd.addOption(schemaOption(flags.schema, spec, flags.presets));
  return cmd;
}

/** commander's attribute name of a flag: --batch-size → batchSize, --no-divergence-guard → divergenceGuard. */
export const attributeOf = (flag: string): string => new Option(flag).attributeName();

/** The values of the flags that were given, by field path (commander's parsed option values in `opts`). */
export function givenValues(flags: readonly FlagSpec[], opts: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const spec of flags) {
    const v = opts[attributeOf(spec.flag)];
    if (spec.flag.startsWith('--no-')) {
      if (v === false) out.set(spec.path, false);
    } else if (v !== undefined) out.set(spec.path, v);
  }
  return out;
}

/** Set a dotted path in a plain object, copying the objects on the way (a preset object is never changed). */
export function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) {
    o[k] = { ...((o[k] as object | undefined) ?? {}) };
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

/** `base` (a preset, or {}) with every given flag's value set at its field path. */
export function withFlags(base: object, flags: readonly FlagSpec[], opts: Record<string, unknown>): Record<string, unknown> {
  const c = structuredClone(base) as Record<string, unknown>;
  for (const [p, v] of givenValues(flags, opts)) setPath(c, p, v);
  return c;
}
