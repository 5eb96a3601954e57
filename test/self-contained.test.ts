// The repository stands alone: a clone has only what is committed, so no file may send a reader to a path outside it
// (a sibling "shared" folder, a spec that is not under docs/) or to a ticket number they cannot open, and every
// docs/*.md a source comment cites must exist. Links to upstream projects are fine: a public tracker's "#63" does
// not match.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
/** Folders whose every text file is read, plus single files at the root. */
const SCANNED_DIRS = ['src', 'test', 'scripts', 'bench', 'notebooks', 'docs', 'native'];
const SCANNED_FILES = ['README.md'];
const TEXT_EXT = new Set(['.ts', '.mts', '.js', '.mjs', '.md', '.ipynb', '.json', '.jsonl', '.py', '.sh', '.j2', '.wat', '.tpl', '.txt', '.html', '.css', '.cc']);

// built from parts so that this file does not match its own patterns
const OUTSIDE = [['..', 'shared'].join('/'), ['shared', 'docs'].join('/')];
const TICKET = new RegExp(['\\bissues?', '\\s+', '\\d+'].join(''), 'i');
/** The specs the project started from, which a clone does not have (their content now lives in docs/). */
const TOOLCHAIN = ['tool', 'chain'].join('');
const OLD_SPECS = new RegExp(
  [`\\b${['igsm', 'reasoning'].join('-')}\\.md`, `\\b${['bridge', 'method'].join('-')}\\.md`, `(?<!docs/)\\b${TOOLCHAIN}\\.md`, `\\b${TOOLCHAIN} doc\\b`, `\\bspec \u00a7`].join('|'),
  'i',
);
/** A docs/ markdown path as comments cite it: "docs/learnability.md", "docs/igsm-generator.md, Op count". */
const DOCS_CITE = /\bdocs\/[A-Za-z0-9_./-]+\.md\b/g;

function filesUnder(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      out.push(...filesUnder(rel));
    } else if (e.isFile() && (TEXT_EXT.has(path.extname(e.name)) || path.extname(e.name) === '')) out.push(rel);
  }
  return out;
}

export function scannedFiles(): string[] {
  return [...SCANNED_DIRS.flatMap(filesUnder), ...SCANNED_FILES.filter((f) => fs.existsSync(path.join(ROOT, f)))].sort();
}

/** Every line that points outside the repository, as "file:line: text". */
export function outsideReferences(): string[] {
  const hits: string[] = [];
  for (const rel of scannedFiles()) {
    const lines = fs.readFileSync(path.join(ROOT, rel), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (OUTSIDE.some((s) => line.includes(s)) || TICKET.test(line) || OLD_SPECS.test(line)) hits.push(`${rel}:${i + 1}: ${line.trim().slice(0, 160)}`);
    });
  }
  return hits;
}

/** docs/*.md paths cited in src/ that do not exist, as "file:line: docs/x.md". */
export function missingDocs(): string[] {
  const missing: string[] = [];
  for (const rel of filesUnder('src')) {
    const lines = fs.readFileSync(path.join(ROOT, rel), 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(DOCS_CITE)) if (!fs.existsSync(path.join(ROOT, m[0]))) missing.push(`${rel}:${i + 1}: ${m[0]}`);
    });
  }
  return missing;
}

describe('self-contained repository', () => {
  it('no file in src, test, scripts, bench, notebooks, docs, native or README.md points outside the repository, at a former spec or at a ticket number', () => {
    expect(outsideReferences()).toEqual([]);
  });
  it('the scan sees the files it claims to read (a README and this test file)', () => {
    const files = scannedFiles();
    expect(files).toContain('README.md');
    expect(files).toContain(path.join('test', 'self-contained.test.ts'));
  });
  it('every docs/*.md path cited in src exists', () => {
    expect(missingDocs()).toEqual([]);
  });
});
