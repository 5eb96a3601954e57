// Reading and writing a data directory of `bridge data`: problems.jsonl + manifest.json (which records the file's row
// count and sha256, so a cut or edited file is refused), with errors that name the directory and the problem
// instead of a stack trace deep inside JSON or the tokenizer.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseJsonl, readJsonFile, writeFileAtomic, writeJsonAtomic, writeJsonlAtomic } from '../fsutil';
import type { Arith, ProblemRow } from '../igsm/types';
import type { Tokenizer } from '../text/tokenizer';
import { encodeExample, encodeTerse, type EncodedExample } from './format';
import { terseSolution, type TerseForm } from '../igsm/terse';

/** What a row is trained on: its CoT response (SFT) or its terse solution (base-model pretraining). */
export type TextFormat = 'sft' | 'terse' | 'terse-named';

/** The pretraining text format of each terse line form (`pretrain --form`), and back. */
export const TERSE_FORMATS: Record<TerseForm, Exclude<TextFormat, 'sft'>> = { values: 'terse', named: 'terse-named' };
export const terseFormOf = (format: TextFormat): TerseForm => (format === 'terse-named' ? 'named' : 'values');

export interface DataDir {
  dir: string;
  rows: ProblemRow[];
  /** Arithmetic of the rows (from graph.modulus); a directory never mixes modes. */
  arith: Arith;
  manifest: Record<string, unknown> | null;
  /** sha256 of problems.jsonl: what a run records as this input's identity. */
  sha256: string;
}

/** What manifest.json records about problems.jsonl (written by writeDataDir; older manifests have only counts). */
export interface ProblemsRecord {
  rows: number;
  sha256: string;
}

/** Write DIR/problems.jsonl and then DIR/manifest.json with the file's row count and sha256, both atomically. */
export function writeDataDir(dir: string, jsonl: string | readonly object[], manifest: object): void {
  let problems: ProblemsRecord;
  if (typeof jsonl === 'string') {
    problems = { rows: jsonl === '' ? 0 : jsonl.split('\n').filter((l) => l.trim() !== '').length, sha256: createHash('sha256').update(jsonl).digest('hex') };
    writeFileAtomic(path.join(dir, 'problems.jsonl'), jsonl);
  } else {
    // rows are written line by line: a pretraining corpus can be larger than one string may be
    problems = { rows: jsonl.length, sha256: writeJsonlAtomic(path.join(dir, 'problems.jsonl'), jsonl) };
  }
  writeJsonAtomic(path.join(dir, 'manifest.json'), { ...manifest, problemsFile: problems });
}

/** The row count a manifest promises: problemsFile.rows (this version), counts.rows (split manifests) or rows (stage data). */
function promisedRows(m: Record<string, unknown>): number | undefined {
  const p = m.problemsFile as Partial<ProblemsRecord> | undefined;
  const c = m.counts as { rows?: unknown } | undefined;
  for (const v of [p?.rows, c?.rows, m.rows]) if (typeof v === 'number') return v;
  return undefined;
}

/** Load DIR/problems.jsonl, checked against its manifest.json (row count, sha256); `flag` names the CLI option in errors. */
export function loadDataDir(dir: string, flag = '--data'): DataDir {
  const file = path.join(dir, 'problems.jsonl');
  if (!fs.existsSync(dir)) throw new Error(`${flag} ${dir}: directory does not exist (write one with \`bridge data\`)`);
  if (!fs.existsSync(file)) throw new Error(`${flag} ${dir}: no problems.jsonl in it (write one with \`bridge data\`)`);
  const bytes = fs.readFileSync(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const rows = parseJsonl<ProblemRow>(bytes, file);
  if (rows.length === 0) throw new Error(`${flag} ${dir}: problems.jsonl has no rows`);
  let arith: Arith | null = null;
  rows.forEach((r, i) => {
    if (typeof r.query !== 'string' || typeof r.answer !== 'string' || !r.graph) {
      throw new Error(`${flag} ${dir}: row ${i + 1} is not a problem row (needs query, answer, graph)`);
    }
    const a: Arith = r.graph.modulus === 23 ? 'mod23' : 'exact';
    if (arith && a !== arith) throw new Error(`${flag} ${dir}: mixes exact and mod23 rows (row ${i + 1})`);
    arith = a;
  });
  const mf = path.join(dir, 'manifest.json');
  let manifest: Record<string, unknown> | null = null;
  if (fs.existsSync(mf)) {
    try {
      manifest = readJsonFile<Record<string, unknown>>(mf);
    } catch (err) {
      throw new Error(`${flag} ${dir}: ${(err as Error).message}`);
    }
    const promised = promisedRows(manifest);
    if (promised !== undefined && promised !== rows.length) {
      throw new Error(`${flag} ${dir}: problems.jsonl has ${rows.length} rows but manifest.json says ${promised} (a cut or edited file; write it again with \`bridge data\`)`);
    }
    const want = (manifest.problemsFile as Partial<ProblemsRecord> | undefined)?.sha256;
    if (typeof want === 'string' && want !== sha256) {
      throw new Error(`${flag} ${dir}: problems.jsonl differs from manifest.json (sha256 ${sha256.slice(0, 12)}, manifest ${want.slice(0, 12)}); an edited file? write it again with \`bridge data\``);
    }
  }
  return { dir, rows, arith: arith!, manifest, sha256 };
}

/** The arithmetic a tokenizer was built for: one token per residue (mod23) or digits (exact). */
export const arithOfTokenizer = (tok: Tokenizer): Arith => (tok.numbers === 'mod23' ? 'mod23' : 'exact');

/** sha256 of a tokenizer's JSON: the tokenizer input of a run's identity. */
export const tokenizerHash = (tok: Tokenizer): string => createHash('sha256').update(JSON.stringify(tok.toJSON())).digest('hex');

/** Refuse data of another arithmetic than the model's: exact rows through a mod-23 model score as noise, silently. */
export function assertDataFitsModel(data: DataDir, tok: Tokenizer, flag: string, model: string): void {
  const want = arithOfTokenizer(tok);
  if (data.arith !== want) {
    throw new Error(`${flag} ${data.dir}: ${data.arith} arithmetic, but the model of ${model} works in ${want} arithmetic (its tokenizer); use ${want} data`);
  }
}

/** Encode every row for SFT; an unknown word means the data and the tokenizer do not belong together. */
export function encodeRows(data: DataDir, tok: Tokenizer, ctx: number, format: TextFormat = 'sft', flag = '--data'): EncodedExample[] {
  return data.rows.map((r, i) => {
    if (format === 'sft' && !r.response) throw new Error(`${flag} ${data.dir}: row ${i + 1} (${r.id}) has no response to train on`);
    let ex: EncodedExample;
    try {
      ex = format === 'sft' ? encodeExample(tok, r.query, r.response) : encodeTerse(tok, r.query, terseSolution(r.graph, r.surface, terseFormOf(format)));
    } catch (err) {
      throw new Error(`${flag} ${data.dir}: row ${i + 1} (${r.id}) does not fit this model's tokenizer: ${(err as Error).message}`);
    }
    if (ex.ids.length > ctx) {
      throw new Error(`${flag} ${data.dir}: row ${i + 1} (${r.id}) has ${ex.ids.length} tokens, more than the model context ctx=${ctx}`);
    }
    return ex;
  });
}
