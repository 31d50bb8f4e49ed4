/** Shared test inputs for the tokenizer suites. */
import fc from 'fast-check';

const EOT = '<|endoftext|>';

/** Strings built from characters that stress the pre-tokenizer, plus arbitrary code points and lone surrogates. */
export const trickyText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "'",
        's',
        'l',
        'L',
        'v',
        'e',
        'r',
        'd',
        'm',
        't',
        ' ',
        '  ',
        '\n',
        '\t',
        '\r',
        '\u00a0',
        '\u3000',
        '\u0085',
        '\uFEFF',
      ),
      fc.constantFrom(
        '1',
        '٣',
        'Ⅷ',
        '!',
        '?',
        'é',
        '漢',
        '🙂',
        '𝔘',
        '\ud800',
        '\udfff',
        '<|',
        'endoftext',
        '|>',
        EOT,
      ),
      fc.string({ unit: 'binary', maxLength: 2 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));
