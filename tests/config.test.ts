import { ConfigError, GPTConfig } from '../config.js';

describe('GPTConfig', () => {
  test('defaults match the reference', () => {
    const c = new GPTConfig();
    expect(c.toJSON()).toMatchObject({
      blockSize: 128,
      nLayer: 6,
      nHead: 6,
      nEmbd: 384,
      dropout: 0.1,
      bias: false,
    });
  });
  test('one error lists every bad field', () => {
    let err: unknown;
    try {
      GPTConfig.create({ nEmbd: 100, nHead: 3, dropout: 1, blockSize: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const fields = (err as ConfigError).fields.map((f) => f.field).sort();
    expect(fields).toEqual(['blockSize', 'dropout', 'nEmbd']);
  });
});
