import {
  ConfigError,
  DEFAULT_MODEL_TYPE,
  GenerationConfig,
  GPTConfig,
  ModelConfig,
  TrainConfig,
} from '../config.js';

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
    expect(c.toJSON()).toMatchObject({
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
    expect([c.model.vocabSize, c.model.paddingIdx, c.model.blockSize]).toEqual([300, 1, 128]);
    c.updateFromTokenizer({ vocabSize: 300, padTokenId: 1, modelMaxLength: 1024 });
    expect(c.model.blockSize).toBe(128);
  });

  test('toJSON → fromJSON round trips', () => {
    const c = GPTConfig.create({ nLayer: 3, modelType: 'SASP', saspScalars: 'shared', topK: null });
    expect(GPTConfig.fromJSON(JSON.parse(JSON.stringify(c.toJSON()))).toJSON()).toEqual(c.toJSON());
  });
});

describe('GPTConfig sections', () => {
  test('the flat fields live in typed model, SASP, train and generation sections', () => {
    const c = GPTConfig.create({
      nEmbd: 64,
      nHead: 4,
      useV: true,
      saspInit: 'reference',
      numEpochs: 2,
      learningRate: 1e-3,
      generationMaxLen: 7,
      temperature: 0,
    });
    expect(c.model).toBeInstanceOf(ModelConfig);
    expect(c.model).toMatchObject({ nEmbd: 64, nHead: 4, modelType: DEFAULT_MODEL_TYPE });
    expect(c.model.sasp).toMatchObject({
      useV: true,
      useProj: false,
      scalars: 'per-head',
      init: 'reference',
    });
    expect(c.train).toEqual(Object.assign(new TrainConfig(), { numEpochs: 2, learningRate: 1e-3 }));
    expect(c.generation).toEqual(Object.assign(new GenerationConfig(), { maxNewTokens: 7, temperature: 0 }));
  });

  test('errors name fields by their JSON keys, in every section', () => {
    expect(() =>
      GPTConfig.fromJSON({ sasp_scalars: 'both', generation_max_len: 0, num_epochs: 0 }, 'c.json'),
    ).toThrow(
      /c\.json has 3 invalid field\(s\):\n {2}- saspScalars: saspScalars must be one of per-head, shared, got both\n {2}- numEpochs: .*\n {2}- generationMaxLen: generationMaxLen must not be less than 1/,
    );
    expect(() => GPTConfig.create({ nLayers: 2 } as never)).toThrow(/unknown config field "nLayers"/);
  });

  test('a config.json written by the previous version (SASP options in extraArgs) still loads', () => {
    // Verbatim GPTConfig.toJSON() output of cleangpt before the config sections (commit 7722352).
    const old = JSON.parse(
      '{"blockSize":16,"vocabSize":40,"nLayer":1,"nHead":2,"nEmbd":8,"dropout":0.1,"bias":false,"paddingIdx":null,"modelType":"SASP","useV":true,"useProj":false,"llamaMlp":false,"batchSize":32,"numEpochs":5,"learningRate":0.00025,"weightDecay":0.01,"generationMaxLen":50,"temperature":0.8,"topK":50,"extraArgs":{"saspScalars":"shared","saspInit":"reference"}}',
    );
    const c = GPTConfig.fromJSON(old, 'old.json');
    expect(c.model.sasp).toMatchObject({ useV: true, scalars: 'shared', init: 'reference' });
    const { extraArgs: _, ...rest } = old;
    expect(c.toJSON()).toEqual({ ...rest, saspScalars: 'shared', saspInit: 'reference' });
    // An empty extraArgs (every earlier default config) and the reference's snake_case name load too.
    expect(GPTConfig.fromJSON({ ...old, extraArgs: {} }).model.sasp.scalars).toBe('per-head');
    expect(GPTConfig.fromJSON({ extra_args: { saspInit: 'zero-kv' } }).model.sasp.init).toBe('zero-kv');
    // Options no model reads are refused, as unknown top-level keys are.
    expect(() => GPTConfig.fromJSON({ extraArgs: { foo: 1 } }, 'x.json')).toThrow(
      /x\.json: unknown field\(s\) "extraArgs\.foo"/,
    );
  });

  test('a config without modelType builds DEFAULT_MODEL_TYPE (the CLI and examples default to it too)', () => {
    expect(new GPTConfig().model.modelType).toBe(DEFAULT_MODEL_TYPE);
    expect(GPTConfig.fromJSON({}).model.modelType).toBe(DEFAULT_MODEL_TYPE);
  });
});
