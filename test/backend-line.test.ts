// One backend line per command instead of TF.js's "install our node backend" banner (src/model/backend.ts). The CPU
// backend is the one that prints the banner on its first tensor, so the child process runs on it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendLine } from '../src/model/backend';

const ROOT = path.resolve(__dirname, '..');

/** stdout and stderr of a process that initialises BACKEND twice and computes on a tensor. */
function outputOf(backend: string): string {
  const script = [
    "const { initBackend } = await import('./src/model/backend.ts');",
    "const tf = await import('@tensorflow/tfjs');",
    'await initBackend();',
    'await initBackend();',
    'tf.tensor([1, 2, 3]).add(1).dataSync();',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, BRIDGE_BACKEND: backend },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return `${r.stdout}${r.stderr}`;
}

describe('backend line', () => {
  it('names the backend and why each one before it was passed over', () => {
    const skipped = [
      { name: 'node-gpu' as const, why: 'package not installed' },
      { name: 'node' as const, why: 'package not installed' },
    ];
    expect(backendLine({ name: 'wasm', tfName: 'wasm', skipped })).toBe('backend: wasm (tfjs-node-gpu: package not installed; tfjs-node: package not installed)');
    expect(backendLine({ name: 'cpu', tfName: 'cpu', skipped: [] }, 'cpu')).toBe('backend: cpu (BRIDGE_BACKEND=cpu)');
    expect(backendLine({ name: 'node', tfName: 'tensorflow', skipped: [] })).toBe('backend: node');
  });

  it('on wasm, names the native library of the matrix products, or why they stay on XNNPACK', () => {
    const blas = 'OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64 (libopenblas.so.0)';
    expect(backendLine({ name: 'wasm', tfName: 'wasm', skipped: [], blas, blasWhy: '' })).toBe('backend: wasm + OpenBLAS 0.3.21 matrix products');
    expect(backendLine({ name: 'wasm', tfName: 'wasm', skipped: [], blas: null, blasWhy: 'BRIDGE_BLAS=off' })).toBe('backend: wasm (matrix products on XNNPACK: BRIDGE_BLAS=off)');
  });

  it('a process on the CPU backend prints the backend line once and no TF.js banner', () => {
    const out = outputOf('cpu');
    expect(out).not.toMatch(/install our node/);
    expect(out.split('\n').filter((l) => l.startsWith('backend: '))).toEqual(['backend: cpu (BRIDGE_BACKEND=cpu)']);
  }, 120_000);
});
