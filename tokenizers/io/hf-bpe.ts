/**
 * HF `tokenizer.json` with a byte-level BPE model: read (added tokens become specials) and written with
 * the ByteLevel pre-tokenizer and decoder, so HF `tokenizers` loads it with the same ids.
 */
import { FileError, readJsonFile } from '../../utils/fs.js';
import type { PreTokenizerSpec } from '../pre-tokenizers/pre-tokenizer.js';
import { type BPEFiles, displayBytes, type Merge, vocabFromDisplayMap } from './vocab-merges.js';

/** HF `tokenizer.json` with a byte-level BPE model; added tokens become specials. */
export function readBPETokenizerJson(file: string): BPEFiles {
  const json = readJsonFile(file, 'tokenizer.json') as Record<string, unknown> | null;
  const model = json?.model as Record<string, unknown> | undefined;
  if (model === undefined || model === null || typeof model !== 'object')
    throw new FileError(file, 'missing "model"');
  if (model.type !== undefined && model.type !== 'BPE') {
    throw new FileError(file, `model.type is ${JSON.stringify(model.type)}, expected "BPE"`);
  }
  if (model.ignore_merges === true) {
    throw new FileError(
      file,
      'model.ignore_merges = true is not supported (pieces in the vocabulary would skip merging)',
    );
  }
  const added = json?.added_tokens ?? [];
  if (!Array.isArray(added)) throw new FileError(file, '"added_tokens" must be an array');
  const specials: Array<[string, number]> = [];
  for (const t of added as Array<Record<string, unknown>>) {
    if (typeof t?.content !== 'string' || typeof t.id !== 'number') {
      throw new FileError(
        file,
        `added token ${JSON.stringify(t)} needs a string "content" and a numeric "id"`,
      );
    }
    specials.push([t.content, t.id]);
  }
  const vocab = vocabFromDisplayMap(file, model.vocab, new Set(specials.map(([s]) => s)));
  if (!Array.isArray(model.merges)) throw new FileError(file, 'model.merges must be an array');
  const merges: Merge[] = (model.merges as unknown[]).map((m, k) => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((p) => typeof p !== 'string')) {
      throw new FileError(
        file,
        `model.merges[${k}] must be [left, right] or "left right", got ${JSON.stringify(m)}`,
      );
    }
    return [
      displayBytes(file, pair[0], `model.merges[${k}]`),
      displayBytes(file, pair[1], `model.merges[${k}]`),
    ];
  });
  return { vocab, merges, specials };
}

/** HF `tokenizer.json`'s ByteLevel pre-tokenizer / decoder: GPT-2's regex and byte alphabet, no prefix space. */
export const HF_BYTE_LEVEL = {
  type: 'ByteLevel',
  add_prefix_space: false,
  trim_offsets: true,
  use_regex: true,
};

/** HF `added_tokens` entries for special tokens matched verbatim. */
export function hfAddedTokens(specials: ReadonlyArray<readonly [string, number]>): object[] {
  return specials.map(([content, id]) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
}

/**
 * The `tokenizer.json` object of a byte-level BPE tokenizer: `vocab` (display form, specials included)
 * and `merges` in display form, the specials as added tokens, the pre-tokenizer as HF spells it.
 */
export function bpeTokenizerJson(
  vocab: Record<string, number>,
  merges: ReadonlyArray<readonly [string, string]>,
  specials: ReadonlyArray<readonly [string, number]>,
  preTokenizer: PreTokenizerSpec = { type: 'gpt2' },
): Record<string, unknown> {
  const byteLevel = HF_BYTE_LEVEL;
  // HF's ByteLevel pre-tokenizer applies GPT-2's pattern itself; any other pattern is a Split before it.
  const noRegex = { ...byteLevel, use_regex: false };
  const preTokenizerJson =
    preTokenizer.type === 'gpt2'
      ? byteLevel
      : preTokenizer.type === 'none'
        ? noRegex
        : {
            type: 'Sequence',
            pretokenizers: [
              {
                type: 'Split',
                pattern: { Regex: preTokenizer.pattern },
                behavior: 'Isolated',
                invert: false,
              },
              noRegex,
            ],
          };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: hfAddedTokens(specials),
    normalizer: null,
    pre_tokenizer: preTokenizerJson,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}
