/** Model registry: `getModel("Vanilla" | "SASP" | a plugin name, config)`. */
import type { GPTConfig } from '../config.js';
import { isSubclassOf, Registry } from '../utils/registry.js';
import { SASPTransformerModel } from './sasp.js';
import { TransformerModel } from './transformer.js';
import type { ModelOptions } from './types.js';
import { VanillaTransformerModel } from './vanilla.js';

export type ModelClass = new (config: GPTConfig, options?: ModelOptions) => TransformerModel;

const models = new Registry<ModelClass>({
  kind: 'model',
  check: (entry) =>
    isSubclassOf(entry, TransformerModel) ? null : 'expected a subclass of TransformerModel',
});
models.register('Vanilla', VanillaTransformerModel);
models.register('SASP', SASPTransformerModel);

export function registerModel(name: string, model: ModelClass): void {
  models.register(name, model);
}

export function unregisterModel(name: string): void {
  models.unregister(name);
}

export function listModels(): string[] {
  return models.list();
}

/**
 * Builds the model registered as `type`, which must equal `config.model.modelType`: the saved config.json is
 * what `loadModel` rebuilds from, so a disagreement would save weights that load into another class.
 */
export function getModel(type: string, config: GPTConfig, options: ModelOptions = {}): TransformerModel {
  const ctor = models.get(type);
  if (config.model.modelType !== type) {
    throw new Error(
      `getModel("${type}") was given a config with modelType "${config.model.modelType}"; set config.model.modelType`,
    );
  }
  return new ctor(config, options).build();
}
