/**
 * Pre-tokenizers: the pipeline stage that cuts ordinary text (between specials) into the pieces a model
 * encodes independently (BPE merges never cross a piece). A pre-tokenizer is a scanner, so the encoder
 * walks the text without building a list of strings, and it is data: `spec` saves and rebuilds it.
 */
import { pieceEnd as gpt2PieceEnd } from './gpt2-scan.js';
import { withPeerWhitespace } from './whitespace.js';

/** The saved form of a pre-tokenizer (`pre_tokenizer` in tokenizer_config.json). */
export type PreTokenizerSpec = { type: 'gpt2' } | { type: 'regex'; pattern: string } | { type: 'none' };

export interface PreTokenizer {
  readonly spec: PreTokenizerSpec;
  /**
   * End (exclusive) of the piece that starts at `i`, for the text text[0..n) (requires i < n). A plain
   * function (no `this`), so the encoder's hot loop calls it directly.
   */
  readonly pieceEnd: (text: string, i: number, n: number) => number;
}

/** GPT-2's pattern, by the hand-written scanner (identical splits to the regex, tested). */
export const gpt2PreTokenizer: PreTokenizer = { spec: { type: 'gpt2' }, pieceEnd: gpt2PieceEnd };

/** The whole text is one piece (models that see text unsplit). */
export const noPreTokenizer: PreTokenizer = { spec: { type: 'none' }, pieceEnd: (_text, _i, n) => n };

/**
 * Any regex pattern, matched as tiktoken and HF `Split(behavior: isolated)` do: each match is a piece, and
 * text between matches is a piece of its own (the standard patterns match everywhere, so there is none).
 * `\s` means Unicode White_Space, as for the peers (whitespace.ts).
 * An empty match advances by one code point, so every pattern makes progress.
 */
export class RegexPreTokenizer implements PreTokenizer {
  readonly spec: PreTokenizerSpec;
  readonly #sticky: RegExp;
  readonly #search: RegExp;

  constructor(pattern: string) {
    const source = withPeerWhitespace(pattern);
    try {
      this.#sticky = new RegExp(source, 'uy');
      this.#search = new RegExp(source, 'ug');
    } catch (error) {
      throw new Error(
        `pre-tokenizer pattern ${JSON.stringify(pattern)} is not a valid regex: ${(error as Error).message}`,
      );
    }
    this.spec = { type: 'regex', pattern };
  }

  readonly pieceEnd = (text: string, i: number, n: number): number => {
    // Matches must not see past n (streaming passes a bound shorter than the buffer).
    const s = n === text.length ? text : text.slice(0, n);
    const sticky = this.#sticky;
    sticky.lastIndex = i;
    if (sticky.test(s)) {
      const e = sticky.lastIndex;
      if (e > i) return e;
      return i + (s.codePointAt(i)! > 0xffff ? 2 : 1);
    }
    const search = this.#search;
    search.lastIndex = i;
    const m = search.exec(s);
    return m === null ? n : m.index;
  };
}

/** Rebuilds a pre-tokenizer from its saved form; `where` names the source in errors. */
export function preTokenizerFromSpec(spec: unknown, where: string): PreTokenizer {
  const s = spec as { type?: unknown; pattern?: unknown } | null;
  if (s?.type === 'gpt2') return gpt2PreTokenizer;
  if (s?.type === 'none') return noPreTokenizer;
  if (s?.type === 'regex' && typeof s.pattern === 'string') return new RegexPreTokenizer(s.pattern);
  throw new Error(
    `${where}: pre_tokenizer ${JSON.stringify(spec)} is not one of {"type":"gpt2"}, {"type":"none"}, {"type":"regex","pattern":"…"}`,
  );
}
