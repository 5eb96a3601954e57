// A data-parallel helper thread: its own tfjs backend and model copy; weights come from (and gradient sums go to)
// SharedArrayBuffers owned by the main thread's DataParallel.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from './backend.js';
import type { FromWorker, ToWorker, WorkerInit } from './parallel.js';
import { sample } from './sampler.js';
import { computeGrads, type LossFn } from './step.js';
import { createTransformer, setWeights } from './transformer.js';
import { wasmHeapBytes } from './wasm-kernels.js';

const init = workerData as WorkerInit;
const port = parentPort!;

function reply(m: FromWorker): void {
  port.postMessage(m);
}

async function main(): Promise<void> {
  await initBackend(init.backend);
  const weights = new Float32Array(init.weights);
  const gradsOut = new Float32Array(init.grads);
  const model = createTransformer(init.cfg, { weights: weights.slice() });
  const mod = (await import(init.lossModule)) as Record<string, unknown>;
  const lossFn = mod[init.lossExport] as LossFn<unknown> | undefined;
  if (typeof lossFn !== 'function') throw new Error(`${init.lossModule} has no function export '${init.lossExport}'`);
  let version = -1;
  const sync = (v: number) => {
    if (v !== version) {
      setWeights(model, weights.slice()); // copy out of the shared buffer before the main thread can change it
      version = v;
    }
  };
  port.on('message', (msg: ToWorker) => {
    try {
      if (msg.type === 'close') {
        port.close();
        return;
      }
      if (msg.type === 'stats') {
        reply({ type: 'stats', heapBytes: wasmHeapBytes() });
        return;
      }
      sync(msg.version);
      if (msg.type === 'grads') {
        // Σ w·g over this helper's shards (unnormalised; the main thread divides by the global weight)
        gradsOut.fill(0);
        let lossSum = 0;
        let weight = 0;
        for (const s of msg.shards) {
          const g = computeGrads(model, lossFn, s.batch);
          for (let i = 0; i < gradsOut.length; i++) gradsOut[i] += s.weight * g.grads[i];
          lossSum += s.weight * g.loss;
          weight += s.weight;
        }
        reply({ type: 'grads', lossSum, weight });
      } else if (msg.type === 'sample') {
        reply({ type: 'sample', result: sample(model, msg.prompts, msg.opts) });
      }
    } catch (err) {
      reply({ type: 'error', message: (err as Error).message });
    }
  });
  reply({ type: 'ready' });
}

main().catch((err) => reply({ type: 'error', message: (err as Error).message }));
