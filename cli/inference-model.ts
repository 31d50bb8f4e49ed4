/**
 * How `extract predictions`, `eval` and `generate` run a trained model: `--runtime onnx` exports it in
 * memory and runs it in onnxruntime-node (the default when that optional dependency is installed),
 * `--runtime tfjs` in TensorFlow.js; `--threads` sets the CPU threads of either.
 */
import { Option } from 'commander';
import type { OnnxLanguageModel, TransformerModel } from '../index.js';
import { integerAtLeast } from './options.js';

export const runtimeOption = (): Option =>
  new Option('--runtime <name>', 'onnx (onnxruntime-node), tfjs, or auto: onnx when it is installed')
    .choices(['auto', 'onnx', 'tfjs'])
    .default('auto');

export const threadsOption = (): Option =>
  new Option(
    '--threads <n>',
    'CPU threads of the model (onnxruntime, or the wasm backend; default: every core for onnx, CLEANGPT_WASM_THREADS or automatic for wasm)',
  ).argParser(integerAtLeast(1));

export interface InferenceOptions {
  model: string;
  runtime: string;
  backend?: string;
  threads?: number;
}

/**
 * The model of directory `o.model` in the chosen runtime: log-probabilities without a cache for scoring
 * (extraction, evaluation), logits with past key/values for generation.
 */
export async function loadInferenceModel(
  o: InferenceOptions,
  use: 'score' | 'generate',
): Promise<TransformerModel | OnnxLanguageModel> {
  const { chooseRuntime, initBackend, loadModel, OnnxLanguageModel } = await import('../index.js');
  const runtime = await chooseRuntime(o.runtime);
  // TensorFlow.js reads the checkpoint in both cases; with onnx it only hands the weights over.
  await initBackend({
    backend: o.backend as never,
    wasmThreads: runtime === 'tfjs' ? o.threads : undefined,
    log: null,
  });
  const model = loadModel(o.model).eval();
  if (runtime === 'tfjs') return model;
  try {
    return await OnnxLanguageModel.fromModel(model, {
      output: use === 'score' ? 'log_probs' : 'logits',
      pastKeyValues: use === 'generate',
      threads: o.threads,
    });
  } finally {
    model.dispose();
  }
}
