/**
 * The tokenizer registry: built-in tokenizers by name, user plugins, and loading a saved tokenizer by the
 * `tokenizer_type` recorded in its `tokenizer_config.json`.
 */
import * as fs from 'node:fs';
import { settleDirectory } from '../utils/atomic-directory.js';
import { isSubclassOf, Registry } from '../utils/registry.js';
import { BaseTokenizer } from './base.js';
import { BPETokenizer } from './bpe/tokenizer.js';
import { ByteLevelTokenizer } from './byte-level.js';
import { ByteSpanTokenizer } from './bytespan/tokenizer.js';
import { CharacterTokenizer } from './character.js';
import { Cl100kTokenizer, O200kTokenizer } from './encodings.js';
import { GPT2Tokenizer } from './gpt2.js';
import { isHubWordPieceDirectory, readTokenizerConfig } from './io/index.js';
import { isTrainable, type TokenizerTrainingData, tokenizerTrainerRegistry } from './training.js';
import { UnigramTokenizer } from './unigram/tokenizer.js';

/** What a registered tokenizer class provides: a constructor taking one options object and a loader. */
export interface TokenizerClass<T extends BaseTokenizer = BaseTokenizer> {
  // biome-ignore lint/suspicious/noExplicitAny: each tokenizer defines its own options type
  new (options?: any): T;
  readonly tokenizerType: string;
  fromPretrained(dir: string): T;
}

export const tokenizerRegistry = new Registry<TokenizerClass>({
  kind: 'tokenizer',
  check: (ctor) => {
    if (!isSubclassOf(ctor, BaseTokenizer)) return 'it is not a subclass of BaseTokenizer';
    if (typeof (ctor as TokenizerClass).fromPretrained !== 'function')
      return 'it has no static fromPretrained(dir)';
    return null;
  },
});

tokenizerRegistry.register('character', CharacterTokenizer);
tokenizerRegistry.register('byte', ByteLevelTokenizer);
tokenizerRegistry.register('bpe', BPETokenizer);
tokenizerRegistry.register('gpt2', GPT2Tokenizer);
tokenizerRegistry.register('bytespan', ByteSpanTokenizer);
tokenizerRegistry.register('unigram', UnigramTokenizer);
tokenizerRegistry.register('cl100k_base', Cl100kTokenizer);
tokenizerRegistry.register('o200k_base', O200kTokenizer);

/**
 * Registers a tokenizer class under `name`. Set a static `tokenizerType` equal to `name` so that saved
 * copies load back through `loadTokenizer`.
 */
export function registerTokenizer(name: string, ctor: TokenizerClass): void {
  tokenizerRegistry.register(name, ctor);
}

export function unregisterTokenizer(name: string): void {
  tokenizerRegistry.unregister(name);
}

export function listTokenizers(): string[] {
  return tokenizerRegistry.list();
}

/** A new tokenizer of the registered type `name` (`char` is accepted for `character`). */
export function createTokenizer(name: string, options?: object): BaseTokenizer {
  const Ctor = tokenizerRegistry.get(name === 'char' ? 'character' : name);
  return new Ctor(options);
}

/** The registered types that can be trained from data (a registered trainer or the class's own `train`). */
export function listTrainableTokenizers(): string[] {
  return tokenizerRegistry
    .list()
    .filter((name) => tokenizerTrainerRegistry.has(name) || isTrainable(tokenizerRegistry.get(name)));
}

/** `TokenizerTrainingData`, or with the documents as plain texts (one string per document). */
export type TokenizerTrainingInput = Omit<TokenizerTrainingData, 'documents'> & {
  documents: TokenizerTrainingData['documents'] | readonly string[];
};

/** The documents in the form trainers read (a fresh pass per call); anything else is an error naming it. */
function trainingData(input: TokenizerTrainingInput): TokenizerTrainingData {
  const { documents } = input;
  if (typeof documents === 'function') return { ...input, documents };
  if (Array.isArray(documents) && documents.every((d) => typeof d === 'string')) {
    const texts = documents as readonly string[];
    return {
      ...input,
      documents: async function* () {
        for (const text of texts) yield [text];
      },
    };
  }
  throw new Error(
    'documents must be a string[] (one text per document) or a function returning an async iterable of documents (e.g. () => readCorpus(files))',
  );
}

/**
 * A tokenizer of the registered type `name` (`char` = `character`) trained on `data` by the trainer
 * registered for it, else by the class's own static `train`; a type with neither is an error listing
 * those that have one.
 */
export async function trainTokenizer(name: string, input: TokenizerTrainingInput): Promise<BaseTokenizer> {
  const data = trainingData(input);
  const type = name === 'char' ? 'character' : name;
  const Ctor = tokenizerRegistry.get(type);
  if (tokenizerTrainerRegistry.has(type)) return tokenizerTrainerRegistry.get(type)(data);
  if (!isTrainable(Ctor)) {
    throw new Error(
      `tokenizer type "${name}" cannot be trained from data (trainable: ${listTrainableTokenizers().join(', ')}); pass a saved tokenizer directory instead`,
    );
  }
  return Ctor.train(data);
}

/**
 * Loads a saved tokenizer, dispatching on `tokenizer_type` in `dir/tokenizer_config.json`; a
 * reference-published ByteSpan folder (WordPiece `tokenizer.json`, HF config without it) loads as `bytespan`.
 */
export function loadTokenizer(dir: string): BaseTokenizer {
  settleDirectory(dir);
  if (isHubWordPieceDirectory(dir)) return ByteSpanTokenizer.fromPretrained(dir);
  const { tokenizer_type: type } = readTokenizerConfig(dir);
  return tokenizerRegistry.get(type).fromPretrained(dir);
}

/**
 * The tokenizer a command-line `--tokenizer` value names: an existing directory is loaded with
 * `loadTokenizer`; anything else must be a registered name (`gpt2`, `byte`, `char`, …) and is created
 * with its defaults. `forEncoding` refuses a tokenizer whose vocabulary is still empty (a `char` built
 * from nothing would map every character to `<unk>`).
 */
export function resolveTokenizer(nameOrDir: string, options: { forEncoding?: boolean } = {}): BaseTokenizer {
  if (fs.existsSync(nameOrDir) && fs.statSync(nameOrDir).isDirectory()) return loadTokenizer(nameOrDir);
  const name = nameOrDir === 'char' ? 'character' : nameOrDir;
  if (!tokenizerRegistry.list().includes(name)) {
    throw new Error(
      `--tokenizer ${JSON.stringify(nameOrDir)} is neither a directory nor a registered tokenizer (${tokenizerRegistry.list().join(', ')})`,
    );
  }
  const tokenizer = createTokenizer(name);
  if (options.forEncoding && tokenizer.untrained) {
    throw new Error(
      `--tokenizer ${nameOrDir}: a new ${name} tokenizer has no vocabulary yet, so every input would be unknown; ` +
        'pass a saved tokenizer directory (cleangpt train saves one under <out>/tokenizer)',
    );
  }
  return tokenizer;
}
