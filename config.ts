/**
 * GPTConfig: the model and training hyper-parameters shared by every part of cleangpt.
 *
 * Field names are the camelCase forms of the Python cleanGPT `GPTConfig`; `fromJSON` also accepts the
 * snake_case keys of that project's files. Validation collects every violated field into one error so a
 * user fixes a config file in one pass instead of one field per run.
 */
import {
  IsBoolean,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  Validate,
  type ValidationArguments,
  type ValidationError,
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

@ValidatorConstraint({ name: 'divisibleByHeads' })
class DivisibleByHeads implements ValidatorConstraintInterface {
  validate(nEmbd: unknown, args?: ValidationArguments): boolean {
    const nHead = (args?.object as GPTConfig | undefined)?.nHead ?? 1;
    return typeof nEmbd !== 'number' || !Number.isInteger(nHead) || nHead <= 0 || nEmbd % nHead === 0;
  }
  defaultMessage(args?: ValidationArguments): string {
    return `nEmbd (${String(args?.value)}) must be divisible by nHead (${(args?.object as GPTConfig | undefined)?.nHead})`;
  }
}

/** The subset of a tokenizer that a config needs; keeps config.ts free of tokenizer imports. */
export interface TokenizerShape {
  readonly vocabSize: number;
  readonly padTokenId: number | null;
  readonly modelMaxLength: number;
}

export class GPTConfig {
  @IsInt() @Min(1) blockSize = 128;
  /** Set from the tokenizer (`updateFromTokenizer`) unless given. */
  @IsOptional() @IsInt() @Min(1) vocabSize: number | null = null;
  @IsInt() @Min(1) nLayer = 6;
  @IsInt() @Min(1) nHead = 6;
  @IsInt() @Min(1) @Validate(DivisibleByHeads) nEmbd = 384;
  @IsNumber() @Min(0) @Max(0.999999) dropout = 0.1;
  @IsBoolean() bias = false;
  @IsOptional() @IsInt() @Min(0) paddingIdx: number | null = null;
  /** A model registry key; whether it is registered is checked by the model registry when building. */
  @IsString() @MinLength(1) modelType = 'SASP';
  @IsBoolean() useV = false;
  @IsBoolean() useProj = false;
  @IsBoolean() llamaMlp = false;
  @IsInt() @Min(1) batchSize = 32;
  @IsInt() @Min(1) numEpochs = 5;
  @IsNumber() @Min(0) learningRate = 2.5e-4;
  @IsNumber() @Min(0) weightDecay = 0.01;
  @IsInt() @Min(1) generationMaxLen = 50;
  @IsNumber() @Min(0) temperature = 0.8;
  @IsOptional() @IsInt() @Min(1) topK: number | null = 50;
  /** Free-form user extensions; model plugins read their own options from here. */
  @IsObject() extraArgs: Record<string, unknown> = {};

  /** Builds a config from defaults plus `values`, validates it, and throws one ConfigError listing every bad field. */
  static create(values: Partial<GPTConfigFields> = {}): GPTConfig {
    const config = new GPTConfig();
    Object.assign(config, values);
    config.validate();
    return config;
  }

  /**
   * Parses a JSON object (camelCase or the reference's snake_case keys). Unknown keys are an error rather
   * than being ignored, because a misspelt hyper-parameter silently falling back to its default is the
   * kind of mistake that costs a whole training run.
   */
  static fromJSON(json: unknown, source = 'config'): GPTConfig {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new ConfigError(`${source}: expected a JSON object`, []);
    }
    const values: Record<string, unknown> = {};
    const unknown: string[] = [];
    for (const [key, value] of Object.entries(json)) {
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
    const config = new GPTConfig();
    Object.assign(config, values);
    config.validate(source);
    return config;
  }

  /** Checks every field; throws a ConfigError naming all violations at once. */
  validate(source = 'GPTConfig'): void {
    const errors: ValidationError[] = validateSync(this);
    const fields = errors.map((e) => ({ field: e.property, problems: Object.values(e.constraints ?? {}) }));
    if (fields.length > 0) {
      const lines = fields.map((f) => `  - ${f.field}: ${f.problems.join('; ')}`);
      throw new ConfigError(`${source} has ${fields.length} invalid field(s):\n${lines.join('\n')}`, fields);
    }
  }

  /** Sets vocabSize and paddingIdx from the tokenizer, and shrinks blockSize to its modelMaxLength. */
  updateFromTokenizer(tokenizer: TokenizerShape): this {
    this.vocabSize = tokenizer.vocabSize;
    this.paddingIdx = tokenizer.padTokenId;
    if (tokenizer.modelMaxLength < this.blockSize) this.blockSize = tokenizer.modelMaxLength;
    return this;
  }

  /** Plain JSON (camelCase keys) for config.json files and checkpoints. */
  toJSON(): GPTConfigFields {
    const out: Record<string, unknown> = {};
    for (const field of CONFIG_FIELDS) out[field] = this[field];
    return out as unknown as GPTConfigFields;
  }

  /** A copy with the defined entries of `values` applied, validated and named `source` in errors. */
  with(values: Partial<GPTConfigFields>, source = 'GPTConfig'): GPTConfig {
    const config = this.clone();
    for (const [field, value] of Object.entries(values))
      if (value !== undefined) Object.assign(config, { [field]: value });
    config.validate(source);
    return config;
  }

  clone(): GPTConfig {
    return GPTConfig.fromJSON(JSON.parse(JSON.stringify(this.toJSON())));
  }
}

export type GPTConfigFields = {
  [K in keyof GPTConfig as GPTConfig[K] extends (...args: never[]) => unknown ? never : K]: GPTConfig[K];
};

export const CONFIG_FIELDS = Object.keys(new GPTConfig()) as Array<keyof GPTConfigFields>;

const toSnake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const FIELD_BY_KEY = new Map<string, keyof GPTConfigFields>(
  CONFIG_FIELDS.flatMap((field) => [
    [field, field],
    [toSnake(field), field],
  ]),
);
