/** cleangpt's public API: everything a research script imports. */
export { ConfigError, GPTConfig, type GPTConfigFields } from './config.js';
export {
  BaseTokenizer,
  type BatchEncodeOptions,
  type BatchEncoding,
  type DecodeOptions,
  type EncodeOptions,
  type TensorBatchEncoding,
  type TokenIds,
} from './tokenizers/base.js';
export { ByteLevelTokenizer, type ByteLevelTokenizerOptions } from './tokenizers/byte-level.js';
export { CharacterTokenizer, type CharacterTokenizerOptions } from './tokenizers/character.js';
export {
  createTokenizer,
  listTokenizers,
  loadTokenizer,
  registerTokenizer,
  type TokenizerClass,
  unregisterTokenizer,
} from './tokenizers/registry.js';
export { FileError } from './utils/fs.js';
export { Registry, RegistryError } from './utils/registry.js';
