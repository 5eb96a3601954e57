// A checkpoint directory as a ready model and its tokenizer: the one way stages, probes, skill checks and benches load
// one (after initBackend). Training resumes through its own path (src/train/sft.ts, grpo.ts), which also restores the
// optimizer.
import { Tokenizer } from '../text/tokenizer';
import { loadCheckpoint, type Checkpoint } from './checkpoint';
import { createTransformer, type Transformer } from './transformer';

export interface LoadedModel {
  model: Transformer;
  tok: Tokenizer;
  /** the checkpoint itself (config, content hash, meta) */
  ck: Checkpoint & { contentHash: string };
}

/**
 * Load `dir` (errors name it as `label`) into a transformer and its tokenizer. `trainable` only matters for callers
 * that take gradients (probes); evaluation and sampling leave it false.
 */
export function loadModel(dir: string, o: { label?: string; trainable?: boolean } = {}): LoadedModel {
  const ck = loadCheckpoint(dir, o.label ?? 'checkpoint');
  return { model: createTransformer(ck.config, { weights: ck.weights }, o.trainable ?? false), tok: Tokenizer.fromJSON(ck.tokenizer as never), ck };
}
