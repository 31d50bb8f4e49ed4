/**
 * Hypernetwork training (spec zett §5, small-scale design §11): the LM is frozen and in eval mode; only
 * the hypernetwork trains.
 *   stage 1 (identity, `identitySteps`): random source ids as one-piece inputs, MSE to their source rows,
 *            learning rate warmed up linearly to `learningRate`;
 *   stage 2: per step a Unigram tokenizer is sampled from the recent batches' substrings, the batch is
 *            encoded with it, the HN predicts every row of its vocabulary (specials copied from the source),
 *            the frozen LM runs on those rows, loss = LM cross-entropy + auxWeight · L_aux (§5.4); the rate
 *            is re-warmed to `lmLearningRate` then cosine-decayed to 10%.
 * AdamW (β2 0.95, weight decay 0.01 on matrices), global gradient-norm clip 0.1. Every random choice of
 * step s derives from (seed, s), so a run resumed from `outDir/checkpoint` repeats the uninterrupted run
 * exactly (the sampler queue is rebuilt from the previous steps' batches).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy } from '../model/ops.js';
import { SeededRandom } from '../model/random.js';
import { type NamedTensor, readSafetensors, writeSafetensors } from '../model/safetensors.js';
import type { TransformerModel } from '../model/transformer.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { AdamW } from '../trainers/adamw.js';
import { writeDirectoryAtomic } from '../utils/atomic-directory.js';
import { FileError, readJsonFile, writeJsonAtomic } from '../utils/fs.js';
import { decomposeVocabulary } from './decompose.js';
import { Hypernetwork, singlePieces } from './hypernet.js';
import {
  HYPERNET_META,
  HYPERNET_WEIGHTS,
  hypernetTensors,
  loadHypernetTensors,
  writeHypernet,
} from './hypernet-io.js';
import { TokenizerSampler } from './sampler.js';
import { checkPair, modelFingerprint, sourceMatrix } from './transfer.js';

export interface HypernetTrainOptions {
  model: TransformerModel;
  tokenizer: BaseTokenizer;
  /** Training text (S_hn). */
  text: string;
  outDir: string;
  steps: number;
  /** Identity steps (default 10% of steps). */
  identitySteps?: number;
  batchSize?: number;
  /** Tokens per sequence (default min(64, the model's blockSize − 1)). */
  blockSize?: number;
  learningRate?: number;
  lmLearningRate?: number;
  auxWeight?: number;
  maxPieces?: number;
  layers?: number;
  seed?: number;
  /** Fixed sampler noise σ (0 = the no-noise ablation); default drawn per step. */
  sigma?: number;
  checkpointInterval?: number;
  resume?: boolean;
  signal?: AbortSignal;
  onStep?: (row: HypernetStep) => void;
}

export interface HypernetStep {
  step: number;
  stage: 'identity' | 'lm';
  loss: number;
  lmLoss: number | null;
  auxLoss: number | null;
  vocabSize: number | null;
  tokens: number;
  lr: number;
}

const CHECKPOINT = 'checkpoint';
const mix = (seed: number, step: number, stream: number): number =>
  (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 7, 0x85ebca6b) ^ Math.imul(stream, 0xc2b2ae35)) >>> 0;

export async function trainHypernet(
  options: HypernetTrainOptions,
): Promise<{ hypernet: Hypernetwork; history: HypernetStep[] }> {
  const { model, tokenizer, text, outDir, steps } = options;
  checkPair(model, tokenizer, 'source');
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`steps must be a positive integer, got ${steps}`);
  const seed = options.seed ?? 0;
  const identitySteps = options.identitySteps ?? Math.max(1, Math.floor(steps / 10));
  const batchSize = options.batchSize ?? 8;
  const blockSize = options.blockSize ?? Math.min(64, model.config.model.blockSize - 1);
  const spanChars = blockSize * 8;
  if (text.length < spanChars + 1)
    throw new Error(`the training text has ${text.length} characters; need more than ${spanChars}`);
  const lr = options.learningRate ?? 3e-4;
  const lmLr = options.lmLearningRate ?? 1e-4;
  const auxWeight = options.auxWeight ?? 0.5;
  const V = model.vocabSize;
  const fingerprint = modelFingerprint(model);
  const hn = new Hypernetwork(
    {
      nEmbd: model.config.model.nEmbd,
      sourceVocabSize: V,
      maxPieces: options.maxPieces ?? 8,
      layers: options.layers ?? 3,
      heads: Math.max(2, Math.floor(model.config.model.nEmbd / 64)),
      seed,
    },
    sourceMatrix(model),
    fingerprint,
  );
  hn.fitOutputScaler();
  const params = hn.trainable();
  const optimizer = new AdamW(params, { learningRate: lr, beta2: 0.95, weightDecay: 0.01 });
  const specials = tokenizer.allSpecialTokens;
  const sampler = new TokenizerSampler({ sourceVocabSize: V, specialTokens: specials, sigma: options.sigma });
  const batchTexts = (step: number): string[] => {
    const rng = new SeededRandom(mix(seed, step, 1));
    return Array.from({ length: batchSize }, () => {
      const start = Math.floor(rng.next() * (text.length - spanChars));
      return text.slice(start, start + spanChars);
    });
  };
  let start = 0;
  const ckptDir = path.join(outDir, CHECKPOINT);
  if (options.resume) start = resumeFrom(ckptDir, hn, optimizer, fingerprint);
  const firstLm = Math.max(start, identitySteps);
  for (let s = firstLm - 16; s < firstLm; s++) sampler.push(batchTexts(s));
  model.eval();
  const history: HypernetStep[] = [];
  const metricsFile = path.join(outDir, 'metrics.jsonl');
  fs.mkdirSync(outDir, { recursive: true });
  if (!options.resume) fs.writeFileSync(metricsFile, '');
  const checkpointKind = {
    name: 'hypernetwork checkpoint',
    marker: 'state.json',
    files: [HYPERNET_WEIGHTS, 'optimizer.safetensors', 'state.json'],
  };
  const save = () =>
    writeDirectoryAtomic(
      ckptDir,
      (tmp) => {
        writeSafetensors(path.join(tmp, HYPERNET_WEIGHTS), hypernetTensors(hn));
        const state = optimizer.getState();
        const moments = new Map<string, NamedTensor>();
        for (const [name, v] of params) {
          moments.set(`${name}.m`, { data: state.moments[name]!.m, shape: [...v.shape] });
          moments.set(`${name}.v`, { data: state.moments[name]!.v, shape: [...v.shape] });
        }
        writeSafetensors(path.join(tmp, 'optimizer.safetensors'), moments);
        writeJsonAtomic(path.join(tmp, 'state.json'), {
          step: stepDone,
          optimizerStep: state.step,
          fingerprint,
        });
      },
      { kind: checkpointKind },
    );
  let stepDone = start;
  const lmSteps = Math.max(1, steps - identitySteps);
  for (let s = start; s < steps; s++) {
    if (options.signal?.aborted) break;
    let row: HypernetStep;
    if (s < identitySteps) {
      optimizer.learningRate = (lr * (s + 1)) / identitySteps;
      const rng = new SeededRandom(mix(seed, s, 2));
      const ids = Int32Array.from({ length: Math.min(V, 512) }, () => Math.floor(rng.next() * V));
      const single = singlePieces(ids, hn.config);
      const loss = applyStep(optimizer, params, () =>
        tf.mean(tf.square(tf.sub(hn.forward(single.ids, single.lengths), hn.sourceRows(ids)))),
      );
      row = {
        step: s + 1,
        stage: 'identity',
        loss,
        lmLoss: null,
        auxLoss: null,
        vocabSize: null,
        tokens: 0,
        lr: optimizer.learningRate,
      };
    } else {
      const k = s - identitySteps;
      const warm = Math.max(1, Math.floor(lmSteps / 10));
      optimizer.learningRate =
        k < warm
          ? (lmLr * (k + 1)) / warm
          : lmLr * (0.1 + 0.45 * (1 + Math.cos((Math.PI * (k - warm)) / Math.max(1, lmSteps - warm))));
      const texts = batchTexts(s);
      sampler.push(texts);
      const sampled = sampler.sample(new SeededRandom(mix(seed, s, 3)));
      const d = decomposeVocabulary(tokenizer, sampled, hn.config.maxPieces);
      const inputs: number[][] = [];
      const targets: number[][] = [];
      for (const t of texts) {
        const ids = sampled.encode(t).slice(0, blockSize + 1);
        while (ids.length < blockSize + 1) ids.push(-1);
        inputs.push(ids.slice(0, blockSize).map((id) => Math.max(0, id)));
        targets.push(ids.slice(1).map((id) => (id < 0 ? -100 : id)));
      }
      const flatTargets = Int32Array.from(targets.flat());
      const single = Int32Array.from(d.sameSource);
      const specialIds = Int32Array.from(d.specialSource, (x) => Math.max(0, x));
      const specialMask = tf.tensor2d(
        Float32Array.from(d.specialSource, (x) => (x >= 0 ? 1 : 0)),
        [d.lengths.length, 1],
      );
      const overlap = Float32Array.from(single, (x) => (x >= 0 ? 1 : 0));
      const firstPiece = Int32Array.from({ length: d.lengths.length }, (_, t) =>
        Math.min(d.ids[t * d.maxPieces]!, V - 1),
      );
      let lmLoss = 0;
      let auxLoss = 0;
      const loss = applyStep(optimizer, params, () => {
        const predicted = hn.forward(d.ids, d.lengths);
        // Specials are always the source rows (spec §4.1).
        const rows = tf.add(
          tf.mul(predicted, tf.sub(1, specialMask)),
          tf.mul(hn.sourceRows(specialIds), specialMask),
        ) as tf.Tensor2D;
        const out = model.forward({ inputIds: inputs, embeddings: rows });
        const lm = crossEntropy(
          tf.reshape(out.logits, [-1, rows.shape[0]]) as tf.Tensor2D,
          flatTargets,
          -100,
        );
        // L_aux: squared distance of tokens present verbatim in V_A to their source rows, averaged over them,
        // over the mean norm of all predicted tokens' first-piece rows.
        const count = overlap.reduce((a, b) => a + b, 0);
        const firstRows = hn.sourceRows(firstPiece);
        const sq = tf.sum(tf.square(tf.sub(predicted, firstRows)), 1);
        const aux = tf.div(
          tf.div(tf.sum(tf.mul(sq, tf.tensor1d(overlap))), Math.max(1, count)),
          tf.mean(tf.norm(firstRows, 'euclidean', 1)),
        );
        lmLoss = lm.dataSync()[0]!;
        auxLoss = aux.dataSync()[0]!;
        return tf.add(lm, tf.mul(aux, auxWeight)) as tf.Scalar;
      });
      specialMask.dispose();
      const tokens = flatTargets.filter((x) => x >= 0).length;
      row = {
        step: s + 1,
        stage: 'lm',
        loss,
        lmLoss,
        auxLoss,
        vocabSize: sampled.vocabSize,
        tokens,
        lr: optimizer.learningRate,
      };
    }
    stepDone = s + 1;
    history.push(row);
    fs.appendFileSync(metricsFile, `${JSON.stringify(row)}\n`);
    options.onStep?.(row);
    if (options.checkpointInterval !== undefined && stepDone % options.checkpointInterval === 0) save();
    // Yield so that Ctrl-C (the abort signal) is seen between steps.
    await new Promise((resolve) => setImmediate(resolve));
  }
  save();
  if (stepDone === steps) {
    writeDirectoryAtomic(
      path.join(outDir, 'hypernet'),
      (tmp) =>
        writeHypernet(tmp, hn, {
          steps,
          identitySteps,
          batchSize,
          blockSize,
          seed,
          sigma: options.sigma ?? 'sampled',
        }),
      { kind: { name: 'hypernetwork', marker: HYPERNET_META, files: [HYPERNET_META, HYPERNET_WEIGHTS] } },
    );
  }
  optimizer.dispose();
  return { hypernet: hn, history };
}

/** One optimizer step on `lossFn` over the trainable HN parameters, gradients clipped to norm 0.1. */
function applyStep(optimizer: AdamW, params: Array<[string, tf.Variable]>, lossFn: () => tf.Scalar): number {
  const vars = params.map(([, v]) => v);
  const { value, grads } = tf.variableGrads(lossFn, vars);
  const loss = value.dataSync()[0]!;
  if (!Number.isFinite(loss)) throw new Error(`hypernetwork loss is ${loss}`);
  tf.tidy(() => {
    const norm = Math.sqrt(
      Object.values(grads).reduce((a, g) => a + (tf.sum(tf.square(g)).dataSync()[0] as number), 0),
    );
    const scale = norm > 0.1 ? 0.1 / norm : 1;
    const named: Record<string, tf.Tensor> = {};
    for (const [name, v] of params) named[name] = tf.mul(grads[v.name]!, scale);
    optimizer.applyGradients(named);
  });
  value.dispose();
  for (const g of Object.values(grads)) g.dispose();
  return loss;
}

function resumeFrom(dir: string, hn: Hypernetwork, optimizer: AdamW, fingerprint: string): number {
  const stateFile = path.join(dir, 'state.json');
  if (!fs.existsSync(stateFile)) throw new FileError(dir, 'nothing to resume (no checkpoint/state.json)');
  const state = readJsonFile(stateFile, 'hypernetwork checkpoint') as {
    step: number;
    optimizerStep: number;
    fingerprint: string;
  };
  if (state.fingerprint !== fingerprint) {
    throw new FileError(
      stateFile,
      `checkpoint of a hypernetwork for source model ${state.fingerprint}, not ${fingerprint}`,
    );
  }
  loadHypernetTensors(
    hn,
    readSafetensors(path.join(dir, HYPERNET_WEIGHTS)).tensors,
    path.join(dir, HYPERNET_WEIGHTS),
  );
  const moments = readSafetensors(path.join(dir, 'optimizer.safetensors')).tensors;
  const m: Record<string, { m: Float32Array; v: Float32Array }> = {};
  for (const [name] of hn.trainable()) {
    const first = moments.get(`${name}.m`);
    const second = moments.get(`${name}.v`);
    if (first === undefined || second === undefined) {
      throw new FileError(path.join(dir, 'optimizer.safetensors'), `no optimizer moments for ${name}`);
    }
    m[name] = { m: first.data, v: second.data };
  }
  optimizer.setState({ step: state.optimizerStep, moments: m });
  return state.step;
}
