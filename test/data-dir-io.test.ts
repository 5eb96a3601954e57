// Data directories written row by row (src/train/data.ts writeDataDir with rows, src/fsutil.ts writeJsonlAtomic) are the
// same bytes and manifest as the one-string form, and problems.jsonl is parsed from bytes line by line with the same rows
// and the same error lines — so a corpus larger than one V8 string can be written and read.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { generateSplit, toJsonl } from '../src/igsm/dataset';
import { validateGenConfig } from '../src/igsm/generate';
import { parseJsonl } from '../src/fsutil';
import { loadDataDir, writeDataDir } from '../src/train/data';
import { tmp } from './faults-fixtures';

const T = tmp('data-dir-io');
const rows = generateSplit({ name: 'io', n: 40, gen: validateGenConfig({ minOps: 2, maxOps: 4, arith: 'mod23' }), seed: 5, surface: 'compact' }).rows;

describe('writeDataDir with rows', () => {
  it('writes the bytes and manifest of the one-string form', () => {
    writeDataDir(path.join(T, 'a'), toJsonl(rows), { kind: 'x' });
    writeDataDir(path.join(T, 'b'), rows, { kind: 'x' });
    for (const f of ['problems.jsonl', 'manifest.json']) expect(fs.readFileSync(path.join(T, 'b', f))).toEqual(fs.readFileSync(path.join(T, 'a', f)));
    expect(loadDataDir(path.join(T, 'b')).rows).toEqual(JSON.parse(JSON.stringify(rows)));
    expect(fs.readdirSync(path.join(T, 'b')).sort()).toEqual(['manifest.json', 'problems.jsonl']); // no temp file left
  });
});

describe('parseJsonl from bytes', () => {
  it('gives the rows of the string form, blank lines skipped, with or without a final newline', () => {
    for (const text of ['{"a":1}\n\n{"a":2}\n', '{"a":1}\n{"a":2}', '', '\n']) {
      expect(parseJsonl(Buffer.from(text), 'f')).toEqual(parseJsonl(text, 'f'));
    }
    expect(parseJsonl(Buffer.from('{"é":"ü"}\n'), 'f')).toEqual([{ é: 'ü' }]);
  });
  it('names the same line for bad JSON', () => {
    const text = '{"a":1}\n\n{"a":\n';
    expect(() => parseJsonl(Buffer.from(text), 'f.jsonl')).toThrow('f.jsonl:3: not valid JSON');
    expect(() => parseJsonl(text, 'f.jsonl')).toThrow('f.jsonl:3: not valid JSON');
  });
});
