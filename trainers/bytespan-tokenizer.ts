/**
 * ByteSpan tokenizer training by type (`cleangpt train --tokenizer bytespan --vocab-size N`,
 * `trainTokenizer('bytespan', data)`): the whole ByteSpan pipeline on the training documents, in memory.
 *
 * 1. a byte n-gram model (NgramByteModel, interpolated modified Kneser-Ney) is trained on the documents,
 *    each with the prefix space the ByteSpan tokenizers add;
 * 2. every byte of the same documents gets its cue from that model, scored as `extract ngram` scores a
 *    stream (EOS padding, each document followed by EOS);
 * 3. spans under the constraint become the vocabulary (trainByteSpan, frequency selection), completed by
 *    BPE in `##` space when the spans run out.
 *
 * The cues are in-sample (the model scores text it was trained on): the published pipeline scores
 * held-out text (`extract ngram --train s0 --input s1`), which needs two corpora; training by type has
 * one. In-sample cues are lower, but the combined constraint's threshold is a percentile of the cue, so
 * span boundaries follow the relative predictability that the cue ranks.
 *
 * This lives above tokenizers/ because the cue model is in inference/ (tokenizers never import it); it
 * registers itself as the `bytespan` trainer when the public API (index.ts) is loaded.
 */
import { NGRAM_EOS, NgramByteModel } from '../inference/ngram-model.js';
import { type NgramCues, NgramScorer } from '../inference/ngram-scorer.js';
import { spanBaseVocab } from '../tokenizers/bytespan/base-vocab.js';
import { type CueName, cueCorpusFromArrays, documentBytes } from '../tokenizers/bytespan/cue-corpus.js';
import { checkVocabSizes } from '../tokenizers/bytespan/selection.js';
import { trainByteSpan } from '../tokenizers/bytespan/span-trainer.js';
import type { Constraint } from '../tokenizers/bytespan/spans.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { registerTokenizerTrainer, type TokenizerTrainingData } from '../tokenizers/training.js';

export interface ByteSpanTrainingOptions {
  /** n-gram order of the cue model (default 8, as `npm run demo:bytespan`). */
  order?: number;
  /** The cue spans are built from (default `entropy`). */
  cue?: Extract<CueName, 'entropy' | 'surprisal'>;
  /** Span constraint (default `combined`, with the threshold at the cue's 30th percentile). */
  constraint?: Constraint;
}

/** The defaults of training by type: the study's best ByteSpan variant (README, ByteSpan section). */
export const BYTESPAN_TRAINING_DEFAULTS: Readonly<Required<ByteSpanTrainingOptions>> = Object.freeze({
  order: 8,
  cue: 'entropy',
  constraint: 'combined',
});

/** Trains a ByteSpan tokenizer of `data.vocabSize` entries (at least the 770 base entries) on the documents. */
export async function trainByteSpanTokenizer(
  data: TokenizerTrainingData,
  options: ByteSpanTrainingOptions = {},
): Promise<ByteSpanTokenizer> {
  const { order, cue, constraint } = { ...BYTESPAN_TRAINING_DEFAULTS, ...options };
  const { vocabSize } = data;
  if (vocabSize === undefined) {
    throw new Error(
      'training a ByteSpan tokenizer needs a vocabulary size (vocabSize; --vocab-size in the CLI)',
    );
  }
  // Checked before the n-gram pass, which is the long part.
  checkVocabSizes([vocabSize], spanBaseVocab().length);
  const model = NgramByteModel.create(order);
  const documents: Uint8Array[] = [];
  for await (const document of data.documents()) {
    const bytes = documentBytes(document, true);
    if (bytes.length === 0) continue;
    documents.push(bytes);
    model.addDocument(bytes);
  }
  if (documents.length === 0) throw new Error('the ByteSpan training data holds no text');
  const scorer = new NgramScorer(model);
  const out: NgramCues = { entropy: 0, surprisal: 0, space: 0, eos: 0 };
  const cues = documents.map((bytes) => {
    const values = new Float32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) values[i] = scorer.next(bytes[i]!, out)[cue];
    scorer.advance(NGRAM_EOS);
    return values;
  });
  const corpus = cueCorpusFromArrays({ documents, cues: { [cue]: cues } });
  const result = await trainByteSpan(corpus, {
    cue,
    constraint,
    vocabSizes: [vocabSize],
    numWorkers: data.numWorkers,
  });
  return new ByteSpanTokenizer({ vocab: result.vocabs.get(vocabSize)!.tokens });
}

registerTokenizerTrainer('bytespan', (data) => trainByteSpanTokenizer(data));
