// Builds the optional native matrix-product addon (native/blas.cc → build/native/blas.node) with g++ and Node's own
// headers; runs at `npm ci` (postinstall) and as `npm run build:native`. Optional: where g++ or the headers are
// missing it prints one line saying so and exits 0, and the model keeps its matrix products on XNNPACK (wasm).
// OpenBLAS itself is not needed to build: the addon loads it at run time (docs/toolchain.md, Native matrix products).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'native', 'blas.cc');
const out = path.join(root, 'build', 'native', 'blas.node');
const includes = [
  process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
  path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const inc = includes.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
const cxx = process.env.CXX || 'g++';
if (!inc) {
  console.log(`build:native: skipped (no node_api.h under ${includes.join(', ')}); matrix products stay on XNNPACK`);
  process.exit(0);
}
try {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync(cxx, ['-O3', '-fopenmp-simd', '-fno-math-errno', '-shared', '-fPIC', '-std=c++17', `-I${inc}`, src, '-o', tmp, '-ldl'], { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.renameSync(tmp, out);
  console.log(`build:native: built ${path.relative(root, out)} (${cxx}, headers ${inc})`);
} catch (err) {
  console.log(`build:native: skipped (${cxx} failed: ${String(err?.message ?? err).split('\n')[0]}); matrix products stay on XNNPACK`);
}
