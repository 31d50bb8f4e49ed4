/**
 * HF `tokenizer.json` with a Unigram model over byte-level pieces (ByteLevel pre-tokenizer and decoder,
 * so the HF `tokenizers` package loads it with the same ids).
 */
import { FileError, readJsonFile } from '../../utils/fs.js';
import { HF_BYTE_LEVEL, hfAddedTokens } from './hf-bpe.js';

/** What a Unigram `tokenizer.json` defines: pieces [display string, score] in id order, added tokens. */
export interface UnigramFile {
  vocab: Array<[string, number]>;
  addedTokens: string[];
}

/** The `tokenizer.json` object for pieces (specials among them, score 0) and the specials with their ids. */
export function unigramTokenizerJson(
  vocab: ReadonlyArray<readonly [string, number]>,
  specials: ReadonlyArray<readonly [string, number]>,
): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: hfAddedTokens(specials),
    normalizer: null,
    pre_tokenizer: HF_BYTE_LEVEL,
    post_processor: null,
    decoder: HF_BYTE_LEVEL,
    model: { type: 'Unigram', unk_id: null, byte_fallback: false, vocab },
  };
}

/** Reads a Unigram `tokenizer.json` (pieces are checked by the model that is built from them). */
export function readUnigramTokenizerJson(file: string): UnigramFile {
  const json = readJsonFile(file, 'tokenizer.json') as {
    model?: { type?: unknown; vocab?: unknown };
    added_tokens?: Array<{ content?: unknown }>;
  } | null;
  if (json?.model?.type !== 'Unigram') {
    throw new FileError(file, `model.type is ${JSON.stringify(json?.model?.type)}, expected "Unigram"`);
  }
  const vocab = json.model.vocab;
  if (!Array.isArray(vocab)) throw new FileError(file, 'model.vocab must be an array of [piece, score]');
  const added = (json.added_tokens ?? []).map((t, k) => {
    if (typeof t?.content !== 'string')
      throw new FileError(file, `added_tokens[${k}] needs a string "content"`);
    return t.content;
  });
  return { vocab: vocab as Array<[string, number]>, addedTokens: added };
}
