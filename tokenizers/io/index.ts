/**
 * The one module that reads and writes tokenizer files (one file per format, this entry point on top):
 *
 *   tokenizer_config.json          config.ts        (parsed here only; roles, special_tokens_map.json)
 *   HF tokenizer.json, BPE         hf-bpe.ts        (read and write; byte-level, any pre-tokenizer)
 *   HF tokenizer.json, WordPiece   hf-wordpiece.ts  (ByteSpan: reference-published or saved here)
 *   HF tokenizer.json, Unigram     hf-unigram.ts
 *   vocab.json + merges.txt        vocab-merges.ts  (also GPT-2's encoder.json + vocab.bpe)
 *   .tiktoken ranks                tiktoken.ts      (also the tiktoken npm packages' rank bundles)
 *
 * Tokenizer classes call these from `savePretrained` / `fromPretrained`; nothing else parses these files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileError, readJsonFile, writeJsonAtomic } from '../../utils/fs.js';
import { bytesToDisplay } from '../byte-unicode.js';
import type { PreTokenizerSpec } from '../pre-tokenizers/pre-tokenizer.js';
import { MERGES_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_JSON_FILE, VOCAB_FILE } from './files.js';
import { bpeTokenizerJson, readBPETokenizerJson } from './hf-bpe.js';
import { readTiktoken } from './tiktoken.js';
import {
  type BPEFiles,
  displayVocab,
  type Merge,
  readVocabAndMerges,
  writeVocabAndMerges,
} from './vocab-merges.js';

export * from './config.js';
export * from './files.js';
export * from './hf-bpe.js';
export * from './hf-unigram.js';
export * from './hf-wordpiece.js';
export * from './tiktoken.js';
export * from './vocab-merges.js';

/** Writes a byte-level BPE tokenizer as `tokenizer.json`, `vocab.json` and `merges.txt` in `dir`, each atomically. */
export function writeHuggingFaceFiles(
  dir: string,
  files: BPEFiles & { merges: Merge[] },
  preTokenizer: PreTokenizerSpec = { type: 'gpt2' },
): void {
  const vocab = displayVocab(files.vocab, files.specials);
  const merges = files.merges.map(([a, b]) => [bytesToDisplay(a), bytesToDisplay(b)] as const);
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(
    path.join(dir, TOKENIZER_JSON_FILE),
    bpeTokenizerJson(vocab, merges, files.specials, preTokenizer),
  );
  writeVocabAndMerges(dir, vocab, merges);
}

/**
 * Finds and reads BPE files in `dir`: `tokenizer.json`, else `vocab.json` + `merges.txt`, else
 * `encoder.json` + `vocab.bpe`, else a single `*.tiktoken` (no specials: the caller supplies them).
 */
export function readBPEDirectory(dir: string, specialNames: readonly string[] = []): BPEFiles {
  const at = (name: string): string => path.join(dir, name);
  if (fs.existsSync(at(TOKENIZER_JSON_FILE))) return readBPETokenizerJson(at(TOKENIZER_JSON_FILE));
  if (fs.existsSync(at(VOCAB_FILE))) {
    if (!fs.existsSync(at(MERGES_FILE)))
      throw new FileError(at(MERGES_FILE), `merges file not found (needed with ${VOCAB_FILE})`);
    return readVocabAndMerges(at(VOCAB_FILE), at(MERGES_FILE), specialNames);
  }
  if (fs.existsSync(at('encoder.json')))
    return readVocabAndMerges(at('encoder.json'), at('vocab.bpe'), specialNames);
  const tiktoken = fs.readdirSync(dir).filter((f) => f.endsWith('.tiktoken'));
  if (tiktoken.length === 1) return { vocab: readTiktoken(at(tiktoken[0]!)), merges: null, specials: [] };
  throw new FileError(
    dir,
    `no BPE files found (expected ${TOKENIZER_JSON_FILE}, ${VOCAB_FILE} + ${MERGES_FILE}, encoder.json + vocab.bpe, or one *.tiktoken file)`,
  );
}

/**
 * True for a directory that holds a WordPiece `tokenizer.json` but no `tokenizer_type` in its
 * `tokenizer_config.json` (a reference-published ByteSpan tokenizer), so `loadTokenizer` can route it.
 */
export function isHubWordPieceDirectory(dir: string): boolean {
  const tokenizerJson = path.join(dir, TOKENIZER_JSON_FILE);
  if (!fs.existsSync(tokenizerJson)) return false;
  const configFile = path.join(dir, TOKENIZER_CONFIG_FILE);
  if (fs.existsSync(configFile)) {
    const config = readJsonFile(configFile, 'tokenizer config') as Record<string, unknown> | null;
    if (config !== null && typeof config === 'object' && config.tokenizer_type !== undefined) return false;
  }
  const json = readJsonFile(tokenizerJson, 'tokenizer.json') as { model?: { type?: unknown } } | null;
  return json?.model?.type === 'WordPiece';
}
