/**
 * The tiktoken-style policy for special tokens found in input text: which ones are recognised as
 * specials, and which ones are an error (BPETokenizer's and ByteSpanTokenizer's `encode`).
 */
import { specialsRegex } from './pipeline/split-specials.js';

export interface SpecialTokenPolicy {
  /**
   * Specials recognised as specials; others are ordinary text. Default: every registered special, unless
   * `disallowedSpecial` is given, in which case none (tiktoken's default).
   */
  allowedSpecial?: 'all' | Iterable<string>;
  /**
   * Specials whose presence in the text is an error. `'all'` or `'raise'`: every registered special that is
   * not allowed (tiktoken's default). Default: none, so a non-allowed special is ordinary text.
   */
  disallowedSpecial?: 'all' | 'raise' | Iterable<string>;
}

/** A policy resolved against a tokenizer's specials: what to recognise, and what to reject. */
export interface ResolvedPolicy {
  /** The specials to recognise; null: every registered one. */
  recognised: string[] | null;
  /** Matches any disallowed special; null: none is disallowed. */
  disallowed: RegExp | null;
}

/** Resolves `policy` against the `registered` specials (a set, or a map keyed by them). */
export function resolvePolicy(
  registered: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  policy: SpecialTokenPolicy,
): ResolvedPolicy {
  const { disallowedSpecial } = policy;
  // tiktoken: asking for errors without naming allowed specials allows none.
  const allowedSpecial = policy.allowedSpecial ?? (disallowedSpecial === undefined ? 'all' : []);
  if (allowedSpecial === 'all' && disallowedSpecial === undefined)
    return { recognised: null, disallowed: null };
  const allowed = allowedSpecial === 'all' ? new Set(registered.keys()) : new Set(allowedSpecial);
  for (const s of allowed) {
    if (!registered.has(s))
      throw new Error(`allowedSpecial: ${JSON.stringify(s)} is not a special token of this tokenizer`);
  }
  let disallowed: string[] = [];
  if (disallowedSpecial === 'all' || disallowedSpecial === 'raise') {
    disallowed = [...registered.keys()].filter((s) => !allowed.has(s));
  } else if (disallowedSpecial !== undefined) {
    disallowed = [...disallowedSpecial];
  }
  return { recognised: [...allowed], disallowed: specialsRegex(disallowed) };
}

/** Raises when `text` contains a special the resolved policy disallows. */
export function checkDisallowed(text: string, policy: ResolvedPolicy): void {
  if (policy.disallowed === null) return;
  policy.disallowed.lastIndex = 0;
  const found = policy.disallowed.exec(text);
  if (found) {
    throw new Error(
      `text contains the disallowed special token ${JSON.stringify(found[0])} at index ${found.index}; ` +
        'pass it in allowedSpecial to encode it as a special, or disallowedSpecial: [] to encode it as ordinary text',
    );
  }
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
  const resolved = resolvePolicy(registered, policy);
  checkDisallowed(text, resolved);
  return resolved.recognised === null ? all : specialsRegex(resolved.recognised);
}
