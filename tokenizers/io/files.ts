/**
 * The names of every tokenizer file this project reads or writes, and the saved-folder kind that lets
 * saving replace a previous tokenizer folder (and nothing else).
 */
import type { OutputKind } from '../../utils/atomic-directory.js';

export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const TOKENIZER_JSON_FILE = 'tokenizer.json';
export const VOCAB_FILE = 'vocab.json';
export const MERGES_FILE = 'merges.txt';
export const TIKTOKEN_FILE = 'tokenizer.tiktoken';
export const SPECIAL_TOKENS_MAP_FILE = 'special_tokens_map.json';

/**
 * A saved tokenizer folder: what the built-in tokenizers write (and `stats.csv` of the global ByteSpan
 * tokenizers), so saving over one replaces it, and saving over anything else is refused.
 */
export const TOKENIZER_OUTPUT: OutputKind = {
  name: 'tokenizer',
  marker: TOKENIZER_CONFIG_FILE,
  files: [
    TOKENIZER_CONFIG_FILE,
    VOCAB_FILE,
    MERGES_FILE,
    TOKENIZER_JSON_FILE,
    TIKTOKEN_FILE,
    SPECIAL_TOKENS_MAP_FILE,
    'stats.csv',
  ],
};
