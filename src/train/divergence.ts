// The divergence guard of the SFT trainer: it watches the moving mean of the per-step loss and stops the run when
// that mean climbs far above its running minimum (a learning rate too high, a broken batch): without it a run with
// --lr 1 drove the loss from 1.2 to 4.5 and finished "successfully". A non-finite loss always stops a run
// (src/train/sft.ts). The settings live in the SFT config (src/train/sft-config.ts).
import { z } from 'zod';

export const DivergenceGuardSchema = z
  .object({
    enabled: z.boolean().default(true).describe('stop a run whose loss diverges (the CLI flag --no-divergence-guard sets false)'),
    window: z.number().int().min(1).max(1000).default(5).describe('steps in the moving mean of the loss that the guard watches'),
    factor: z.number().min(1.1).max(1000).default(2).describe('stop when the moving mean exceeds factor × its running minimum …'),
    minRise: z
      .number()
      .min(0)
      .max(100)
      .default(1)
      .describe('… and exceeds that minimum by at least this many nats (0.05 → 0.15 late in training is noise, not divergence)'),
  })
  .strict();

export type DivergenceSettings = z.infer<typeof DivergenceGuardSchema>;

export const DIVERGENCE_DEFAULTS: DivergenceSettings = DivergenceGuardSchema.parse({});

export interface GuardVerdict {
  /** Why the run must stop now, or null. */
  stop: string | null;
  /** This step's moving mean is a new running minimum: the state after it is a good one to keep. */
  best: boolean;
}

/** Feed it every step's loss in order (also the kept steps of a resumed run, so it decides as the uninterrupted run). */
export class DivergenceGuard {
  private recent: number[] = [];
  private min = Infinity;
  private minStep = -1;

  constructor(private readonly s: DivergenceSettings) {}

  push(step: number, loss: number): GuardVerdict {
    if (!this.s.enabled || !Number.isFinite(loss)) return { stop: null, best: false };
    this.recent.push(loss);
    if (this.recent.length > this.s.window) this.recent.shift();
    if (this.recent.length < this.s.window) return { stop: null, best: false };
    const mean = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
    if (mean < this.min) {
      this.min = mean;
      this.minStep = step;
      return { stop: null, best: true };
    }
    if (mean > this.s.factor * this.min && mean - this.min >= this.s.minRise) {
      return {
        stop:
          `loss diverged: the mean of the last ${this.s.window} losses is ${mean.toFixed(3)}, ${(mean / this.min).toFixed(1)}× its running minimum ` +
          `${this.min.toFixed(3)} (step ${this.minStep})`,
        best: false,
      };
    }
    return { stop: null, best: false };
  }
}
