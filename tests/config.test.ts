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

describe('GPTConfig from JSON and tokenizers', () => {
  test('accepts camelCase and the reference snake_case keys', () => {
    const c = GPTConfig.fromJSON({
      block_size: 64,
      nLayer: 2,
      n_head: 4,
      n_embd: 128,
      model_type: 'Vanilla',
      use_v: true,
    });
    expect(c).toMatchObject({
      blockSize: 64,
      nLayer: 2,
      nHead: 4,
      nEmbd: 128,
      modelType: 'Vanilla',
      useV: true,
    });
  });

  test('unknown keys are an error naming them and the source', () => {
    expect(() => GPTConfig.fromJSON({ n_layers: 2 }, 'run.json')).toThrow(
      /run\.json: unknown field\(s\) "n_layers"/,
    );
    expect(() => GPTConfig.fromJSON([1], 'run.json')).toThrow(/run\.json: expected a JSON object/);
  });

  test('wrong types are reported per field', () => {
    expect(() => GPTConfig.fromJSON({ bias: 'yes', learningRate: -1, topK: 0.5 }, 'x.json')).toThrow(
      /x\.json has 3 invalid field\(s\):\n {2}- bias: .*\n {2}- learningRate: .*\n {2}- topK: /,
    );
  });

  test('updateFromTokenizer sets vocabSize and paddingIdx and only shrinks blockSize', () => {
    const c = GPTConfig.create({ blockSize: 256 });
    c.updateFromTokenizer({ vocabSize: 300, padTokenId: 1, modelMaxLength: 128 });
    expect([c.vocabSize, c.paddingIdx, c.blockSize]).toEqual([300, 1, 128]);
    c.updateFromTokenizer({ vocabSize: 300, padTokenId: 1, modelMaxLength: 1024 });
    expect(c.blockSize).toBe(128);
  });

  test('toJSON → fromJSON round trips', () => {
    const c = GPTConfig.create({ nLayer: 3, extraArgs: { foo: 1 } });
    expect(GPTConfig.fromJSON(JSON.parse(JSON.stringify(c.toJSON()))).toJSON()).toEqual(c.toJSON());
  });
});
