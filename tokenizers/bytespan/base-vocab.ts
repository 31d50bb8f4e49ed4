/**
 * The base vocabularies every ByteSpan tokenizer starts from (spec §6). Tokens are GPT-2 byte display
 * strings; a token that starts inside a pre-token carries the WordPiece continuation prefix `##`.
 *
 * New tokenizers list the bytes in byte-value order (the reference walks a hash map, so its ids are fixed
 * only by its published files; loading those files keeps their ids).
 */
import { BYTE_TO_CHAR } from '../byte-unicode.js';

export const PAD_TOKEN = '<|padding|>';
export const EOS_TOKEN = '<|endoftext|>';
export const UNK_TOKEN = '<|unk|>';
export const CONTINUATION_PREFIX = '##';
/** Display form of the space byte: the word-initial marker. */
export const SPACE_CHAR = BYTE_TO_CHAR[0x20]!;

/**
 * Base of the span and BPE-WP trainers, 770 entries: PAD 0, EOS 1, the 256 bytes (ids 2–257), UNK 258,
 * then for each byte k: `Ġk` (skipped for k = `Ġ`) and `##k`.
 */
export function spanBaseVocab(): string[] {
  const vocab = [PAD_TOKEN, EOS_TOKEN, ...BYTE_TO_CHAR, UNK_TOKEN];
  for (const k of BYTE_TO_CHAR) {
    if (k !== SPACE_CHAR) vocab.push(SPACE_CHAR + k);
    vocab.push(CONTINUATION_PREFIX + k);
  }
  return vocab;
}

/**
 * Base of the global trainer, 699 entries: PAD 0, EOS 1, then for each byte k: `Ġk` only when k is a
 * letter (184 of them), `k`, `##k`; UNK last (698).
 */
export function globalBaseVocab(): string[] {
  const vocab = [PAD_TOKEN, EOS_TOKEN];
  for (const k of BYTE_TO_CHAR) {
    if (k !== SPACE_CHAR && /^\p{L}$/u.test(k)) vocab.push(SPACE_CHAR + k);
    vocab.push(k, CONTINUATION_PREFIX + k);
  }
  vocab.push(UNK_TOKEN);
  return vocab;
}
