/**
 * Tokenizer training by type: a trainable tokenizer class brings a static `train(data)` that builds a
 * tokenizer from documents, so `createTokenizer` gives an empty one and `trainTokenizer` a trained one
 * (`cleangpt train --tokenizer bpe --vocab-size N`). A user's registered tokenizer trains the same way.
 */
import { Registry } from '../utils/registry.js';
import type { BaseTokenizer } from './base.js';

/** What a trainer is given. */
export interface TokenizerTrainingData {
  /** The training documents (each an iterable of text pieces); called again for every pass over the data. */
  documents: () => AsyncIterable<Iterable<string>>;
  /** Vocabulary size for types that take one (bpe); types that derive it from the data refuse it. */
  vocabSize?: number;
  /** Worker threads where the trainer uses them. */
  numWorkers?: number;
}

/** A tokenizer class that can be trained. */
export interface TrainableTokenizerClass {
  train(data: TokenizerTrainingData): Promise<BaseTokenizer>;
}

/**
 * A trainer registered for a tokenizer type beside the class: for trainers that need more than the
 * tokenizers layer may import (ByteSpan's cue model lives in inference/; trainers/bytespan-tokenizer.ts
 * registers it), or to give a user's tokenizer a trainer without subclassing.
 */
export type TokenizerTrainer = (data: TokenizerTrainingData) => Promise<BaseTokenizer>;

export const tokenizerTrainerRegistry = new Registry<TokenizerTrainer>({
  kind: 'tokenizer trainer',
  check: (trainer) => (typeof trainer === 'function' ? null : 'it is not a function'),
});

/** Registers `trainer` for the tokenizer type `name` (it takes precedence over the class's static `train`). */
export function registerTokenizerTrainer(name: string, trainer: TokenizerTrainer): void {
  tokenizerTrainerRegistry.register(name, trainer);
}

/**
 * True when `ctor` declares its own static `train`: an inherited one would build the parent's kind of
 * vocabulary (GPT-2 and the named encodings extend BPETokenizer but are fixed vocabularies).
 */
export function isTrainable(ctor: object): ctor is TrainableTokenizerClass {
  return (
    Object.hasOwn(ctor, 'train') && typeof (ctor as Partial<TrainableTokenizerClass>).train === 'function'
  );
}

/** The documents as one stream of text with `separator` between documents (so no merge crosses two). */
export async function* joinDocuments(
  documents: AsyncIterable<Iterable<string>>,
  separator: string,
): AsyncGenerator<string> {
  let first = true;
  for await (const document of documents) {
    if (!first) yield separator;
    first = false;
    yield* document;
  }
}
