/**
 * The tiktoken-style policy for special tokens found in input text: which ones are recognised as
 * specials, and which ones are an error (BPETokenizer's and ByteSpanTokenizer's `encode`).
 */
import { specialsRegex } from './bpe/pretokenize.js';

export interface SpecialTokenPolicy {
  /** Specials recognised as specials (default `'all'` registered ones); others are ordinary text. */
  allowedSpecial?: 'all' | Iterable<string>;
  /**
   * Specials whose presence in the text is an error. `'all'` or `'raise'`: every registered special that is
   * not allowed (tiktoken's default). Default: none, so a non-allowed special is ordinary text.
   */
  disallowedSpecial?: 'all' | 'raise' | Iterable<string>;
}

/**
 * The regex of the specials to recognise in `text` (null: none), after raising on any disallowed special
 * that occurs in it. `registered`: the tokenizer's specials (a set, or a map keyed by them); `all` is the
 * prebuilt regex of every registered special (the common case).
 */
export function specialsForPolicy(
  text: string,
  registered: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  all: RegExp | null,
  policy: SpecialTokenPolicy,
): RegExp | null {
  const { allowedSpecial = 'all', disallowedSpecial } = policy;
  if (allowedSpecial === 'all' && disallowedSpecial === undefined) return all;
  const allowed = allowedSpecial === 'all' ? new Set(registered.keys()) : new Set(allowedSpecial);
  for (const s of allowed) {
    if (!registered.has(s))
      throw new Error(`allowedSpecial: ${JSON.stringify(s)} is not a special token of this tokenizer`);
  }
  if (disallowedSpecial !== undefined) {
    const disallowed =
      disallowedSpecial === 'all' || disallowedSpecial === 'raise'
        ? [...registered.keys()].filter((s) => !allowed.has(s))
        : [...disallowedSpecial];
    const found = specialsRegex(disallowed)?.exec(text);
    if (found) {
      throw new Error(
        `text contains the disallowed special token ${JSON.stringify(found[0])} at index ${found.index}; ` +
          'pass it in allowedSpecial to encode it as a special, or leave disallowedSpecial unset to encode it as text',
      );
    }
  }
  return specialsRegex([...allowed]);
}
