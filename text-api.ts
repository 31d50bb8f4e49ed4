/**
 * The part of the public API that runs without TensorFlow.js: configuration, tokenizers (training,
 * ByteSpan creation, file encode/decode), corpus reading, token statistics, metrics, reports and plots.
 * index.ts re-exports all of it; the CLI imports it alone for commands that never touch a model, so they
 * start without loading TensorFlow.js.
 */
export { pretokenByteBounds, TokenByteLengths, type TokenizedText } from './analysis/alignment.js';
export {
  type CorpusMetrics,
  evaluateCorpus,
  evaluateTokenizer,
  type TokenizerEvaluation,
  TokenizerMetricsAccumulator,
} from './analysis/evaluate.js';
export type { Metric, MetricChart, MetricContext } from './analysis/metric.js';
export { type MorphScoreResult, morphScore } from './analysis/metrics/morph-score.js';
export { morphScoreReference } from './analysis/metrics/morph-score-reference.js';
export { RENYI_ALPHA, renyiEfficiency } from './analysis/metrics/renyi.js';
export { type MorphItem, readMorphCsv } from './analysis/morph-csv.js';
export {
  type CorpusInput,
  corpusTexts,
  feedCorpus,
  MetricsAccumulator,
  metricContext,
  type PassOptions,
} from './analysis/pass.js';
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
  type Series,
} from './analysis/plots.js';
export {
  listMetrics,
  type RegisterMetricOptions,
  registeredMetrics,
  registerMetric,
  unregisterMetric,
} from './analysis/registry.js';
export {
  buildReport,
  compareTokenizers,
  type Report,
  type ReportCorpusEntry,
  type ReportEntry,
  reportCsv,
  reportLine,
  reportMarkdown,
  writeTokenizerReport,
} from './analysis/report.js';
export { UnigramTally } from './analysis/tally.js';
export {
  type AnalysisInput,
  type AnalysisSummary,
  analyzeDatasetWithTokenizer,
  COVERAGE_THRESHOLDS,
  type ReducedVocab,
  type TokenCount,
  TokenUsageAnalyzer,
} from './analysis/token-usage.js';
export {
  ConfigError,
  DEFAULT_MODEL_TYPE,
  GenerationConfig,
  GPTConfig,
  type GPTConfigFields,
  ModelConfig,
  SaspConfig,
  type SaspInit,
  type SaspScalars,
  TrainConfig,
} from './config.js';
export {
  BaseTokenizer,
  type DecodeOptions,
  type EncodeOptions,
  type TokenIds,
} from './tokenizers/base.js';
export type { BatchEncodeOptions, BatchEncoding, TensorBatchEncoding } from './tokenizers/batch.js';
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
  ExtractionInterrupted,
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
export {
  Cl100kTokenizer,
  ENCODING_NAMES,
  type EncodingTokenizerOptions,
  NamedEncodingTokenizer,
  O200kTokenizer,
} from './tokenizers/encodings.js';
export {
  decodeFile,
  type EncodeFileOptions,
  type EncodeFileResult,
  encodeFile,
  readTokenIds,
  type TokenizeToFileOptions,
  type TokenizeToFileResult,
  tokenFileFormat,
  tokenizeToFile,
} from './tokenizers/file-codec.js';
export { GPT2Tokenizer, type GPT2TokenizerOptions } from './tokenizers/gpt2.js';
export {
  type BPEFiles,
  checkVocabSize,
  formatTiktoken,
  parseTiktoken,
  readBPEDirectory,
  readTiktoken,
  readTokenizerConfig,
  readVocabAndMerges,
  TOKENIZER_OUTPUT,
  type TokenizerConfigFile,
  writeHuggingFaceFiles,
} from './tokenizers/io/index.js';
export type { TokenOffsets } from './tokenizers/offsets.js';
export {
  gpt2PreTokenizer,
  noPreTokenizer,
  type PreTokenizer,
  type PreTokenizerSpec,
  RegexPreTokenizer,
} from './tokenizers/pre-tokenizers/pre-tokenizer.js';
export {
  createTokenizer,
  listTokenizers,
  listTrainableTokenizers,
  loadTokenizer,
  registerTokenizer,
  resolveTokenizer,
  type TokenizerClass,
  type TokenizerTrainingInput,
  trainTokenizer,
  unregisterTokenizer,
} from './tokenizers/registry.js';
export type { SpecialTokenPolicy } from './tokenizers/special-policy.js';
export {
  registerTokenizerTrainer,
  type TokenizerTrainer,
  type TokenizerTrainingData,
  type TrainableTokenizerClass,
} from './tokenizers/training.js';
export { UnigramError, UnigramModel } from './tokenizers/unigram/model.js';
export {
  UnigramTokenizer,
  type UnigramTokenizerOptions,
} from './tokenizers/unigram/tokenizer.js';
export {
  digamma,
  trainUnigram,
  type UnigramTrainOptions,
  type UnigramTrainResult,
} from './tokenizers/unigram/trainer.js';
export {
  checkOutputDirectory,
  type OutputKind,
  type OutputOptions,
  settleDirectory,
  writeDirectoryAtomic,
} from './utils/atomic-directory.js';
export {
  type CorpusOptions,
  type Document,
  expandInputs,
  type ReadOptions,
  readCorpus,
  TEXT_FIELDS,
} from './utils/corpus.js';
export { DataLoader } from './utils/data-loader.js';
export { FileError, readJsonFile, readTextFile, writeFileAtomic, writeJsonAtomic } from './utils/fs.js';
export { resolveInputs } from './utils/hub.js';
export { dataFile } from './utils/paths.js';
export { createProgress, type Progress } from './utils/progress.js';
export { Registry, RegistryError } from './utils/registry.js';
export {
  forEachLine,
  type InvalidUtf8Policy,
  readLines,
  readLinesOfFiles,
} from './utils/text-stream.js';
export { TokenFile } from './utils/token-file.js';
