/**
 * GPT2Tokenizer: GPT-2's byte-level BPE (tiktoken `gpt2` / r50k, 50257 ids) on the project's BPE engine
 * (cleangpt-reference.md §3.4). `<|endoftext|>` = 50256 is EOS, BOS and PAD; no BOS/EOS is added.
 *
 * With no directory the vocabulary comes from the ranks bundled in the `js-tiktoken` dependency, so it
 * works offline; a directory may hold HF `tokenizer.json`, `vocab.json` + `merges.txt`, GPT-2's
 * `encoder.json` + `vocab.bpe`, or a `.tiktoken` file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileError } from '../utils/fs.js';
import { BPETokenizer, type BPETokenizerOptions, END_OF_TEXT } from './bpe/tokenizer.js';
import { bundledEncoderData, requireRankBundle } from './encodings.js';
import {
  type BPEFiles,
  checkVocabSize,
  parseRankBundle,
  readBPEDirectory,
  readTiktoken,
  TOKENIZER_CONFIG_FILE,
} from './io/index.js';

export const GPT2_VOCAB_SIZE = 50257;
export const GPT2_EOT_ID = 50256;

export interface GPT2TokenizerOptions {
  /** Model files; default: the gpt2 ranks bundled with js-tiktoken. */
  files?: BPEFiles;
  /** A pad token other than `<|endoftext|>` (must be in the vocabulary). */
  paddingToken?: string;
  maxLength?: number;
  cacheSize?: number;
  numWorkers?: number;
}

const GPT2_RANKS = 'js-tiktoken/ranks/gpt2';

/** GPT-2's ranks from js-tiktoken (loaded on demand: the module is a 1 MB string). */
export function bundledGpt2Files(): BPEFiles {
  return parseRankBundle(GPT2_RANKS, requireRankBundle(GPT2_RANKS));
}

/** The BPE options of a GPT-2 vocabulary: its files, or the bundled ranks through the encoder cache. */
function gpt2Vocabulary(files: BPEFiles | undefined): BPETokenizerOptions {
  const fromFiles = (f: BPEFiles): BPETokenizerOptions => ({
    vocab: f.vocab,
    merges: f.merges,
    specialTokenIds: { [END_OF_TEXT]: GPT2_EOT_ID, ...Object.fromEntries(f.specials) },
  });
  if (files !== undefined) return fromFiles(files);
  return { encoderData: bundledEncoderData('gpt2', GPT2_RANKS, () => fromFiles(bundledGpt2Files())) };
}

export class GPT2Tokenizer extends BPETokenizer {
  static override readonly tokenizerType: string = 'gpt2';
  protected static override readonly fixedVocabulary: boolean = true;

  constructor(options: GPT2TokenizerOptions = {}) {
    const bpe: BPETokenizerOptions = {
      ...gpt2Vocabulary(options.files),
      eosToken: END_OF_TEXT,
      bosToken: END_OF_TEXT,
      padToken: options.paddingToken ?? END_OF_TEXT,
      maxLength: options.maxLength ?? 1024,
      cacheSize: options.cacheSize,
      numWorkers: options.numWorkers,
    };
    super(bpe);
    if (this.vocabSize !== GPT2_VOCAB_SIZE || this.tokenToId(END_OF_TEXT) !== GPT2_EOT_ID) {
      throw new Error(
        `not a GPT-2 vocabulary: ${this.vocabSize} ids (expected ${GPT2_VOCAB_SIZE}), ${END_OF_TEXT} = ${this.tokenToId(END_OF_TEXT)} (expected ${GPT2_EOT_ID})`,
      );
    }
  }

  /**
   * GPT-2 from `dir` (a directory saved by this class, HF files, or a `.tiktoken` file or directory
   * holding one), or from the bundled ranks when `dir` is omitted or is the name `gpt2`.
   */
  static override fromPretrained(dir?: string): GPT2Tokenizer {
    // The name `gpt2` (when no such path exists) means the bundled vocabulary; any other name is a path.
    if (dir === undefined || (dir === 'gpt2' && !fs.existsSync(dir))) return new GPT2Tokenizer();
    if (!fs.existsSync(dir)) throw new FileError(dir, 'GPT-2 tokenizer directory or file does not exist');
    if (fs.statSync(dir).isFile()) {
      if (!dir.endsWith('.tiktoken')) throw new FileError(dir, 'expected a directory or a .tiktoken file');
      return new GPT2Tokenizer({
        files: { vocab: readTiktoken(dir), merges: null, specials: [[END_OF_TEXT, GPT2_EOT_ID]] },
      });
    }
    let tokenizer: GPT2Tokenizer;
    if (fs.existsSync(path.join(dir, TOKENIZER_CONFIG_FILE))) {
      const options = BPETokenizer.optionsFromDirectory(dir, GPT2Tokenizer.tokenizerType);
      tokenizer = new GPT2Tokenizer({
        files: {
          vocab: options.vocab as Map<number, Uint8Array>,
          merges: (options.merges as BPEFiles['merges']) ?? null,
          specials: Object.entries(options.specialTokenIds ?? {}),
        },
        paddingToken: options.padToken ?? undefined,
        maxLength: options.maxLength,
      });
      checkVocabSize(dir, tokenizer);
    } else {
      tokenizer = new GPT2Tokenizer({ files: readBPEDirectory(dir, [END_OF_TEXT]) });
    }
    return tokenizer;
  }
}
