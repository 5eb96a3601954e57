// Learning-rate schedules as pure functions of the step, so a resumed run computes the same rate.
import { z } from 'zod';

export const LrScheduleSchema = z.object({
  kind: z.enum(['constant', 'cosine']).default('constant').describe('constant, or cosine decay after a linear warm-up'),
  lr: z.number().positive().max(1).describe('peak learning rate'),
  warmupSteps: z.number().int().min(0).max(1_000_000).default(0).describe('linear warm-up steps (cosine only)'),
  minRatio: z.number().min(0).max(1).default(0.1).describe('floor of the cosine as a fraction of lr'),
});
export type LrSchedule = z.infer<typeof LrScheduleSchema>;

/** Learning rate at optimizer step `step` (0-based) of `totalSteps`. */
export function learningRate(s: LrSchedule, step: number, totalSteps: number): number {
  if (s.kind === 'constant') return s.lr;
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, totalSteps - s.warmupSteps);
  const t = Math.min(1, (step - s.warmupSteps) / span);
  const floor = s.lr * s.minRatio;
  return floor + 0.5 * (s.lr - floor) * (1 + Math.cos(Math.PI * t));
}
