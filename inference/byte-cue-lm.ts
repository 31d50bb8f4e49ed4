/**
 * The small byte-level transformer that the ByteSpan study trains for cues on a CPU budget: one definition
 * for `npm run demo:bytespan`, `bench:bytespan-budget` and the budget sweep (`bench/byte-lm-train.ts`), so
 * their figures describe the same model. Two layers of width 96 with a 64-byte context: on one core it
 * trains at a few thousand bytes per second, and wider or deeper models learn less per CPU second at these
 * budgets (README, ByteSpan).
 */
import { GPTConfig } from '../config.js';

/** Model and optimiser settings of the study's byte LM (vocabulary and padding come from the tokenizer). */
export const BYTE_CUE_LM = {
  modelType: 'Vanilla',
  blockSize: 64,
  nLayer: 2,
  nHead: 4,
  nEmbd: 96,
  dropout: 0,
  batchSize: 32,
  learningRate: 3e-3,
  weightDecay: 0.1,
} as const;

/** Windows per forward pass and the distance between windows when the study extracts its cues. */
export const BYTE_CUE_LM_EXTRACTION = { batchSize: 32, stride: 32 } as const;

/** A fresh config of the study's byte LM. */
export function byteCueLmConfig(): GPTConfig {
  return GPTConfig.create({ ...BYTE_CUE_LM });
}

/** The schedule of a run of `steps` optimiser steps: a tenth of warm-up, then the trainer's decay. */
export function byteCueLmSchedule(steps: number): { maxSteps: number; warmupSteps: number } {
  return { maxSteps: steps, warmupSteps: Math.floor(steps / 10) };
}

/** Bytes of training text one optimiser step sees. */
export const BYTE_CUE_LM_TOKENS_PER_STEP = BYTE_CUE_LM.batchSize * BYTE_CUE_LM.blockSize;
