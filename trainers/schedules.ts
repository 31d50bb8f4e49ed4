/**
 * Learning-rate schedules as pure functions of the optimizer step (0-based), so a resumed run computes
 * exactly the rates of an uninterrupted one.
 */

export type ScheduleName = 'constant' | 'cosine' | 'wsd';
export const SCHEDULE_NAMES: readonly ScheduleName[] = ['constant', 'cosine', 'wsd'];

export interface ScheduleOptions {
  schedule: ScheduleName;
  learningRate: number;
  /** Total optimizer steps of the run. */
  maxSteps: number;
  /** Linear warm-up from 0 over this many steps (cosine and wsd). */
  warmupSteps?: number;
  /** Floor of the decay, as a fraction of learningRate (default 0.1, nanoGPT's min_lr = lr/10). */
  minLrRatio?: number;
  /** Warmup-stable-decay: fraction of maxSteps spent in the final linear decay (default 0.2). */
  decayFraction?: number;
}

/** The learning rate at optimizer step `step` (0-based). */
export function learningRateAt(step: number, options: ScheduleOptions): number {
  const {
    schedule,
    learningRate: lr,
    maxSteps,
    warmupSteps = 0,
    minLrRatio = 0.1,
    decayFraction = 0.2,
  } = options;
  const minLr = lr * minLrRatio;
  if (schedule === 'constant') return lr;
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  if (schedule === 'cosine') {
    if (step >= maxSteps) return minLr;
    const progress = (step - warmupSteps) / Math.max(1, maxSteps - warmupSteps);
    return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (lr - minLr);
  }
  if (schedule === 'wsd') {
    const decaySteps = Math.max(1, Math.round(maxSteps * decayFraction));
    const decayStart = maxSteps - decaySteps;
    if (step < decayStart) return lr;
    if (step >= maxSteps) return minLr;
    return lr - ((step - decayStart + 1) / decaySteps) * (lr - minLr);
  }
  throw new Error(
    `unknown learning-rate schedule "${String(schedule)}"; choose one of ${SCHEDULE_NAMES.join(', ')}`,
  );
}
