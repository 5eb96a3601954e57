// A stage worker: a child process of `bridge reproduce` that runs the stages it is sent over IPC, one at a time, and
// reports progress, results and errors back. One process serves many stages because starting tsx + tfjs-wasm costs
// seconds, a large share of a small stage; a crash loses only the stage it was running (the runner starts a new one).
import { runStageToDone, type StageJob } from './stages';

export type ToWorker = { type: 'run'; job: StageJob };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; id: string; value: number; total: number; info?: string }
  | { type: 'done'; id: string; seconds: number; liveBytes: number }
  | { type: 'error'; id: string; message: string; stack?: string };

const send = (m: FromWorker) => process.send?.(m);

async function handle(job: StageJob): Promise<void> {
  try {
    process.stderr.write(`[stage ${job.id}] start\n`);
    const seconds = await runStageToDone(job, (value, total, info) => send({ type: 'progress', id: job.id, value, total, info }));
    // tensor bytes still alive after the stage: the runner replaces a worker that leaks
    const liveBytes = job.kind === 'splits' || job.kind === 'data' ? 0 : (await import('@tensorflow/tfjs')).memory().numBytes;
    send({ type: 'done', id: job.id, seconds, liveBytes });
  } catch (err) {
    const e = err as Error;
    send({ type: 'error', id: job.id, message: String(e?.message ?? err).split('\n')[0], stack: e?.stack });
  }
}

if (!process.send) {
  process.stderr.write('src/experiments/worker.ts is started by `bridge reproduce` (it needs an IPC channel)\n');
  process.exit(2);
}
// the parent is gone (killed): stop instead of computing results nobody collects
process.on('disconnect', () => process.exit(1));
let queue = Promise.resolve();
process.on('message', (m: ToWorker) => {
  if (m?.type === 'run') queue = queue.then(() => handle(m.job));
});
send({ type: 'ready' });
