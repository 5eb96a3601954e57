// Configs are validated at the edge with one line naming the field and the rule (docs/architecture.md, Where is
// each setting set?). zod only — no tfjs — so every layer can use it.
import { z } from 'zod';

/** Parse `input` (undefined/null = {}) with `schema`; throws "LABEL: field: message" or "LABEL: unknown field(s) …". */
export function parseConfig<S extends z.ZodType>(schema: S, label: string, input: unknown): z.infer<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') throw new Error(`${label}: unknown field(s) ${issue.keys.join(', ')}`);
  throw new Error(`${label}: ${issue.path.join('.') || '(config)'}: ${issue.message}`);
}

/** A seed as every config and flag takes it: a 32-bit signed integer (src/rng.ts hashes it into its state). */
export const seedSchema = () => z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1);
