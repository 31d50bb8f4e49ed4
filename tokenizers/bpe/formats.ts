/**
 * Readers and writers for byte-level BPE files (bpe-reference.md §9): HF `vocab.json` + `merges.txt`,
 * HF `tokenizer.json`, GPT-2 data-gym `encoder.json` + `vocab.bpe`, tiktoken `.tiktoken` ranks and the
 * rank bundles shipped by the tiktoken npm packages. Token bytes are Uint8Arrays in memory; the GPT-2
 * display alphabet (byte-unicode.ts) is used only inside the files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileError, readJsonFile, readTextFile, writeFileAtomic, writeJsonAtomic } from '../../utils/fs.js';
import { bytesToDisplay, displayToBytes } from '../byte-unicode.js';
import type { PreTokenizerSpec } from '../pre-tokenizers/pre-tokenizer.js';

export type Merge = [Uint8Array, Uint8Array];

/** What every reader returns: ordinary tokens, merges in rank order (null: rank mode), specials with ids. */
export interface BPEFiles {
  vocab: Map<number, Uint8Array>;
  merges: Merge[] | null;
  specials: Array<[string, number]>;
}

export const VOCAB_FILE = 'vocab.json';
export const MERGES_FILE = 'merges.txt';
export const TOKENIZER_JSON_FILE = 'tokenizer.json';
export const TIKTOKEN_FILE = 'tokenizer.tiktoken';

/** Binary-string key of bytes: one UTF-16 unit per byte, so string order is byte order. */
export function bytesKey(bytes: Uint8Array): string {
  if (bytes.length <= 4096) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function displayBytes(file: string, display: string, where: string): Uint8Array {
  try {
    return displayToBytes(display);
  } catch (error) {
    throw new FileError(file, `${where}: ${(error as Error).message}`);
  }
}

function vocabFromDisplayMap(
  file: string,
  map: unknown,
  specials: ReadonlySet<string>,
): Map<number, Uint8Array> {
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new FileError(file, 'vocabulary must be a JSON object {token: id}');
  }
  const vocab = new Map<number, Uint8Array>();
  for (const [token, id] of Object.entries(map as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new FileError(
        file,
        `id of token ${JSON.stringify(token)} must be a non-negative integer, got ${JSON.stringify(id)}`,
      );
    }
    if (specials.has(token)) continue;
    if (vocab.has(id)) throw new FileError(file, `id ${id} is used by two tokens`);
    vocab.set(id, displayBytes(file, token, `token ${JSON.stringify(token)}`));
  }
  return vocab;
}

/** Merges with the 1-based line each came from (errors about a merge name its line). */
function parseMergeLines(file: string, text: string): { merges: Merge[]; lines: number[] } {
  const merges: Merge[] = [];
  const lineNumbers: number[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    if (line.length === 0 || (n === 0 && line.startsWith('#version'))) continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0]!.length === 0 || parts[1]!.length === 0) {
      throw new FileError(file, `line ${n + 1}: expected "left right", got ${JSON.stringify(line)}`);
    }
    merges.push([
      displayBytes(file, parts[0]!, `line ${n + 1}`),
      displayBytes(file, parts[1]!, `line ${n + 1}`),
    ]);
    lineNumbers.push(n + 1);
  }
  return { merges, lines: lineNumbers };
}

/** HF `vocab.json` + `merges.txt` (also GPT-2's `encoder.json` + `vocab.bpe`); a merge whose parts or
 * result are not in the vocabulary is an error naming its line. */
export function readVocabAndMerges(
  vocabFile: string,
  mergesFile: string,
  specialNames: readonly string[] = [],
): BPEFiles {
  const json = readJsonFile(vocabFile, 'vocabulary');
  const names = new Set(specialNames);
  const vocab = vocabFromDisplayMap(vocabFile, json, names);
  const specials: Array<[string, number]> = [];
  for (const name of specialNames) {
    const id = (json as Record<string, unknown>)[name];
    if (typeof id === 'number') specials.push([name, id]);
  }
  const { merges, lines } = parseMergeLines(mergesFile, readTextFile(mergesFile, 'merges file'));
  const known = new Set<string>();
  for (const bytes of vocab.values()) known.add(bytesKey(bytes));
  merges.forEach(([a, b], k) => {
    const ab = new Uint8Array(a.length + b.length);
    ab.set(a);
    ab.set(b, a.length);
    for (const [what, bytes] of [
      ['left token', a],
      ['right token', b],
      ['merged token', ab],
    ] as const) {
      if (!known.has(bytesKey(bytes))) {
        throw new FileError(
          mergesFile,
          `line ${lines[k]}: ${what} ${JSON.stringify(bytesToDisplay(bytes))} is not in ${path.basename(vocabFile)}`,
        );
      }
    }
  });
  return { vocab, merges, specials };
}

/** HF `tokenizer.json` with a byte-level BPE model; added tokens become specials. */
export function readTokenizerJson(file: string): BPEFiles {
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

/** Parses tiktoken ranks text: `base64 rank` per line; ranks become ids. */
export function parseTiktoken(file: string, text: string): Map<number, Uint8Array> {
  const ranks = new Map<number, Uint8Array>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line.length === 0) continue;
    const [b64, rankText, extra] = line.split(' ');
    const rank = Number(rankText);
    if (
      extra !== undefined ||
      b64 === undefined ||
      !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) ||
      !Number.isInteger(rank) ||
      rank < 0
    ) {
      throw new FileError(
        file,
        `line ${n + 1}: expected "base64 rank", got ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    if (ranks.has(rank)) throw new FileError(file, `line ${n + 1}: rank ${rank} appears twice`);
    ranks.set(rank, new Uint8Array(Buffer.from(b64, 'base64')));
  }
  if (ranks.size === 0) throw new FileError(file, 'no ranks found');
  return ranks;
}

export function readTiktoken(file: string): Map<number, Uint8Array> {
  return parseTiktoken(file, readTextFile(file, 'tiktoken ranks file'));
}

/** `.tiktoken` text of the ordinary tokens: a byte string reached twice keeps its lowest id. */
export function formatTiktoken(vocab: ReadonlyMap<number, Uint8Array>): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const id of [...vocab.keys()].sort((a, b) => a - b)) {
    const bytes = vocab.get(id)!;
    const key = bytesKey(bytes);
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`${Buffer.from(bytes).toString('base64')} ${id}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The rank bundles of the tiktoken npm packages: `bpe_ranks` = "tag startRank b64 b64 …" lines. */
export function parseRankBundle(
  source: string,
  bundle: { bpe_ranks: string; special_tokens: Record<string, number> },
): BPEFiles {
  const vocab = new Map<number, Uint8Array>();
  for (const line of bundle.bpe_ranks.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split(' ');
    const start = Number(fields[1]);
    if (!Number.isInteger(start))
      throw new FileError(source, `bad rank line start ${JSON.stringify(fields[1])}`);
    for (let k = 2; k < fields.length; k++)
      vocab.set(start + k - 2, new Uint8Array(Buffer.from(fields[k]!, 'base64')));
  }
  return { vocab, merges: null, specials: Object.entries(bundle.special_tokens) };
}

/**
 * Merges equivalent to a rank table (how tiktoken vocabularies are converted for HF): each multi-byte
 * token, in rank order, is encoded with the ranks below its own; that must leave exactly two parts.
 */
export function ranksToMerges(vocab: ReadonlyMap<number, Uint8Array>): Merge[] {
  const rankOf = new Map<string, number>();
  for (const id of [...vocab.keys()].sort((a, b) => a - b)) {
    const key = bytesKey(vocab.get(id)!);
    if (!rankOf.has(key)) rankOf.set(key, id);
  }
  const merges: Merge[] = [];
  for (const [key, rank] of [...rankOf].sort((a, b) => a[1] - b[1])) {
    if (key.length < 2) continue;
    let parts = key.split('');
    for (;;) {
      let best = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = rankOf.get(parts[i]! + parts[i + 1]!);
        if (r !== undefined && r < rank && r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) break;
      parts = [...parts.slice(0, at), parts[at]! + parts[at + 1]!, ...parts.slice(at + 2)];
    }
    if (parts.length !== 2) {
      throw new Error(
        `token ${JSON.stringify(bytesToDisplay(keyBytes(key)))} (rank ${rank}) is not one merge of lower-ranked tokens`,
      );
    }
    merges.push([keyBytes(parts[0]!), keyBytes(parts[1]!)]);
  }
  return merges;
}

function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/** Display-form vocabulary (ordinary tokens and specials) ordered by id. */
function displayVocab(
  vocab: ReadonlyMap<number, Uint8Array>,
  specials: ReadonlyArray<[string, number]>,
): Record<string, number> {
  const entries: Array<[string, number]> = [];
  const seen = new Set<string>();
  for (const [id, bytes] of vocab) {
    const display = bytesToDisplay(bytes);
    // JSON objects cannot hold a key twice; the lowest id wins, as in rank exports.
    entries.push([display, id]);
  }
  for (const s of specials) entries.push(s);
  entries.sort((a, b) => a[1] - b[1]);
  const out: Record<string, number> = {};
  for (const [token, id] of entries) {
    if (seen.has(token)) continue;
    seen.add(token);
    out[token] = id;
  }
  return out;
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

/** Writes `tokenizer.json`, `vocab.json` and `merges.txt` into `dir` (each atomically). */
export function writeHuggingFaceFiles(
  dir: string,
  files: BPEFiles & { merges: Merge[] },
  preTokenizer: PreTokenizerSpec = { type: 'gpt2' },
): void {
  const vocab = displayVocab(files.vocab, files.specials);
  const merges = files.merges.map(([a, b]) => [bytesToDisplay(a), bytesToDisplay(b)] as [string, string]);
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
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: hfAddedTokens(files.specials),
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
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(path.join(dir, TOKENIZER_JSON_FILE), tokenizerJson);
  writeJsonAtomic(path.join(dir, VOCAB_FILE), vocab);
  writeFileAtomic(
    path.join(dir, MERGES_FILE),
    `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}\n`).join('')}`,
  );
}

/**
 * Finds and reads BPE files in `dir`: `tokenizer.json`, else `vocab.json` + `merges.txt`, else
 * `encoder.json` + `vocab.bpe`, else a single `*.tiktoken` (no specials: the caller supplies them).
 */
export function readBPEDirectory(dir: string, specialNames: readonly string[] = []): BPEFiles {
  const at = (name: string): string => path.join(dir, name);
  if (fs.existsSync(at(TOKENIZER_JSON_FILE))) return readTokenizerJson(at(TOKENIZER_JSON_FILE));
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
