// Checkpoint resolution: which directory a --init / --ckpt path names. Plain fs only — no tfjs — so the command
// layer and the probes resolve a path before the model code loads (docs/architecture.md, The folders of src/).
import fs from 'node:fs';
import path from 'node:path';

/** A run directory (its final/ checkpoint) or a checkpoint directory. */
export function resolveCheckpoint(p: string): string {
  const final = path.join(p, 'final');
  return fs.existsSync(path.join(final, 'manifest.json')) ? final : p;
}
