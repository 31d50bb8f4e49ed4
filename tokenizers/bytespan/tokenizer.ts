/**
 * ByteSpanTokenizer: WordPiece longest-prefix inference over GPT-2 pre-tokens (bytespan-reference.md §11)
 * for vocabularies built by the ByteSpan, global and BPE-WP trainers, with two corrections to the reference:
 * - lossless decoding (B2): `##` markers and the added prefix space are removed (decoders/wordpiece.ts), and by default
 *   the prefix space is added in front of every segment, so `decode(encode(x)) === x` for every
 *   well-formed string (the reference adds it only when the text does not already start with a space, so
 *   `"x"` and `" x"` encode alike; `prefixSpaceRule: 'hub'` keeps that rule);
 * - no length limit (B3): long pre-tokens are segmented like short ones unless `maxInputCharsPerWord` is
 *   set (100 reproduces the reference), and an unmatched byte falls back to its single-byte token.
 *
 * Assembled from parts: added tokens (recognised before pre-tokenization, leftmost, longest first, under
 * the same `allowedSpecial` / `disallowedSpecial` policy as BPETokenizer; each stretch of text between
 * them is a segment) → the prefix space → GPT-2's pre-tokenizer → the WordPiece model
 * (models/wordpiece.ts) → the lossless WordPiece decoder (decoders/wordpiece.ts). No BOS/EOS is added
 * (as in the reference).
 */
import * as path from 'node:path';
import { FileError, writeJsonAtomic } from '../../utils/fs.js';
import { utf8Length } from '../../utils/utf8.js';
import { BaseTokenizer, type EncodeOptions, type SpecialTokenName } from '../base.js';
import { displayToBytes } from '../byte-unicode.js';
import { ByteSpanDecoder } from '../decoders/wordpiece.js';
import {
  configMaxLength,
  type PrefixSpaceRule,
  readHubConfig,
  readWordPieceTokenizerJson,
  SPECIAL_TOKENS_MAP_FILE,
  TOKENIZER_CONFIG_FILE,
  TOKENIZER_JSON_FILE,
  VOCAB_FILE,
  type WordPieceFile,
  wordPieceTokenizerJson,
} from '../io/index.js';
import { WordPieceModel } from '../models/wordpiece.js';
import { isContinuationEntry } from '../models/wordpiece-matcher.js';
import { offsetsFromEnds, type TokenOffsets } from '../offsets.js';
import { AddedTokens } from '../pipeline/added-tokens.js';
import { TokenizerPipeline } from '../pipeline/pipeline.js';
import { splitOnSpecials } from '../pipeline/split-specials.js';
import { pieceEnd } from '../pre-tokenizers/gpt2-scan.js';
import { gpt2PreTokenizer } from '../pre-tokenizers/pre-tokenizer.js';
import type { SpecialTokenPolicy } from '../special-policy.js';
import { EOS_TOKEN, PAD_TOKEN, spanBaseVocab, UNK_TOKEN } from './base-vocab.js';

export interface ByteSpanTokenizerOptions {
  /**
   * Entries in id order: GPT-2 display strings (`Ġthe`), continuation entries prefixed `##` (`##ing`) and
   * the special tokens. Default: the 770-entry span base vocabulary (base-vocab.ts).
   */
  vocab?: readonly string[];
  /** Put a space (`Ġ`) in front of each segment so that word-initial tokens apply (default true). */
  addPrefixSpace?: boolean;
  /**
   * `'always'` (default): the space is added even when the segment starts with one, so decoding can
   * remove it again and is lossless. `'hub'`: HF ByteLevel's rule (not when the segment starts with U+0020),
   * which reproduces the reference's ids; a segment that starts with a space then decodes without it.
   */
  prefixSpaceRule?: PrefixSpaceRule;
  /** Pre-tokens longer than this many bytes become one UNK (reference/Hub: 100). Default null: no limit. */
  maxInputCharsPerWord?: number | null;
  /**
   * For vocabularies that lack some single bytes (never the base vocabularies): true (default) falls back
   * from a missing `##k` to `k` and makes an unmatched byte one UNK; false makes the whole pre-token one
   * UNK, as HF WordPiece does (wordpiece.ts).
   */
  byteFallback?: boolean;
  /**
   * Entries that are special tokens: recognised in text, never produced by WordPiece matching, decoded as
   * their own text. Default: whichever of `<|padding|>`, `<|endoftext|>`, `<|unk|>` are in the vocabulary.
   * Role tokens given below are added.
   */
  specialTokens?: readonly string[];
  /** Role tokens (§11 wrapper settings): default `<|unk|>`, `<|padding|>`, and `<|endoftext|>` for both bos and eos, when present. */
  unkToken?: string | null;
  padToken?: string | null;
  bosToken?: string | null;
  eosToken?: string | null;
  maxLength?: number;
  /** Cached pre-tokens per generation (0 disables the cache). */
  cacheSize?: number;
}

/** Options that reproduce the reference tokenizers (and HF's reading of their files) exactly. */
export const BYTESPAN_HUB_COMPATIBLE: Readonly<
  Pick<ByteSpanTokenizerOptions, 'prefixSpaceRule' | 'maxInputCharsPerWord' | 'byteFallback'>
> = Object.freeze({ prefixSpaceRule: 'hub', maxInputCharsPerWord: 100, byteFallback: false });

export interface ByteSpanEncodeOptions extends EncodeOptions, SpecialTokenPolicy {}

/** Ids with the UTF-8 byte span of each token in the input text (half-open, [starts[i], ends[i])). */
export interface ByteOffsetEncoding {
  ids: number[];
  starts: Uint32Array;
  ends: Uint32Array;
}

const utf8 = new TextEncoder();

export class ByteSpanTokenizer extends BaseTokenizer {
  static override readonly tokenizerType: string = 'bytespan';

  readonly addPrefixSpace: boolean;
  readonly prefixSpaceRule: PrefixSpaceRule;
  readonly maxInputCharsPerWord: number | null;
  readonly byteFallback: boolean;
  readonly #vocab: readonly string[];
  readonly #ids: Map<string, number>;
  /** Literal bytes of each ordinary entry (`##` included); null for specials. */
  readonly #literal: Array<Uint8Array | null>;
  /** Specials (string → id, in id order), recognised in text before anything else. */
  readonly #added: AddedTokens;
  readonly #decoder: ByteSpanDecoder;
  readonly #cacheSize: number;
  /** Null until the constructor has set the roles (the model needs the UNK id). */
  #model: WordPieceModel | null = null;

  constructor(options: ByteSpanTokenizerOptions = {}) {
    super();
    const vocab = options.vocab ?? spanBaseVocab();
    if (!Array.isArray(vocab)) throw new Error('vocab must be an array of token strings in id order');
    const ids = new Map<string, number>();
    vocab.forEach((token: unknown, id) => {
      if (typeof token !== 'string' || token.length === 0) {
        throw new Error(`vocab[${id}] must be a non-empty string, got ${JSON.stringify(token)}`);
      }
      if (ids.has(token))
        throw new Error(`vocab[${id}] ${JSON.stringify(token)} repeats vocab[${ids.get(token)}]`);
      ids.set(token, id);
    });
    this.#vocab = [...vocab];
    this.#ids = ids;
    this.addPrefixSpace = options.addPrefixSpace ?? true;
    this.prefixSpaceRule = options.prefixSpaceRule ?? 'always';
    if (this.prefixSpaceRule !== 'always' && this.prefixSpaceRule !== 'hub') {
      throw new Error(
        `prefixSpaceRule must be 'always' or 'hub', got ${JSON.stringify(this.prefixSpaceRule)}`,
      );
    }
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? null;
    this.byteFallback = options.byteFallback ?? true;
    this.#cacheSize = options.cacheSize ?? 65536;
    if (options.maxLength !== undefined) this.modelMaxLength = options.maxLength;

    const present = (t: string): string | null => (ids.has(t) ? t : null);
    const roles = {
      unk: options.unkToken === undefined ? present(UNK_TOKEN) : options.unkToken,
      pad: options.padToken === undefined ? present(PAD_TOKEN) : options.padToken,
      bos: options.bosToken === undefined ? present(EOS_TOKEN) : options.bosToken,
      eos: options.eosToken === undefined ? present(EOS_TOKEN) : options.eosToken,
    };
    const specialNames = new Set(
      options.specialTokens ?? [PAD_TOKEN, EOS_TOKEN, UNK_TOKEN].filter((t) => ids.has(t)),
    );
    for (const role of Object.values(roles)) if (role !== null) specialNames.add(role);
    for (const s of specialNames) {
      if (!ids.has(s)) throw new Error(`special token ${JSON.stringify(s)} is not in the vocabulary`);
    }
    this.#added = new AddedTokens(
      [...specialNames].map((s) => [s, ids.get(s)!] as const).sort((a, b) => a[1] - b[1]),
    );

    this.#literal = this.#vocab.map((token, id) => {
      if (this.#added.ids.has(token)) return null;
      try {
        return displayToBytes(token);
      } catch (error) {
        throw new Error(`vocab[${id}]: ${(error as Error).message}`);
      }
    });
    this.#decoder = new ByteSpanDecoder(
      this.#literal,
      this.#vocab.map((token) => (this.#added.ids.has(token) ? utf8.encode(token) : null)),
      this.addPrefixSpace,
    );
    this.unkToken = roles.unk;
    this.padToken = roles.pad;
    this.bosToken = roles.bos;
    this.eosToken = roles.eos;
    this.#assemble();
  }

  /** The model depends on the UNK id, so a new UNK role rebuilds it (and drops cached pieces). */
  protected override setSpecialToken(name: SpecialTokenName, token: string | null): void {
    super.setSpecialToken(name, token);
    if (name === 'unkToken' && this.#model !== null) this.#assemble();
  }

  /** specials → prefix space → GPT-2 pre-tokenizer → WordPiece → the lossless WordPiece decoder. */
  #assemble(): void {
    this.#model = new WordPieceModel(this.#literal, {
      maxInputCharsPerWord: this.maxInputCharsPerWord,
      byteFallback: this.byteFallback,
      unkId: this.unkTokenId,
      cacheSize: this.#cacheSize,
    });
    this.pipeline = new TokenizerPipeline({
      added: this.#added,
      normalizer: this.addPrefixSpace
        ? (segment: string) => (this.#addsPrefix(segment) ? ` ${segment}` : segment)
        : null,
      preTokenizer: gpt2PreTokenizer,
      model: this.#model,
      decoder: this.#decoder,
    });
  }

  get vocabSize(): number {
    return this.#vocab.length;
  }

  /** The entries in id order. */
  get vocab(): readonly string[] {
    return this.#vocab;
  }

  /** Special tokens in id order. */
  override get allSpecialTokens(): string[] {
    return [...this.#added.ids.keys()];
  }

  /** `encode` plus the UTF-8 byte span of each token in `text` (the added prefix space has no width). */
  encodeWithByteOffsets(text: string, options: ByteSpanEncodeOptions = {}): ByteOffsetEncoding {
    const specials = this.#added.recognised(text, options);
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let at = 0;
    for (const seg of splitOnSpecials(text, specials)) {
      if (seg.special) {
        ids.push(this.#added.ids.get(seg.text)!);
        starts.push(at);
        at += utf8Length(seg.text, 0, seg.text.length);
        ends.push(at);
        continue;
      }
      const added = this.#addsPrefix(seg.text) ? 1 : 0;
      const virtual = added === 1 ? ` ${seg.text}` : seg.text;
      let v = 0; // byte offset in `virtual`
      const n = virtual.length;
      for (let i = 0; i < n; ) {
        const e = pieceEnd(virtual, i, n);
        const pieceBytes = utf8Length(virtual, i, e);
        const first = ids.length;
        this.#model!.encodePiece(virtual, i, e, ids);
        const count = ids.length - first;
        for (let k = first; k < ids.length; k++) {
          const id = ids[k]!;
          const literal = this.#literal[id];
          // UNK alone stands for the whole pre-token; among other tokens, for one byte.
          let len = literal == null ? (count === 1 ? pieceBytes : 1) : literal.length;
          if (k > first && literal != null && isContinuationEntry(literal)) len -= 2;
          starts.push(at + Math.max(0, v - added));
          v += len;
          ends.push(at + Math.max(0, v - added));
        }
        i = e;
      }
      at += Math.max(0, v - added);
    }
    return { ids, starts: Uint32Array.from(starts), ends: Uint32Array.from(ends) };
  }

  #addsPrefix(segment: string): boolean {
    return this.addPrefixSpace && (this.prefixSpaceRule === 'always' || segment.charCodeAt(0) !== 0x20);
  }

  /** Offsets from the decoder: how a `##` entry reads depends on the character before it. */
  override encodeWithOffsets(text: string, options: ByteSpanEncodeOptions = {}): TokenOffsets {
    const ids = this.encode(text, options);
    const ends = new Uint32Array(ids.length);
    this.#decoder.decodeWith(ids, { stripPrefixSpace: this.addPrefixSpace, skipSpecialTokens: false, ends });
    return offsetsFromEnds(text, ids, ends);
  }

  /** The bytes of one token read on its own, its prefix space included (`Ġthe` → " the"). */
  override tokenBytes(id: number): Uint8Array | null {
    if (!(Number.isInteger(id) && id >= 0 && id < this.vocabSize)) return null;
    return this.#decoder.decodeWith([id], { stripPrefixSpace: false, skipSpecialTokens: false });
  }

  override get insertsPrefixSpace(): boolean {
    return this.addPrefixSpace;
  }

  /** The entries of the tokens of `text` (`Ġthe`, `##ing`; specials as themselves). */
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.#vocab[id]!);
  }

  tokenToId(token: string): number | undefined {
    return this.#ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) ? this.#vocab[id] : undefined;
  }

  getVocab(): Map<string, number> {
    return new Map(this.#ids);
  }

  #fileData(): WordPieceFile {
    return {
      vocab: [...this.#vocab],
      addedTokens: [...this.#added.ids].map(([content, id]) => ({ id, content, special: true })),
      unkToken: this.unkToken ?? UNK_TOKEN,
      maxInputCharsPerWord: this.maxInputCharsPerWord,
      addPrefixSpace: this.addPrefixSpace,
      prefixSpaceRule: this.prefixSpaceRule,
    };
  }

  /**
   * Writes `tokenizer.json` (HF WordPiece, loadable by the `tokenizers` library with identical ids),
   * `vocab.json`, `special_tokens_map.json` and, last, `tokenizer_config.json`; each file atomically.
   */
  protected writeFiles(dir: string): void {
    if (this.unkToken === null) {
      throw new Error(
        'cannot save a WordPiece tokenizer.json without an unk token (HF requires one); set unkToken',
      );
    }
    writeJsonAtomic(path.join(dir, TOKENIZER_JSON_FILE), wordPieceTokenizerJson(this.#fileData()));
    writeJsonAtomic(path.join(dir, VOCAB_FILE), Object.fromEntries(this.#ids));
    const map: Record<string, string> = {};
    for (const [key, value] of [
      ['bos_token', this.bosToken],
      ['eos_token', this.eosToken],
      ['unk_token', this.unkToken],
      ['pad_token', this.padToken],
    ] as const) {
      if (value !== null) map[key] = value;
    }
    writeJsonAtomic(path.join(dir, SPECIAL_TOKENS_MAP_FILE), map);
    writeJsonAtomic(path.join(dir, TOKENIZER_CONFIG_FILE), {
      ...this.baseConfig(),
      tokenizer_class: 'PreTrainedTokenizerFast',
      add_prefix_space: this.addPrefixSpace,
      prefix_space_rule: this.prefixSpaceRule,
      max_input_chars_per_word: this.maxInputCharsPerWord,
      byte_fallback: this.byteFallback,
      clean_up_tokenization_spaces: false,
      special_tokens: Object.fromEntries(this.#added.ids),
    });
  }

  /**
   * Loads a directory saved by `savePretrained`, or a reference-published one (`tokenizer.json` with a
   * WordPiece model, HF `tokenizer_config.json` / `special_tokens_map.json`): ids, specials, prefix-space
   * rule and length limit come from `tokenizer.json`, so a reference file loads Hub-compatible.
   * `overrides` replaces any of them (e.g. `{ maxInputCharsPerWord: null }` to lift the limit).
   */
  static fromPretrained(dir: string, overrides: ByteSpanTokenizerOptions = {}): ByteSpanTokenizer {
    const { config: c, configFile, role } = readHubConfig(dir, ByteSpanTokenizer.tokenizerType);
    const file = readWordPieceTokenizerJson(path.join(dir, TOKENIZER_JSON_FILE));
    if (c.byte_fallback !== undefined && typeof c.byte_fallback !== 'boolean') {
      throw new FileError(configFile, '"byte_fallback" must be true or false');
    }
    // tokenizer.json decides; a config saying otherwise was edited by hand or comes from another tokenizer.
    for (const [key, value] of [
      ['add_prefix_space', file.addPrefixSpace],
      ['prefix_space_rule', file.prefixSpaceRule],
      ['max_input_chars_per_word', file.maxInputCharsPerWord],
    ] as const) {
      if (c[key] !== undefined && c[key] !== value) {
        throw new FileError(
          configFile,
          `"${key}" is ${JSON.stringify(c[key])} but ${TOKENIZER_JSON_FILE} gives ${JSON.stringify(value)}`,
        );
      }
    }
    const tokenizer = new ByteSpanTokenizer({
      vocab: file.vocab,
      specialTokens: file.addedTokens.map((t) => t.content),
      unkToken: role('unk_token') ?? file.unkToken,
      padToken: role('pad_token'),
      bosToken: role('bos_token'),
      eosToken: role('eos_token'),
      addPrefixSpace: file.addPrefixSpace,
      prefixSpaceRule: file.prefixSpaceRule,
      maxInputCharsPerWord: file.maxInputCharsPerWord,
      // Not expressible in tokenizer.json: a file without the field gets HF's behaviour.
      byteFallback: (c.byte_fallback as boolean | undefined) ?? false,
      maxLength: configMaxLength(c),
      ...overrides,
    });
    if (c.vocab_size !== undefined && c.vocab_size !== tokenizer.vocabSize) {
      throw new FileError(
        configFile,
        `vocab_size is ${JSON.stringify(c.vocab_size)} but tokenizer.json defines ${tokenizer.vocabSize} ids`,
      );
    }
    return tokenizer;
  }
}
