/**
 * Registering a custom tokenizer: subclass a built-in (or BaseTokenizer), give it a `tokenizerType`, and
 * register it. It is then available by name everywhere a tokenizer name is accepted, and saved copies
 * load back through `loadTokenizer`.
 *
 *   npm run build && node dist/examples/custom-tokenizer.js
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CharacterTokenizer, createTokenizer, loadTokenizer, registerTokenizer } from '../index.js';

/** A character tokenizer that folds text to lower case before encoding. */
class LowercaseCharTokenizer extends CharacterTokenizer {
  static override readonly tokenizerType = 'lowercase-char';
  override encode(text: string, options?: { addSpecialTokens?: boolean }): number[] {
    return super.encode(text.toLowerCase(), options);
  }
}

registerTokenizer('lowercase-char', LowercaseCharTokenizer);

const tokenizer = createTokenizer('lowercase-char') as LowercaseCharTokenizer;
tokenizer.buildVocabFromTexts(['in the beginning god created the heaven and the earth.']);
const ids = tokenizer.encode('In the Beginning');
console.log('ids:', ids.join(' '));
console.log('decoded:', tokenizer.decode(ids));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-example-'));
tokenizer.savePretrained(dir);
const loaded = loadTokenizer(dir);
console.log(`reloaded from ${dir} as ${loaded.constructor.name}: ${loaded.decode(loaded.encode('GOD'))}`);
