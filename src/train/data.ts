// Reading a data directory written by `bridge data`: problems.jsonl (+ manifest.json), with errors that name the
// directory and the problem instead of a stack trace deep inside JSON or the tokenizer.
import fs from 'node:fs';
import path from 'node:path';
import { readJsonl } from '../fsutil';
import type { Arith, ProblemRow } from '../igsm/types';
import type { Tokenizer } from '../text/tokenizer';
import { encodeExample, encodeTerse, type EncodedExample } from './format';
import { terseSolution } from '../igsm/terse';

/** What a row is trained on: its CoT response (SFT) or its terse solution (base-model pretraining). */
export type TextFormat = 'sft' | 'terse';

export interface DataDir {
  dir: string;
  rows: ProblemRow[];
  /** Arithmetic of the rows (from graph.modulus); a directory never mixes modes. */
  arith: Arith;
  manifest: Record<string, unknown> | null;
}

/** Load DIR/problems.jsonl; `flag` names the CLI option in errors. */
export function loadDataDir(dir: string, flag = '--data'): DataDir {
  const file = path.join(dir, 'problems.jsonl');
  if (!fs.existsSync(dir)) throw new Error(`${flag} ${dir}: directory does not exist (write one with \`bridge data\`)`);
  if (!fs.existsSync(file)) throw new Error(`${flag} ${dir}: no problems.jsonl in it (write one with \`bridge data\`)`);
  const rows = readJsonl<ProblemRow>(file);
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
  const manifest = fs.existsSync(mf) ? (JSON.parse(fs.readFileSync(mf, 'utf8')) as Record<string, unknown>) : null;
  return { dir, rows, arith: arith!, manifest };
}

/** Encode every row for SFT; an unknown word means the data and the tokenizer do not belong together. */
export function encodeRows(data: DataDir, tok: Tokenizer, ctx: number, format: TextFormat = 'sft', flag = '--data'): EncodedExample[] {
  return data.rows.map((r, i) => {
    if (format === 'sft' && !r.response) throw new Error(`${flag} ${data.dir}: row ${i + 1} (${r.id}) has no response to train on`);
    let ex: EncodedExample;
    try {
      ex = format === 'sft' ? encodeExample(tok, r.query, r.response) : encodeTerse(tok, r.query, terseSolution(r.graph, r.surface));
    } catch (err) {
      throw new Error(`${flag} ${data.dir}: row ${i + 1} (${r.id}) does not fit this model's tokenizer: ${(err as Error).message}`);
    }
    if (ex.ids.length > ctx) {
      throw new Error(`${flag} ${data.dir}: row ${i + 1} (${r.id}) has ${ex.ids.length} tokens, more than the model context ctx=${ctx}`);
    }
    return ex;
  });
}
