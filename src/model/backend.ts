// Backend selection: node-gpu → node → wasm → cpu, with the wasm-only kernel fixes applied once. The main thread
// prints one line naming the backend and why the ones before it were passed over ("backend: wasm (tfjs-node-gpu:
// package not installed; …)") instead of TF.js's "install our node backend" banner, which is switched off
// (docs/toolchain.md, Backends and why tfjs-node is optional).
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { installBlasKernels } from './blas-kernels.js';
import { nativeBlasWhy } from './native-blas.js';
import { installWasmKernels } from './wasm-kernels.js';

export const BACKEND_PREFS = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendPref = (typeof BACKEND_PREFS)[number];
export type BackendName = Exclude<BackendPref, 'auto'>;

export interface BackendInfo {
  /** The backend in use, in BRIDGE_BACKEND's vocabulary. */
  name: BackendName;
  /** tfjs's own name for it ('tensorflow' for both node flavours). */
  tfName: string;
  /** Backends tried before this one, and why each was passed over. */
  skipped: { name: BackendName; why: string }[];
  /**
   * wasm only: the native library its matrix products run on (OpenBLAS's configuration), or null when they stay on
   * XNNPACK (blasWhy says why). Numerics differ between the two in the last bits.
   */
  blas?: string | null;
  blasWhy?: string;
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/** True once initBackend chose wasm: the model code then uses the XNNPACK-friendly custom ops. */
export function isWasm(): boolean {
  return current?.name === 'wasm';
}

/** The backend chosen by initBackend, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current;
}

function parsePref(pref: string): BackendPref {
  if ((BACKEND_PREFS as readonly string[]).includes(pref)) return pref as BackendPref;
  throw new Error(`BRIDGE_BACKEND: unknown backend '${pref}' (allowed: ${BACKEND_PREFS.join(', ')})`);
}

function errText(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return 'package not installed';
  return String(e?.message ?? err).split('\n')[0];
}

async function tryOne(name: BackendName): Promise<string> {
  switch (name) {
    case 'node-gpu':
    case 'node': {
      const pkg = name === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await import(/* @vite-ignore */ pkg);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend(tensorflow) returned false');
      return 'tensorflow';
    }
    case 'wasm': {
      await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) returned false');
      installWasmKernels();
      return 'wasm';
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('setBackend(cpu) returned false');
      return 'cpu';
    }
  }
}

const PACKAGE: Record<BackendName, string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** What computes the matrix products: the native library's name and version ("OpenBLAS 0.3.21"), else XNNPACK. */
export function matmulLibrary(info: BackendInfo): string {
  return info.blas ? info.blas.split(' ').slice(0, 2).join(' ') : 'XNNPACK';
}

/** The one line a command prints: the backend in use and, for each one tried before it, why it was passed over. */
export function backendLine(info: BackendInfo, pref: BackendPref = 'auto'): string {
  const why = info.skipped.map((s) => `${PACKAGE[s.name].replace('@tensorflow/', '')}: ${s.why}`);
  if (pref !== 'auto') why.unshift(`BRIDGE_BACKEND=${pref}`);
  if (info.blas === null && info.blasWhy) why.push(`matrix products on XNNPACK: ${info.blasWhy}`);
  const blas = info.blas ? ` + ${matmulLibrary(info)} matrix products` : '';
  return `backend: ${info.name}${blas}${why.length > 0 ? ` (${why.join('; ')})` : ''}`;
}

/**
 * TF.js's CPU backend prints a banner ("install our node backend") on its first tensor in Node; the backend line
 * says the same thing once and names the cause, so the banner is switched off on the registered CPU backend.
 */
function silenceNodeBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}

silenceNodeBanner(); // before any tensor: model code may create one on the default (CPU) backend before initBackend

async function select(pref: BackendPref): Promise<BackendInfo> {
  const order: BackendName[] = pref === 'auto' ? ['node-gpu', 'node', 'wasm', 'cpu'] : [pref];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      const tfName = await tryOne(name);
      await tf.ready();
      if (name !== 'wasm') return { name, tfName, skipped };
      const blas = installBlasKernels();
      return { name, tfName, skipped, blas: blas?.info ?? null, blasWhy: blas ? '' : nativeBlasWhy() };
    } catch (err) {
      skipped.push({ name, why: errText(err) });
    }
  }
  const why = skipped.map((s) => `${s.name}: ${s.why}`).join('; ');
  throw new Error(`BRIDGE_BACKEND=${pref}: no backend could be initialised (${why})`);
}

/**
 * Pick and initialise the tfjs backend. Idempotent: later calls return the first result; asking for a different
 * explicit backend after one was chosen is an error (the model's ops were already bound to the first).
 */
export async function initBackend(pref: string = process.env.BRIDGE_BACKEND ?? 'auto'): Promise<BackendInfo> {
  const p = parsePref(pref);
  if (current) {
    if (p !== 'auto' && p !== current.name) {
      throw new Error(`BRIDGE_BACKEND=${p}: backend already initialised as '${current.name}' in this process`);
    }
    return current;
  }
  if (!pending) {
    pending = select(p).then(
      (info) => {
        current = info;
        silenceNodeBanner();
        if (isMainThread) process.stderr.write(backendLine(info, p) + '\n');
        return info;
      },
      (err) => {
        pending = null;
        throw err;
      },
    );
  }
  return pending;
}
