/** The trainer registry: `simple` (epochs) and `advanced` (steps), plus user plugins. */

import type { DataLoader } from '../utils/data-loader.js';
import { isSubclassOf, Registry } from '../utils/registry.js';
import type { AdamW } from './adamw.js';
import { AdvancedTrainer } from './advanced-trainer.js';
import { BaseTrainer } from './base-trainer.js';
import { SimpleTrainer } from './simple-trainer.js';
import type { TrainableModel } from './types.js';

export interface TrainerClass {
  // biome-ignore lint/suspicious/noExplicitAny: each trainer defines its own options type
  new (model: TrainableModel, data: DataLoader, optimizer: AdamW, options: any): BaseTrainer;
}

export const trainerRegistry = new Registry<TrainerClass>({
  kind: 'trainer',
  check: (ctor) => (isSubclassOf(ctor, BaseTrainer) ? null : 'it is not a subclass of BaseTrainer'),
});
trainerRegistry.register('simple', SimpleTrainer);
trainerRegistry.register('advanced', AdvancedTrainer);

export function registerTrainer(name: string, ctor: TrainerClass): void {
  trainerRegistry.register(name, ctor);
}

export function listTrainers(): string[] {
  return trainerRegistry.list();
}

/** A new trainer of the registered type `name`. */
export function getTrainer(
  name: string,
  model: TrainableModel,
  data: DataLoader,
  optimizer: AdamW,
  options: object,
): BaseTrainer {
  const Ctor = trainerRegistry.get(name);
  return new Ctor(model, data, optimizer, options);
}
