/** cleangpt's public API: everything a research script imports. */
export { ConfigError, GPTConfig, type GPTConfigFields } from './config.js';
export { type ExtractCuesOptions, extractCues } from './inference/cues.js';
export {
  batchGenerate,
  GENERATION_DEFAULTS,
  type GenerationOptions,
  type GenerationResult,
  runGeneration,
  type TokenEvent,
} from './inference/generation.js';
export {
  createRng,
  filterLogits,
  getSamplingFn,
  listSamplingStrategies,
  type Rng,
  registerSampling,
  type SamplingFn,
  type SamplingOptions,
  softmax,
  unregisterSampling,
} from './inference/sampling.js';
export { TextDeltaDecoder } from './inference/text-delta.js';
export {
  BACKEND_NAMES,
  BackendError,
  type BackendName,
  type BackendOptions,
  initBackend,
} from './model/backend.js';
export { CHECKPOINT_FORMAT, exportHuggingFace, loadModel, loadWeights, saveModel } from './model/io.js';
export { getModel, listModels, type ModelClass, registerModel, unregisterModel } from './model/registry.js';
export {
  type NamedTensor,
  readSafetensors,
  type SafetensorsFile,
  writeSafetensors,
} from './model/safetensors.js';
export { SASPTransformerModel, type SaspInit, type SaspScalars } from './model/sasp.js';
export {
  type ForwardInput,
  type ForwardOutput,
  type GenerateOptions,
  IGNORE_INDEX,
  ModelError,
  type ModelOptions,
  TransformerModel,
} from './model/transformer.js';
export { VanillaTransformerModel } from './model/vanilla.js';
export {
  BaseTokenizer,
  type BatchEncodeOptions,
  type BatchEncoding,
  type DecodeOptions,
  type EncodeOptions,
  type TensorBatchEncoding,
  type TokenIds,
} from './tokenizers/base.js';
export {
  type BPEEncodeOptions,
  BPETokenizer,
  type BPETokenizerOptions,
} from './tokenizers/bpe/tokenizer.js';
export {
  type TrainBPEOptions,
  type TrainBPEResult,
  type TrainInput,
  type TrainProgress,
  trainBPE,
} from './tokenizers/bpe/trainer.js';
export { BPEWorkerPool } from './tokenizers/bpe/worker-pool.js';
export { ByteLevelTokenizer, type ByteLevelTokenizerOptions } from './tokenizers/byte-level.js';
export {
  EOS_TOKEN as BYTESPAN_EOS_TOKEN,
  globalBaseVocab,
  PAD_TOKEN as BYTESPAN_PAD_TOKEN,
  spanBaseVocab,
  UNK_TOKEN as BYTESPAN_UNK_TOKEN,
} from './tokenizers/bytespan/base-vocab.js';
export {
  type CreateByteSpanOptions,
  type CreatedTokenizer,
  type CreateFrequencyOptions,
  type CreateGlobalOptions,
  createByteSpanTokenizers,
  createFrequencyTokenizers,
  createGlobalTokenizers,
} from './tokenizers/bytespan/create.js';
export {
  CUE_NAMES,
  type CueCorpus,
  type CueCorpusMeta,
  CueCorpusWriter,
  type CueName,
  type CueUnit,
  cueCorpusFromArrays,
  parseCueName,
  readCueCorpus,
} from './tokenizers/bytespan/cue-corpus.js';
export {
  type GlobalCounting,
  type GlobalOptions,
  type GlobalResult,
  globalStatsCsv,
  trainGlobal,
} from './tokenizers/bytespan/global.js';
export { type TokenizerKind, tokenizerFolder, tokenizerName } from './tokenizers/bytespan/naming.js';
export {
  type ByteSpanOptions,
  type ByteSpanProgress,
  type ByteSpanResult,
  type ByteSpanVocab,
  trainByteSpan,
} from './tokenizers/bytespan/span-trainer.js';
export {
  BYTESPAN_HUB_COMPATIBLE,
  type ByteOffsetEncoding,
  type ByteSpanEncodeOptions,
  ByteSpanTokenizer,
  type ByteSpanTokenizerOptions,
} from './tokenizers/bytespan/tokenizer.js';
export { CharacterTokenizer, type CharacterTokenizerOptions } from './tokenizers/character.js';
export { GPT2Tokenizer, type GPT2TokenizerOptions } from './tokenizers/gpt2.js';
export {
  createTokenizer,
  listTokenizers,
  loadTokenizer,
  registerTokenizer,
  resolveTokenizer,
  type TokenizerClass,
  unregisterTokenizer,
} from './tokenizers/registry.js';
export { AdamW, type AdamWOptions } from './trainers/adamw.js';
export { AdvancedTrainer, type AdvancedTrainerOptions, TrainingError } from './trainers/advanced-trainer.js';
export { BaseTrainer, evaluateModel } from './trainers/base-trainer.js';
export { DirectoryCheckpointStore } from './trainers/checkpoint.js';
export { getTrainer, listTrainers, registerTrainer } from './trainers/registry.js';
export {
  evaluateOnFiles,
  type TrainRunOptions,
  type TrainRunResult,
  tokenByteTable,
  trainLanguageModel,
} from './trainers/run.js';
export { learningRateAt, type ScheduleName } from './trainers/schedules.js';
export { SimpleTrainer } from './trainers/simple-trainer.js';
export type { Callback, EvalResult, TrainerState } from './trainers/types.js';
export { readDocuments, tokenizeToFile } from './utils/data.js';
export { DataLoader } from './utils/data-loader.js';
export { FileError } from './utils/fs.js';
export { resolveInputs } from './utils/hub.js';
export { dataFile } from './utils/paths.js';
export {
  COVERAGE_MARKERS,
  type CoverageSeries,
  type LossPoint,
  plotCoverageCurve,
  plotCoverageCurves,
  plotGroupedBars,
  plotLines,
  plotLossCurves,
  plotMetricBars,
  plotTokenDistribution,
  renderChart,
} from './utils/plots.js';
export { Registry, RegistryError } from './utils/registry.js';
export { forEachLine, readLines, readLinesOfFiles } from './utils/text-stream.js';
export { TokenFile } from './utils/token-file.js';
export {
  type AnalysisInput,
  type AnalysisSummary,
  analyzeDatasetWithTokenizer,
  COVERAGE_THRESHOLDS,
  type ReducedVocab,
  type TokenCount,
  TokenUsageAnalyzer,
} from './utils/token-statistics.js';
export {
  type CorpusMetrics,
  evaluateCorpus,
  evaluateTokenizer,
  type MorphItem,
  type MorphScoreResult,
  morphScore,
  RENYI_ALPHA,
  readMorphCsv,
  renyiEfficiency,
  type TokenizerEvaluation,
  TokenizerMetricsAccumulator,
} from './utils/tokenizer-metrics.js';
export {
  buildReport,
  compareTokenizers,
  type Report,
  type ReportEntry,
  writeTokenizerReport,
} from './utils/tokenizer-report.js';
