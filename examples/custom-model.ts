/**
 * Registering a custom model: subclass TransformerModel (or a built-in), register the class under a
 * name, and set `config.model.modelType` to that name. The trainer, `loadModel` and the CLI's `--model` then
 * build it through the registry exactly like "Vanilla" and "SASP".
 *
 * The model here is an attention-free baseline: every block is x + MLP(LN(x)), so a position sees only
 * its own token and position and can learn at best next-token-given-this-token statistics. Its bits per
 * byte is the bar a model with attention must clear to show that it uses the context (compare
 * `node dist/examples/train-language-model.js --tokenizer byte`, same sizes and data).
 *
 *   npm run build && node dist/examples/custom-model.js [--steps N] [--out DIR] [FILE...]
 *
 * FILE...: corpus files, default data/kjv.txt (documents separated by blank lines).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import {
  ByteLevelTokenizer,
  dataFile,
  GPTConfig,
  initBackend,
  loadModel,
  registerModel,
  runGeneration,
  TransformerModel,
  trainLanguageModel,
} from '../index.js';

class MlpOnlyModel extends TransformerModel {
  /** Parameters are named `transformer.h.{layer}.…`; embeddings, final LayerNorm and head come from the base. */
  protected buildBlocks(): void {
    for (let i = 0; i < this.config.model.nLayer; i++) {
      this.addLayerNorm(`transformer.h.${i}.ln`);
      this.addMlp(`transformer.h.${i}.mlp`, this.config.model.llamaMlp);
    }
  }

  /** x holds [batch·time, nEmbd]; no attention, so the KV cache in the third argument is not needed. */
  protected block(layer: number, x: tf.Tensor2D): tf.Tensor2D {
    const p = `transformer.h.${layer}`;
    return tf.add(x, this.mlp(`${p}.mlp`, this.layerNorm(`${p}.ln`, x) as tf.Tensor2D)) as tf.Tensor2D;
  }
}

registerModel('MlpOnly', MlpOnlyModel);

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '150' },
    out: { type: 'string', default: path.join('out', 'examples', 'custom-model') },
  },
});
const steps = Number(args.steps);
if (!Number.isInteger(steps) || steps < 1)
  throw new Error(`--steps must be a positive integer, got ${args.steps}`);
const files = positionals.length > 0 ? positionals : [dataFile('kjv.txt')];

await initBackend();
const tokenizer = new ByteLevelTokenizer();
const config = GPTConfig.create({
  modelType: 'MlpOnly', // trainLanguageModel builds whichever class is registered under this name
  blockSize: 64,
  nLayer: 2,
  nHead: 4, // unused by this model, but part of every config
  nEmbd: 64,
  dropout: 0,
  batchSize: 16,
  learningRate: 3e-3,
});
const { model, final, outDir } = await trainLanguageModel({
  config,
  tokenizer,
  inputs: files,
  documentSeparator: '\n\n',
  outDir: path.resolve(args.out),
  maxSteps: steps,
  evalInterval: Math.max(1, Math.floor(steps / 2)),
  evalBatches: 5,
});
if (final === null) throw new Error('the corpus is too short to hold out a validation block');
console.log(
  `MlpOnly: ${model.numParams()} parameters, validation loss ${final.loss.toFixed(4)} nats/token, ` +
    `bits per byte ${final.bitsPerByte?.toFixed(4)}`,
);

// config.json records the model type, so loading goes through the registry and rebuilds the class.
const reloaded = loadModel(outDir);
console.log(`reloaded from ${outDir} as ${reloaded.constructor.name}`);
const { text } = runGeneration(reloaded, tokenizer, 'And God said', { maxNewTokens: 60, seed: 1 });
console.log(`sample: ${text.replace(/\s+/g, ' ').trim()}`);
