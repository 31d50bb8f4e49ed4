/**
 * GPTConfig: the hyper-parameters shared by every part of cleangpt, in three typed sections: `model`
 * (architecture, with each model's own options typed, SASP's included), `train` (what the training loop
 * reads) and `generation` (the sampling defaults of a saved model).
 *
 * On disk a config stays one flat JSON object whose keys are the camelCase forms of the Python cleanGPT
 * `GPTConfig` fields (`fromJSON` also accepts that project's snake_case keys); `FIELDS` maps each key to
 * its section. Validation collects every violated field into one error, named by its JSON key, so a user
 * fixes a config file in one pass instead of one field per run.
 */
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  Validate,
  type ValidationArguments,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
  validateSync,
} from 'class-validator';

/** Thrown when a configuration has invalid fields; `fields` lists each field and what is wrong with it. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly fields: Array<{ field: string; problems: string[] }>,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The model every entry point builds unless told otherwise (config files, `cleangpt train`, the
 * examples). The reference defaults to SASP; Vanilla is the port's default because it is the one that
 * maps onto Hugging Face GPT-2 and has the fused training attention.
 */
export const DEFAULT_MODEL_TYPE = 'Vanilla';

@ValidatorConstraint({ name: 'divisibleByHeads' })
class DivisibleByHeads implements ValidatorConstraintInterface {
  validate(nEmbd: unknown, args?: ValidationArguments): boolean {
    const nHead = (args?.object as ModelConfig | undefined)?.nHead ?? 1;
    return typeof nEmbd !== 'number' || !Number.isInteger(nHead) || nHead <= 0 || nEmbd % nHead === 0;
  }
  defaultMessage(args?: ValidationArguments): string {
    return `nEmbd (${String(args?.value)}) must be divisible by nHead (${(args?.object as ModelConfig | undefined)?.nHead})`;
  }
}

export const SASP_SCALARS = ['per-head', 'shared'] as const;
export const SASP_INITS = ['zero-kv', 'reference'] as const;
export type SaspScalars = (typeof SASP_SCALARS)[number];
export type SaspInit = (typeof SASP_INITS)[number];

/** Options read by the SASP model only (`model/sasp.ts` explains each). */
export class SaspConfig {
  /** A value projection (else each head mixes its channel slice of the normalised input). */
  @IsBoolean() useV = false;
  /** An output projection after attention. */
  @IsBoolean() useProj = false;
  /** α, β, γ one per head initialised to 1 (the paper), or one each per layer at 1, 0.1, 0.1 (the reference). */
  @IsIn(SASP_SCALARS, { message: `saspScalars must be one of ${SASP_SCALARS.join(', ')}, got $value` })
  scalars: SaspScalars = 'per-head';
  /** K (and V) start at zero so S = α·I + (β − γ)·C at step 0, or the reference's init (its zeroing is lost). */
  @IsIn(SASP_INITS, { message: `saspInit must be one of ${SASP_INITS.join(', ')}, got $value` })
  init: SaspInit = 'zero-kv';
}

/** The architecture: everything `getModel` needs to build the parameters. */
export class ModelConfig {
  /** A model registry key; whether it is registered is checked by the model registry when building. */
  @IsString() @MinLength(1) modelType = DEFAULT_MODEL_TYPE;
  @IsInt() @Min(1) blockSize = 128;
  /** Set from the tokenizer (`updateFromTokenizer`) unless given. */
  @IsOptional() @IsInt() @Min(1) vocabSize: number | null = null;
  @IsInt() @Min(1) nLayer = 6;
  @IsInt() @Min(1) nHead = 6;
  @IsInt() @Min(1) @Validate(DivisibleByHeads) nEmbd = 384;
  @IsNumber() @Min(0) @Max(0.999999) dropout = 0.1;
  @IsBoolean() bias = false;
  @IsOptional() @IsInt() @Min(0) paddingIdx: number | null = null;
  /** The GELU-gated (LLaMA-style) MLP instead of the 4× GELU one, for models that offer both (SASP). */
  @IsBoolean() llamaMlp = false;
  readonly sasp = new SaspConfig();
}

/** What the training loop reads (the trainers' own options, steps and schedules, are run options). */
export class TrainConfig {
  @IsInt() @Min(1) batchSize = 32;
  /** Epochs of the simple (reference) trainer; the advanced trainer counts steps instead. */
  @IsInt() @Min(1) numEpochs = 5;
  @IsNumber() @Min(0) learningRate = 2.5e-4;
  @IsNumber() @Min(0) weightDecay = 0.01;
}

/** Sampling defaults: `runGeneration`, `batchGenerate` and `cleangpt generate` use a model's own. */
export class GenerationConfig {
  @IsInt({ message: 'generationMaxLen must be an integer' })
  @Min(1, { message: 'generationMaxLen must not be less than 1' })
  maxNewTokens = 50;
  @IsNumber() @Min(0) temperature = 0.8;
  /** null: no top-k filter. */
  @IsOptional() @IsInt() @Min(1) topK: number | null = 50;
}

/** The flat JSON form of a config: one key per field, the reference's names in camelCase. */
export interface GPTConfigFields {
  blockSize: number;
  vocabSize: number | null;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  bias: boolean;
  paddingIdx: number | null;
  modelType: string;
  useV: boolean;
  useProj: boolean;
  llamaMlp: boolean;
  saspScalars: SaspScalars;
  saspInit: SaspInit;
  batchSize: number;
  numEpochs: number;
  learningRate: number;
  weightDecay: number;
  generationMaxLen: number;
  temperature: number;
  topK: number | null;
}

type SectionName = 'model' | 'sasp' | 'train' | 'generation';

function sections(c: GPTConfig): Record<SectionName, object> {
  return { model: c.model, sasp: c.model.sasp, train: c.train, generation: c.generation };
}

/** Where each JSON key lives: its section and the field's name there. */
const FIELDS: { [K in keyof GPTConfigFields]: [SectionName, string] } = {
  blockSize: ['model', 'blockSize'],
  vocabSize: ['model', 'vocabSize'],
  nLayer: ['model', 'nLayer'],
  nHead: ['model', 'nHead'],
  nEmbd: ['model', 'nEmbd'],
  dropout: ['model', 'dropout'],
  bias: ['model', 'bias'],
  paddingIdx: ['model', 'paddingIdx'],
  modelType: ['model', 'modelType'],
  useV: ['sasp', 'useV'],
  useProj: ['sasp', 'useProj'],
  llamaMlp: ['model', 'llamaMlp'],
  saspScalars: ['sasp', 'scalars'],
  saspInit: ['sasp', 'init'],
  batchSize: ['train', 'batchSize'],
  numEpochs: ['train', 'numEpochs'],
  learningRate: ['train', 'learningRate'],
  weightDecay: ['train', 'weightDecay'],
  generationMaxLen: ['generation', 'maxNewTokens'],
  temperature: ['generation', 'temperature'],
  topK: ['generation', 'topK'],
};

export const CONFIG_FIELDS = Object.keys(FIELDS) as Array<keyof GPTConfigFields>;

/**
 * Options that earlier versions (and the reference's free-form `extra_args`) kept in `extraArgs`; an old
 * file's `extraArgs` is read through this table, so its options land in their typed fields.
 */
const LEGACY_EXTRA_ARGS: Record<string, keyof GPTConfigFields> = {
  saspScalars: 'saspScalars',
  saspInit: 'saspInit',
};

/** The subset of a tokenizer that a config needs; keeps config.ts free of tokenizer imports. */
export interface TokenizerShape {
  readonly vocabSize: number;
  readonly padTokenId: number | null;
  readonly modelMaxLength: number;
}

export class GPTConfig {
  readonly model = new ModelConfig();
  readonly train = new TrainConfig();
  readonly generation = new GenerationConfig();

  /** Builds a config from defaults plus `values`, validates it, and throws one ConfigError listing every bad field. */
  static create(values: Partial<GPTConfigFields> = {}): GPTConfig {
    return new GPTConfig().#assign(values).#validated('GPTConfig');
  }

  /**
   * Parses a JSON object (camelCase or the reference's snake_case keys). Unknown keys are an error rather
   * than being ignored, because a misspelt hyper-parameter silently falling back to its default is the
   * kind of mistake that costs a whole training run. `extraArgs` (written by earlier versions) is
   * accepted when it holds only options that now have typed fields.
   */
  static fromJSON(json: unknown, source = 'config'): GPTConfig {
    if (!isObject(json)) throw new ConfigError(`${source}: expected a JSON object`, []);
    const values: Record<string, unknown> = {};
    const unknown: string[] = [];
    for (const [key, value] of Object.entries(json)) {
      if (key === 'extraArgs' || key === 'extra_args') {
        if (!isObject(value)) {
          throw new ConfigError(`${source}: ${key} must be an object`, [
            { field: key, problems: ['must be an object'] },
          ]);
        }
        for (const [option, optionValue] of Object.entries(value)) {
          const field = LEGACY_EXTRA_ARGS[option];
          if (field === undefined) unknown.push(`${key}.${option}`);
          else values[field] = optionValue;
        }
        continue;
      }
      const field = FIELD_BY_KEY.get(key);
      if (field === undefined) unknown.push(key);
      else values[field] = value;
    }
    if (unknown.length > 0) {
      throw new ConfigError(
        `${source}: unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; known fields: ${CONFIG_FIELDS.join(', ')}`,
        unknown.map((field) => ({ field, problems: ['unknown field'] })),
      );
    }
    return new GPTConfig().#assign(values).#validated(source);
  }

  /** Checks every field of every section; throws a ConfigError naming all violations by their JSON keys. */
  validate(source = 'GPTConfig'): void {
    const fields: Array<{ field: string; problems: string[] }> = [];
    for (const [name, section] of Object.entries(sections(this)) as Array<[SectionName, object]>) {
      for (const error of validateSync(section)) {
        fields.push({
          field: jsonKey(name, error.property),
          problems: Object.values(error.constraints ?? {}),
        });
      }
    }
    if (fields.length > 0) {
      fields.sort(
        (a, b) => CONFIG_FIELDS.indexOf(a.field as never) - CONFIG_FIELDS.indexOf(b.field as never),
      );
      const lines = fields.map((f) => `  - ${f.field}: ${f.problems.join('; ')}`);
      throw new ConfigError(`${source} has ${fields.length} invalid field(s):\n${lines.join('\n')}`, fields);
    }
  }

  /** Sets vocabSize and paddingIdx from the tokenizer, and shrinks blockSize to its modelMaxLength. */
  updateFromTokenizer(tokenizer: TokenizerShape): this {
    this.model.vocabSize = tokenizer.vocabSize;
    this.model.paddingIdx = tokenizer.padTokenId;
    if (tokenizer.modelMaxLength < this.model.blockSize) this.model.blockSize = tokenizer.modelMaxLength;
    return this;
  }

  /** Plain flat JSON (camelCase keys) for config.json files and checkpoints. */
  toJSON(): GPTConfigFields {
    const out: Record<string, unknown> = {};
    for (const field of CONFIG_FIELDS) {
      const [section, name] = FIELDS[field];
      out[field] = (sections(this)[section] as Record<string, unknown>)[name];
    }
    return out as unknown as GPTConfigFields;
  }

  /** A copy with the defined entries of `values` applied, validated and named `source` in errors. */
  with(values: Partial<GPTConfigFields>, source = 'GPTConfig'): GPTConfig {
    const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
    return this.clone().#assign(defined).#validated(source);
  }

  clone(): GPTConfig {
    return GPTConfig.fromJSON(JSON.parse(JSON.stringify(this.toJSON())));
  }

  #assign(values: Partial<GPTConfigFields> | Record<string, unknown>): this {
    for (const [field, value] of Object.entries(values)) {
      const location = FIELDS[field as keyof GPTConfigFields];
      if (location === undefined) {
        throw new ConfigError(`unknown config field "${field}"; known fields: ${CONFIG_FIELDS.join(', ')}`, [
          { field, problems: ['unknown field'] },
        ]);
      }
      (sections(this)[location[0]] as Record<string, unknown>)[location[1]] = value;
    }
    return this;
  }

  #validated(source: string): this {
    this.validate(source);
    return this;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The JSON key of field `property` of `section` (errors name fields as a config file spells them). */
function jsonKey(section: SectionName, property: string): string {
  return CONFIG_FIELDS.find((f) => FIELDS[f][0] === section && FIELDS[f][1] === property) ?? property;
}

const toSnake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const FIELD_BY_KEY = new Map<string, keyof GPTConfigFields>(
  CONFIG_FIELDS.flatMap((field) => [
    [field, field],
    [toSnake(field), field],
  ]),
);
