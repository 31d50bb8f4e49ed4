/**
 * cleangpt's public API: everything a research script imports. The model, training and inference parts
 * are listed here; tokenizers, corpora and analysis (everything that runs without TensorFlow.js) come
 * from text-api.ts.
 */
export {
  BYTE_CUE_LM,
  BYTE_CUE_LM_EXTRACTION,
  BYTE_CUE_LM_TOKENS_PER_STEP,
  byteCueLmConfig,
  byteCueLmSchedule,
} from './inference/byte-cue-lm.js';
export { type ExtractCuesOptions, extractCues } from './inference/cues.js';
export {
  batchGenerate,
  type GenerationOptions,
  type GenerationResult,
  runGeneration,
  runOnnxGeneration,
  type TokenEvent,
} from './inference/generation.js';
export {
  type ExtractNgramCuesOptions,
  extractNgramCues,
  type NgramStreamOptions,
  NgramTrainingInterrupted,
  ngramBitsPerByteOfFiles,
  trainNgramModel,
} from './inference/ngram-cues.js';
export { NGRAM_EOS, NGRAM_MAX_ORDER, NgramByteModel, type NgramModelMeta } from './inference/ngram-model.js';
export { type NgramCues, NgramScorer, ngramBitsPerByte } from './inference/ngram-scorer.js';
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
export {
  CHECKPOINT_FORMAT,
  exportHuggingFace,
  loadModel,
  loadWeights,
  MODEL_OUTPUT,
  saveModel,
} from './model/io.js';
export { exportOnnx, ONNX_OPSET, type OnnxExportOptions, writeOnnx } from './model/onnx-export.js';
export {
  chooseRuntime,
  loadOnnxRuntime,
  OnnxLanguageModel,
  type OnnxSessionOptions,
  RUNTIME_NAMES,
  type RuntimeChoice,
} from './model/onnx-runtime.js';
export { getModel, listModels, type ModelClass, registerModel, unregisterModel } from './model/registry.js';
export {
  type NamedTensor,
  readSafetensors,
  type SafetensorsFile,
  writeSafetensors,
} from './model/safetensors.js';
export { SASPTransformerModel } from './model/sasp.js';
export { TransformerModel } from './model/transformer.js';
export {
  type ForwardInput,
  type ForwardOutput,
  type GenerateOptions,
  IGNORE_INDEX,
  ModelError,
  type ModelOptions,
} from './model/types.js';
export { VanillaTransformerModel } from './model/vanilla.js';
export * from './text-api.js';
export { AdamW, type AdamWOptions } from './trainers/adamw.js';
export { AdvancedTrainer, type AdvancedTrainerOptions } from './trainers/advanced-trainer.js';
export { BaseTrainer, evaluateModel, evaluateOnnx } from './trainers/base-trainer.js';
export {
  BYTESPAN_TRAINING_DEFAULTS,
  type ByteSpanTrainingOptions,
  trainByteSpanTokenizer,
} from './trainers/bytespan-tokenizer.js';
export { DirectoryCheckpointStore } from './trainers/checkpoint.js';
export { getTrainer, listTrainers, registerTrainer, type TrainerClass } from './trainers/registry.js';
export {
  RUN_OUTPUT,
  type TrainRunOptions,
  type TrainRunResult,
  tokenByteTable,
  trainLanguageModel,
} from './trainers/run.js';
export { learningRateAt, type ScheduleName } from './trainers/schedules.js';
export { SimpleTrainer, type SimpleTrainerOptions } from './trainers/simple-trainer.js';
export { clipByGlobalNorm, type StepOptions, TrainingError, trainStep } from './trainers/step.js';
export {
  evaluateOnFiles,
  evaluateTokenStream,
  evaluationWindows,
  type StreamBytes,
  type TextEvalOptions,
} from './trainers/text-eval.js';
export type { Callback, EvalResult, TrainerState } from './trainers/types.js';
export { DEFAULT_MAX_PIECES, type Decomposition, decomposeVocabulary } from './transfer/decompose.js';
export {
  bitsPerByte as windowBitsPerByte,
  bootstrapInterval,
  byteWindows,
  type ContinueOptions,
  continueTraining,
  type WindowLosses,
  windowLosses,
} from './transfer/evaluate.js';
export {
  HEURISTIC_METHODS,
  type HeuristicMethod,
  initEmbeddings,
  type Matrix,
} from './transfer/heuristics.js';
export { type HypernetConfig, Hypernetwork } from './transfer/hypernet.js';
export { loadHypernet, writeHypernet } from './transfer/hypernet-io.js';
export { type HypernetStep, type HypernetTrainOptions, trainHypernet } from './transfer/hypernet-train.js';
export { TokenizerSampler } from './transfer/sampler.js';
export { sourceSegmenter, TransferError, tokenSurfaces } from './transfer/surface.js';
export {
  checkPair,
  modelFingerprint,
  saveTransferred,
  TRANSFER_REPORT_FILE,
  type TransferOptions,
  type TransferReport,
  transferModel,
} from './transfer/transfer.js';
