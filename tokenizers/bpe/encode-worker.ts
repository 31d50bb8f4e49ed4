/**
 * Pool worker for BPEWorkerPool (utils/pool-worker.ts): rebuilds the encoder from its plain data on the
 * first request, then encodes batches of texts or decodes batches of id rows.
 */
import { Int32List } from '../../utils/int32-list.js';
import { serve } from '../../utils/pool-worker.js';
import { specialsRegex, splitOnSpecials } from '../pipeline/split-specials.js';
import { BPEEncoder, type EncoderData } from './encoder.js';

export interface EncodeWorkerInit {
  data: EncoderData;
  cacheSize: number | undefined;
}

/**
 * Encode: a group of texts, and the specials to recognise in them (null: all of the tokenizer's).
 * Decode: rows of ids back to back with each row's length.
 */
export type WorkerRequest =
  | { kind: 'encode'; texts: string[]; recognised: readonly string[] | null }
  | { kind: 'decode'; ids: Int32Array; lengths: Int32Array; skipSpecialTokens: boolean };

/** Encode: all ids of the batch back to back, and each text's id count. Decode: the texts. */
export type WorkerReply = { ids: Int32Array; lengths: Int32Array } | { texts: string[] };

interface EncodeState {
  encoder: BPEEncoder;
  specialId: Map<string, number>;
  specialBytes: Map<number, Uint8Array>;
  all: RegExp | null;
}

/**
 * Text with every path of the scanner and the encoder (scripts, digits, punctuation, contractions, the
 * kinds of whitespace, surrogate pairs, a lone surrogate, pieces too long to cache and long enough for the
 * heap merge), encoded once when a worker starts, before any of it is optimised. Optimised code compiled
 * on type feedback from ordinary text alone was thrown away each time a rarer path first came up, and
 * recompiled on V8's background threads, on the cores the other worker needs: over 10 MB of the bench
 * text, 52–75 → 28–31 compiles and 36–40 → 12–15 deopts after warm-up (--trace-opt --trace-deopt).
 */
const PRIMER = [
  "Hello, World! It's 2024; they'll've DON'T 123,456.78 x=1+2 _-_ (a|b) «é» — “q” ‘s’",
  '中文字符 русский текст العربية हिन्दी 日本語テキスト 한국어 Ελληνικά ½ ² ٣ 😀👍🏽 \ud800 x',
  ' \t\n\r\u00a0\u3000\u2028\u0085\ufeff  \n\n  end ',
  `${'a'.repeat(80)} ${'ab'.repeat(120)} ${'9'.repeat(70)} ${'!?'.repeat(60)} ${' '.repeat(70)}x`,
].join('\n');

function setup(init: EncodeWorkerInit): EncodeState {
  const utf8 = new TextEncoder();
  const state: EncodeState = {
    encoder: new BPEEncoder(init.data, { cacheSize: init.cacheSize }),
    specialId: new Map(init.data.specials),
    specialBytes: new Map(init.data.specials.map(([s, id]) => [id, utf8.encode(s)])),
    all: specialsRegex(init.data.specials.map(([s]) => s)),
  };
  // A vocabulary missing some bytes without an unk token cannot encode all of it (nor such text later).
  if (state.encoder.encodesAnyText) encodeBatch(state, [PRIMER], null);
  return state;
}

function encodeBatch(
  { encoder, specialId, all }: EncodeState,
  texts: readonly string[],
  recognised: readonly string[] | null,
): WorkerReply {
  const specials = recognised === null ? all : specialsRegex(recognised);
  const lengths = new Int32Array(texts.length);
  // Ids go straight into the reply's buffer: a JavaScript array per text, emptied and refilled,
  // reallocated its backing store for every text (most of what the encoder allocated).
  const out = new Int32List(
    Math.max(
      1024,
      texts.reduce((n, t) => n + (t.length >> 2), 0),
    ),
  );
  texts.forEach((text, k) => {
    const before = out.length;
    for (const seg of splitOnSpecials(text, specials)) {
      if (seg.special) out.push(specialId.get(seg.text)!);
      else encoder.encodeOrdinaryInto(seg.text, out);
    }
    lengths[k] = out.length - before;
  });
  // A view of the used part: the whole buffer is transferred, nothing is copied.
  return { ids: out.values.subarray(0, out.length), lengths };
}

const utf8Replace = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function decodeBatch(
  { encoder, specialBytes }: EncodeState,
  ids: Int32Array,
  lengths: Int32Array,
  skipSpecialTokens: boolean,
): WorkerReply {
  const texts: string[] = [];
  let at = 0;
  for (const length of lengths) {
    let row: ArrayLike<number> = ids.subarray(at, at + length);
    if (skipSpecialTokens) row = Array.from(row).filter((id) => !specialBytes.has(id));
    texts.push(utf8Replace.decode(encoder.decodeBytes(row, specialBytes)));
    at += length;
  }
  return { texts };
}

serve<EncodeWorkerInit, WorkerRequest, WorkerReply>(
  (init) => {
    const state = setup(init);
    return (request) =>
      request.kind === 'encode'
        ? encodeBatch(state, request.texts, request.recognised)
        : decodeBatch(state, request.ids, request.lengths, request.skipSpecialTokens);
  },
  (reply) => ('ids' in reply ? [reply.ids.buffer as ArrayBuffer, reply.lengths.buffer as ArrayBuffer] : []),
);
