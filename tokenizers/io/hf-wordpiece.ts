/**
 * HF `tokenizer.json` with a WordPiece model, as the reference publishes its ByteSpan tokenizers
 * (bytespan-reference.md §11) and as ByteSpanTokenizer saves them.
 *
 * Ids come from the file (never recomputed). What the file says about pre-tokenization is read back into
 * tokenizer options, so the HF `tokenizers` library and this port encode a saved file identically:
 * - `normalizer: Prepend(" ")` (written by this port) ⇒ a space before every segment, always;
 * - no normalizer and `ByteLevel.add_prefix_space: true` (the reference) ⇒ HF's rule: a space unless the
 *   segment already starts with one;
 * - `max_input_chars_per_word` ⇒ the UNK length limit (NO_WORD_LIMIT, written for "none", reads as null).
 * The decoder is not read: decoding is always the lossless one of decoders/wordpiece.ts.
 */
import { FileError, readJsonFile } from '../../utils/fs.js';
/** `max_input_chars_per_word` written when there is no limit (HF needs an integer; 2^53 − 1 fits usize). */
export const NO_WORD_LIMIT = Number.MAX_SAFE_INTEGER;

/** How the encoder adds the prefix space (only when `addPrefixSpace`). */
export type PrefixSpaceRule = 'always' | 'hub';

export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

/** What a WordPiece `tokenizer.json` defines, in this port's terms. */
export interface WordPieceFile {
  /** Entries in id order (specials included, as in the reference's vocabularies). */
  vocab: string[];
  addedTokens: AddedToken[];
  unkToken: string;
  maxInputCharsPerWord: number | null;
  addPrefixSpace: boolean;
  prefixSpaceRule: PrefixSpaceRule;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Vocabulary `{token: id}` → entries in id order; ids must be exactly 0 … n−1. */
function vocabInIdOrder(file: string, map: unknown): string[] {
  if (!isObject(map)) throw new FileError(file, 'model.vocab must be a JSON object {token: id}');
  const entries = Object.entries(map);
  const vocab = new Array<string | undefined>(entries.length);
  for (const [token, id] of entries) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= entries.length) {
      throw new FileError(
        file,
        `model.vocab: id of ${JSON.stringify(token)} must be an integer in [0, ${entries.length}), got ${JSON.stringify(id)}`,
      );
    }
    if (vocab[id] !== undefined) {
      throw new FileError(
        file,
        `model.vocab: id ${id} is used by ${JSON.stringify(vocab[id])} and ${JSON.stringify(token)}`,
      );
    }
    vocab[id] = token;
  }
  return vocab as string[];
}

function prefixSpaceFromFile(
  file: string,
  json: Record<string, unknown>,
): { addPrefixSpace: boolean; prefixSpaceRule: PrefixSpaceRule } {
  const pre = json.pre_tokenizer;
  if (!isObject(pre) || pre.type !== 'ByteLevel') {
    throw new FileError(
      file,
      `pre_tokenizer must be ByteLevel, got ${JSON.stringify(isObject(pre) ? pre.type : pre)}`,
    );
  }
  if (pre.use_regex === false) {
    throw new FileError(
      file,
      'pre_tokenizer.use_regex = false is not supported (ByteSpan splits with the GPT-2 regex)',
    );
  }
  const norm = json.normalizer ?? null;
  if (norm === null) return { addPrefixSpace: pre.add_prefix_space !== false, prefixSpaceRule: 'hub' };
  if (isObject(norm) && norm.type === 'Prepend' && norm.prepend === ' ') {
    return { addPrefixSpace: true, prefixSpaceRule: 'always' };
  }
  throw new FileError(
    file,
    `normalizer ${JSON.stringify(norm)} is not supported (expected null, or Prepend " " as written by this port)`,
  );
}

/** Reads a WordPiece `tokenizer.json` (reference-published or saved by this port). */
export function readWordPieceTokenizerJson(file: string): WordPieceFile {
  const json = readJsonFile(file, 'tokenizer.json');
  if (!isObject(json)) throw new FileError(file, 'expected a JSON object');
  const model = json.model;
  if (!isObject(model)) throw new FileError(file, 'missing "model"');
  if (model.type !== 'WordPiece') {
    throw new FileError(file, `model.type is ${JSON.stringify(model.type)}, expected "WordPiece"`);
  }
  const prefix = model.continuing_subword_prefix ?? '##';
  if (prefix !== '##') {
    throw new FileError(
      file,
      `model.continuing_subword_prefix is ${JSON.stringify(prefix)}; only "##" is supported`,
    );
  }
  const vocab = vocabInIdOrder(file, model.vocab);
  const ids = new Map(vocab.map((t, id) => [t, id]));
  const unkToken = model.unk_token;
  if (typeof unkToken !== 'string' || !ids.has(unkToken)) {
    throw new FileError(file, `model.unk_token ${JSON.stringify(unkToken)} is not in model.vocab`);
  }
  const limit = model.max_input_chars_per_word ?? 100;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    throw new FileError(
      file,
      `model.max_input_chars_per_word must be a positive integer, got ${JSON.stringify(limit)}`,
    );
  }
  const added = json.added_tokens ?? [];
  if (!Array.isArray(added)) throw new FileError(file, '"added_tokens" must be an array');
  const addedTokens = added.map((t: unknown, k): AddedToken => {
    if (!isObject(t) || typeof t.content !== 'string' || typeof t.id !== 'number') {
      throw new FileError(file, `added_tokens[${k}] needs a string "content" and a numeric "id"`);
    }
    if (ids.get(t.content) !== t.id) {
      throw new FileError(
        file,
        `added_tokens[${k}] ${JSON.stringify(t.content)} has id ${t.id} but model.vocab gives ${ids.get(t.content) ?? 'none'}`,
      );
    }
    return { id: t.id, content: t.content, special: t.special !== false };
  });
  return {
    vocab,
    addedTokens,
    unkToken,
    maxInputCharsPerWord: limit >= NO_WORD_LIMIT ? null : limit,
    ...prefixSpaceFromFile(file, json),
  };
}

/**
 * Escapes a string for an Oniguruma regex (HF `tokenizers` compiles Replace patterns with it; there `^`
 * matches at every line start, hence `\A` below).
 */
function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The `tokenizer.json` object for `data`. The decoder gets HF as close to the lossless decode as its
 * per-token pipeline allows: a leading `##` is removed from each token before the byte mapping, then the
 * prefix space at the start and after each added token. (HF cannot tell a `##…` entry used literally at a
 * pre-token start from a continuation, so its decode of e.g. a line-initial `###` loses the `##`.)
 */
export function wordPieceTokenizerJson(data: WordPieceFile): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  data.vocab.forEach((t, id) => {
    vocab[t] = id;
  });
  const hubSpace = data.addPrefixSpace && data.prefixSpaceRule === 'hub';
  const byteLevel = { type: 'ByteLevel', add_prefix_space: hubSpace, trim_offsets: true, use_regex: true };
  const decoders: Array<Record<string, unknown>> = [
    { type: 'Replace', pattern: { Regex: '\\A##' }, content: '' },
    byteLevel,
  ];
  if (data.addPrefixSpace) {
    const after = data.addedTokens.map((t) => escapeRegex(t.content)).join('|');
    decoders.push({
      type: 'Replace',
      pattern: { Regex: after.length > 0 ? `(?:\\A|(?<=${after})) ` : '\\A ' },
      content: '',
    });
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: data.addedTokens.map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: t.special,
    })),
    normalizer:
      data.addPrefixSpace && data.prefixSpaceRule === 'always' ? { type: 'Prepend', prepend: ' ' } : null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: { type: 'Sequence', decoders },
    model: {
      type: 'WordPiece',
      unk_token: data.unkToken,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: data.maxInputCharsPerWord ?? NO_WORD_LIMIT,
      vocab,
    },
  };
}
