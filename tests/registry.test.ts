import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container } from 'inversify';
import { BaseTokenizer } from '../tokenizers/base.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import {
  createTokenizer,
  listTokenizers,
  loadTokenizer,
  registerTokenizer,
  type TokenizerClass,
  unregisterTokenizer,
} from '../tokenizers/registry.js';
import { Registry, RegistryError } from '../utils/registry.js';

class ShoutTokenizer extends CharacterTokenizer {
  static override readonly tokenizerType = 'shout';
  override encode(text: string): number[] {
    return super.encode(text.toUpperCase());
  }
}

describe('tokenizer registry', () => {
  afterEach(() => {
    if (listTokenizers().includes('shout')) unregisterTokenizer('shout');
  });

  test('built-ins are registered', () => {
    expect(listTokenizers()).toEqual(expect.arrayContaining(['character', 'byte']));
    expect(createTokenizer('char')).toBeInstanceOf(CharacterTokenizer);
  });

  test('a user registers a custom tokenizer, creates it by name and loads it back', () => {
    registerTokenizer('shout', ShoutTokenizer as unknown as TokenizerClass);
    const t = createTokenizer('shout') as ShoutTokenizer;
    t.buildVocabFromTexts(['AB']);
    expect(t.encode('ab')).toEqual([4, 5]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-reg-'));
    t.savePretrained(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')).tokenizer_type).toBe(
      'shout',
    );
    expect(loadTokenizer(dir)).toBeInstanceOf(ShoutTokenizer);
  });

  test('a taken name is a clear error', () => {
    expect(() => registerTokenizer('byte', CharacterTokenizer as unknown as TokenizerClass)).toThrow(
      /tokenizer "byte" is already registered/,
    );
  });

  test('a class that is not a BaseTokenizer is rejected', () => {
    class NotATokenizer {
      static fromPretrained(): NotATokenizer {
        return new NotATokenizer();
      }
    }
    expect(() => registerTokenizer('bogus', NotATokenizer as unknown as TokenizerClass)).toThrow(
      /cannot register tokenizer "bogus": it is not a subclass of BaseTokenizer/,
    );
  });

  test('an unknown name lists the registered ones', () => {
    expect(() => createTokenizer('nope')).toThrow(RegistryError);
    expect(() => createTokenizer('nope')).toThrow(/unknown tokenizer "nope"; registered: character, byte/);
  });

  test('loadTokenizer reports an unknown tokenizer_type', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-reg-'));
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"tokenizer_type": "martian"}');
    expect(() => loadTokenizer(dir)).toThrow(/unknown tokenizer "martian"/);
  });

  test('the generic registry works on its own container', () => {
    const r = new Registry<typeof BaseTokenizer>({ kind: 'widget', container: new Container() });
    r.register('a', BaseTokenizer);
    expect(r.list()).toEqual(['a']);
    expect(r.get('a')).toBe(BaseTokenizer);
    r.unregister('a');
    expect(r.has('a')).toBe(false);
    expect(() => r.get('a')).toThrow(/unknown widget "a"; registered: \(none\)/);
  });
});
