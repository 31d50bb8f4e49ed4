/**
 * The first stage of every pipeline: added (special) tokens. Specials found in the text — leftmost, the
 * longest first among those starting at one position, under the tiktoken-style policy of special-policy.ts
 * — become their ids and are never seen by the model; the stretches of text between them go on to the
 * normalizer, pre-tokenizer and model. One implementation for every tokenizer built from parts.
 */

import { type SpecialTokenPolicy, specialsForPolicy } from '../special-policy.js';
import { specialsRegex, splitOnSpecials } from './split-specials.js';

const utf8 = new TextEncoder();

export class AddedTokens {
  /** Special string → id, in registration order. */
  readonly ids: ReadonlyMap<string, number>;
  /** Id → the special's UTF-8 (what decoding writes for it). */
  readonly bytes: ReadonlyMap<number, Uint8Array>;
  readonly #byId: ReadonlyMap<number, string>;
  /** Matches every registered special (null: none), the common policy's regex, built once. */
  readonly #all: RegExp | null;

  /** False for tokenizers whose specials are never read from text (character, byte): only added by id. */
  readonly matchInText: boolean;

  constructor(specials: Iterable<readonly [string, number]>, options: { matchInText?: boolean } = {}) {
    const list = [...specials];
    this.ids = new Map(list);
    this.#byId = new Map(list.map(([s, id]) => [id, s]));
    this.bytes = new Map(list.map(([s, id]) => [id, utf8.encode(s)]));
    this.#all = specialsRegex(list.map(([s]) => s));
    this.matchInText = options.matchInText ?? true;
  }

  /** The special whose id is `id`, or undefined. */
  tokenOf(id: number): string | undefined {
    return this.#byId.get(id);
  }

  isSpecial(id: number): boolean {
    return this.#byId.has(id);
  }

  /** The regex of the specials `policy` recognises in `text` (null: none), after raising on a disallowed one. */
  recognised(text: string, policy: SpecialTokenPolicy): RegExp | null {
    if (!this.matchInText) return null;
    return specialsForPolicy(text, this.ids, this.#all, policy);
  }

  /**
   * Appends the ids of `text` to `out`: each recognised special's id, and `ordinary(segment, out)` for
   * each non-empty stretch between them.
   */
  encode(
    text: string,
    policy: SpecialTokenPolicy,
    ordinary: (segment: string, out: number[]) => void,
    out: number[],
  ): void {
    const specials = this.recognised(text, policy);
    if (specials === null) {
      if (text.length > 0) ordinary(text, out);
      return;
    }
    for (const seg of splitOnSpecials(text, specials)) {
      if (seg.special) out.push(this.ids.get(seg.text)!);
      else ordinary(seg.text, out);
    }
  }

  /** `ids` without the specials (for `skipSpecialTokens`). */
  withoutSpecials(ids: ArrayLike<number>): number[] {
    const out: number[] = [];
    for (let i = 0; i < ids.length; i++) if (!this.#byId.has(ids[i]!)) out.push(ids[i]!);
    return out;
  }
}
