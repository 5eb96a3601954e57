// `npm run build:notebooks`: compile the project code the notebooks use into dist/ — .d.ts declarations (tsc, the
// project's own settings) plus CommonJS .js (per-file transpile). tslab compiles notebook cells with TS 5.0.4, loose
// options and rootDir = the notebook folder, so it cannot compile src/ itself (docs/toolchain.md, Notebooks: Jupyter
// and tslab).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface BuildResult {
  dir: string;
  files: number;
  seconds: number;
}

/** Newest modification time (ms) of any .ts file below `dir`. */
export function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function formatDiagnostics(diags: readonly ts.Diagnostic[], root: string): string {
  return ts.formatDiagnostics(diags, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

/** Build dist/ from tsconfig.notebooks.json into a fresh folder, then swap it in (a failed build leaves the old one). */
export function buildDist(root: string): BuildResult {
  const t0 = performance.now();
  const configPath = path.join(root, 'tsconfig.notebooks.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(`tsconfig.notebooks.json: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    },
  });
  if (!parsed) throw new Error('tsconfig.notebooks.json could not be read');
  if (parsed.errors.length > 0) throw new Error(formatDiagnostics(parsed.errors, root));
  const dist = path.join(root, 'dist');
  const srcRoot = path.join(root, 'src');
  const tmp = `${dist}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const options: ts.CompilerOptions = { ...parsed.options, outDir: tmp, rootDir: srcRoot, noEmit: false, declaration: true, emitDeclarationOnly: true };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options });
  // type errors are `npm run typecheck`'s job (same settings); here only what stops the declarations counts
  const emitted = program.emit();
  const fatal = emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (fatal.length > 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`declaration emit failed:\n${formatDiagnostics(fatal, root)}`);
  }
  let files = 0;
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || !sf.fileName.startsWith(srcRoot + '/')) continue;
    const rel = path.relative(srcRoot, sf.fileName).replace(/\.ts$/, '.js');
    const out = ts.transpileModule(sf.text, {
      fileName: sf.fileName,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
        inlineSources: true,
      },
    });
    fs.mkdirSync(path.join(tmp, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), out.outputText);
    files++;
  }
  // the root package.json says "type": "module"; these files are CommonJS
  fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
  fs.writeFileSync(path.join(tmp, 'build.json'), JSON.stringify({ builtAt: Date.now(), newestSource: newestSource(srcRoot), files }) + '\n');
  fs.rmSync(dist, { recursive: true, force: true });
  fs.renameSync(tmp, dist);
  return { dir: dist, files, seconds: (performance.now() - t0) / 1000 };
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv[1] && path.resolve(process.argv[1]) === path.join(root, 'scripts', 'build-dist.ts')) {
  try {
    const r = buildDist(root);
    process.stderr.write(`dist/: ${r.files} modules in ${r.seconds.toFixed(1)} s\n`);
  } catch (err) {
    process.stderr.write(`build:notebooks: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
