/**
 * HF / GPT-2 `vocab.json` + `merges.txt` (also GPT-2's data-gym `encoder.json` + `vocab.bpe`), and the
 * byte-string helpers every byte-level BPE format shares (bpe-reference.md §9). Token bytes are
 * Uint8Arrays in memory; the GPT-2 display alphabet (byte-unicode.ts) is used only inside the files.
 */
import * as path from 'node:path';
import { FileError, readJsonFile, readTextFile, writeFileAtomic, writeJsonAtomic } from '../../utils/fs.js';
import { bytesToDisplay, displayToBytes } from '../byte-unicode.js';
import { MERGES_FILE, VOCAB_FILE } from './files.js';

export type Merge = [Uint8Array, Uint8Array];

/** What every reader returns: ordinary tokens, merges in rank order (null: rank mode), specials with ids. */
export interface BPEFiles {
  vocab: Map<number, Uint8Array>;
  merges: Merge[] | null;
  specials: Array<[string, number]>;
}

/** Binary-string key of bytes: one UTF-16 unit per byte, so string order is byte order. */
export function bytesKey(bytes: Uint8Array): string {
  if (bytes.length <= 4096) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

export function displayBytes(file: string, display: string, where: string): Uint8Array {
  try {
    return displayToBytes(display);
  } catch (error) {
    throw new FileError(file, `${where}: ${(error as Error).message}`);
  }
}

export function vocabFromDisplayMap(
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
export function displayVocab(
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

/** Writes `vocab.json` (display vocabulary, specials included) and `merges.txt` into `dir`, each atomically. */
export function writeVocabAndMerges(
  dir: string,
  vocab: Record<string, number>,
  merges: ReadonlyArray<readonly [string, string]>,
): void {
  writeJsonAtomic(path.join(dir, VOCAB_FILE), vocab);
  writeFileAtomic(
    path.join(dir, MERGES_FILE),
    `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}\n`).join('')}`,
  );
}
