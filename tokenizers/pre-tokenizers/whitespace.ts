/**
 * What `\s` means in a pre-tokenization pattern. tiktoken (Rust `regex`/`fancy-regex`), HF tokenizers
 * (Oniguruma) and Python's `regex` module, where the GPT-2, cl100k and o200k patterns were written, all
 * take `\s` as Unicode White_Space. JavaScript's `\s` differs in two code points: it includes U+FEFF (the
 * byte-order mark, not White_Space) and excludes U+0085 (NEXT LINE, which is White_Space). Those two decide
 * pieces such as "\uFEFF#" (one punctuation piece for the peers, id 43372 in cl100k), so every pattern here
 * is compiled with `\s`/`\S` spelled as the Unicode property.
 */

/** One code point of `\s` in the peers' sense (a single-code-point string, compiled with the `u` flag). */
export const WHITE_SPACE = /^\p{White_Space}$/u;

/**
 * `pattern` with every `\s` / `\S` escape (inside or outside a character class) written as
 * `\p{White_Space}` / `\P{White_Space}`; other escapes, including an escaped backslash, are kept as they
 * are. Compile the result with the `u` flag.
 */
export function withPeerWhitespace(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== '\\' || i + 1 >= pattern.length) {
      out += c;
      continue;
    }
    const next = pattern[++i]!;
    if (next === 's') out += String.raw`\p{White_Space}`;
    else if (next === 'S') out += String.raw`\P{White_Space}`;
    else out += c + next;
  }
  return out;
}
