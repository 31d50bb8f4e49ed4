/**
 * Special-token splitting: text cut at each occurrence of a special token, longest first, before the
 * pre-tokenizer sees the ordinary text between them.
 */

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A regex matching any of `specials`, longest alternative first, so that among specials starting at the
 * same position the longest wins; leftmost occurrence wins otherwise (ordinary regex scanning).
 * Returns null for an empty list.
 */
export function specialsRegex(specials: readonly string[]): RegExp | null {
  for (const s of specials) {
    if (typeof s !== 'string' || s.length === 0) throw new Error('special tokens must be non-empty strings');
  }
  if (specials.length === 0) return null;
  const sorted = [...new Set(specials)].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegex).join('|'), 'g');
}

/** A piece of text between specials (`special: false`) or one special token occurrence (`special: true`). */
export interface Segment {
  text: string;
  special: boolean;
}

/** Splits `text` on special-token occurrences; empty ordinary segments are dropped. */
export function splitOnSpecials(text: string, specials: RegExp | null): Segment[] {
  if (specials === null) return text.length > 0 ? [{ text, special: false }] : [];
  const out: Segment[] = [];
  let last = 0;
  specials.lastIndex = 0;
  for (let m = specials.exec(text); m !== null; m = specials.exec(text)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), special: false });
    out.push({ text: m[0], special: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), special: false });
  return out;
}
