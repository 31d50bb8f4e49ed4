/**
 * ONNX export of the Vanilla and SASP models (opset 17), built node by node from the same parameters
 * the TensorFlow.js forward pass reads, so onnxruntime computes the model's eval-mode forward.
 *
 * Inputs: `input_ids` int64 [batch, sequence]; with `pastKeyValues`, also `past_key.{i}` and
 * `past_value.{i}` float [batch, heads, past_sequence, headSize] per layer (length 0 for a first call).
 * Outputs: `logits` float [batch, sequence, vocab] (or `log_probs` with `output: "log_probs"`), and with
 * `pastKeyValues` `present_key.{i}` / `present_value.{i}` (past and new keys / values, for the next call).
 * Positions continue after the past: token t of this call sits at past_sequence + t. There is no padding
 * mask: every row of a batch is real tokens from its first column.
 *
 * The causal structure comes from one Trilu of a [sequence, past + sequence] block of ones with diagonal
 * offset past_sequence: it is the visibility mask, and for SASP also gives the identity rows I (its
 * difference with the Trilu one diagonal lower) and the causal average C (its rows divided by their sums).
 */

import { writeFileAtomic } from '../utils/fs.js';
import { BOOL, FLOAT, INT64, OnnxGraph, type TensorSpec } from './onnx-graph.js';
import { LAYER_NORM_EPS } from './ops.js';
import { SASPTransformerModel } from './sasp.js';
import type { TransformerModel } from './transformer.js';
import { ModelError } from './types.js';
import { VanillaTransformerModel } from './vanilla.js';

export const ONNX_OPSET = 17;
export const ONNX_FORMAT = 'cleangpt-onnx';
// 2: the attention_mask input (left-padded batches); format 1 files lack it and are refused with a hint.
export const ONNX_FORMAT_VERSION = '2';

export interface OnnxExportOptions {
  /** Add past key/value inputs and present outputs for cached generation (default true). */
  pastKeyValues?: boolean;
  /** `logits` (default) or `log_probs` (log-softmax over the vocabulary, computed in the graph). */
  output?: 'logits' | 'log_probs';
}

// Large enough that exp underflows to exactly 0, as in the TensorFlow.js attention.
const MASKED = -1e9;

interface Causal {
  /** 1 where key j is visible to query i (j ≤ past + i), float [S, T]. */
  visible: string;
  ones: string;
  pastLength: string;
  /** Visible and real: the keys a query attends to, bool [B, 1, S, T]. */
  attends: string;
  /** The same as float. */
  attendsFloat: string;
  /** Positions of the queries: the real tokens before each in its row, int64 [B, S]. */
  positions: string;
}

class TransformerGraph {
  readonly g = new OnnxGraph();
  readonly inputs: TensorSpec[] = [];
  readonly outputs: TensorSpec[] = [];
  readonly #params: Map<string, { data: Float32Array; shape: number[] }>;

  constructor(
    readonly model: TransformerModel,
    readonly past: boolean,
  ) {
    this.#params = new Map(
      model
        .namedParameters()
        .map(([name, v]) => [name, { data: v.dataSync() as Float32Array, shape: [...v.shape] }]),
    );
  }

  has(name: string): boolean {
    return this.#params.has(name);
  }

  /** An initializer for a model parameter, optionally with other dims (same element count). */
  param(name: string, dims?: number[]): string {
    const p = this.#params.get(name);
    if (p === undefined) throw new ModelError(`no parameter named ${name}`);
    const key = dims === undefined ? name : `${name}:${dims.join('x')}`;
    if (!this.#written.has(key)) {
      this.g.weight(key, p.data, dims ?? p.shape);
      this.#written.add(key);
    }
    return key;
  }
  readonly #written = new Set<string>();

  linear(prefix: string, x: string): string {
    const y = this.g.node('MatMul', [x, this.param(`${prefix}.weight`)]);
    return this.has(`${prefix}.bias`) ? this.g.node('Add', [y, this.param(`${prefix}.bias`)]) : y;
  }

  layerNorm(prefix: string, x: string): string {
    const inputs = [x, this.param(`${prefix}.weight`)];
    if (this.has(`${prefix}.bias`)) inputs.push(this.param(`${prefix}.bias`));
    return this.g.node('LayerNormalization', inputs, { axis: -1, epsilon: { float: LAYER_NORM_EPS } });
  }

  /** Exact GELU, x·0.5·(1 + erf(x/√2)) (the Gelu operator only exists from opset 20). */
  gelu(x: string): string {
    const erf = this.g.node('Erf', [this.g.node('Mul', [x, this.g.float(Math.SQRT1_2)])]);
    const cdf = this.g.node('Mul', [this.g.node('Add', [erf, this.g.float(1)]), this.g.float(0.5)]);
    return this.g.node('Mul', [x, cdf]);
  }

  mlp(prefix: string, h: string): string {
    const up = this.linear(`${prefix}.c_fc`, h);
    const act = this.has(`${prefix}.c_gate.weight`)
      ? this.g.node('Mul', [this.gelu(this.linear(`${prefix}.c_gate`, h)), up])
      : this.gelu(up);
    return this.linear(`${prefix}.c_proj`, act);
  }

  /** Columns [from, from + width) of x[B, S, ·]. */
  columns(x: string, from: number, width: number): string {
    return this.g.node('Slice', [x, this.g.int64([from]), this.g.int64([from + width]), this.g.int64([2])]);
  }

  /** [B, S, d] → [B, H, S, hs]. */
  splitHeads(x: string): string {
    const { nHead: heads, nEmbd: d } = this.model.arch;
    const split = this.g.node('Reshape', [x, this.g.int64([0, 0, heads, d / heads])]);
    return this.g.node('Transpose', [split], { perm: [0, 2, 1, 3] });
  }

  /** [B, H, S, hs] → [B, S, d]. */
  mergeHeads(y: string): string {
    const merged = this.g.node('Transpose', [y], { perm: [0, 2, 1, 3] });
    return this.g.node('Reshape', [merged, this.g.int64([0, 0, this.model.config.model.nEmbd])]);
  }

  /** Appends this call's keys or values to the past ones (when cached) and publishes them. */
  cached(kind: 'key' | 'value', layer: number, fresh: string): string {
    if (!this.past) return fresh;
    const { nHead: heads, nEmbd: d } = this.model.arch;
    const past = `past_${kind}.${layer}`;
    this.inputs.push({ name: past, type: FLOAT, dims: ['batch', heads, 'past_sequence', d / heads] });
    const all = this.g.node('Concat', [past, fresh], { axis: 2 });
    const present = `present_${kind}.${layer}`;
    this.g.rename(all, present);
    this.outputs.push({ name: present, type: FLOAT, dims: ['batch', heads, 'total_sequence', d / heads] });
    return all;
  }

  /** softmax(q·kᵀ/√hs) over the visible keys, [B, H, S, T]. */
  attentionWeights(q: string, k: string, causal: Causal): string {
    const headSize = this.model.config.model.nEmbd / this.model.config.model.nHead;
    const scaled = this.g.node('Mul', [q, this.g.float(1 / Math.sqrt(headSize))]);
    const scores = this.g.node('MatMul', [scaled, this.g.node('Transpose', [k], { perm: [0, 1, 3, 2] })]);
    const masked = this.g.node('Where', [causal.attends, scores, this.g.float(MASKED)]);
    return this.g.node('Softmax', [masked], { axis: -1 });
  }

  /**
   * The causal structure of this call and its padding, from `attention_mask` [batch, past + sequence]
   * (1 = real token): a padded key is hidden from every query, and positions count real tokens only, so
   * a left-padded row gets the logits it would get alone (as `KeyPadding` does in TensorFlow.js).
   */
  causal(ids: string): Causal {
    const g = this.g;
    this.inputs.push({ name: 'attention_mask', type: INT64, dims: ['batch', 'total_sequence'] });
    const shape = g.node('Shape', [ids]);
    const length = g.node('Gather', [shape, g.int64([1], true)], { axis: 0 });
    const pastLength = this.past
      ? g.node('Gather', [g.node('Shape', ['past_key.0']), g.int64([2], true)], { axis: 0 })
      : g.int64([0], true);
    const total = g.node('Add', [pastLength, length]);
    const dims = g.node(
      'Concat',
      [g.node('Reshape', [length, g.int64([1])]), g.node('Reshape', [total, g.int64([1])])],
      {
        axis: 0,
      },
    );
    const ones = g.node('Expand', [g.float(1), dims]);
    const visible = g.node('Trilu', [ones, pastLength], { upper: 0 });
    const realRows = g.node('Cast', ['attention_mask'], { to: FLOAT });
    const real = g.node('Unsqueeze', [realRows, g.int64([1, 2])]);
    const attends = g.node('And', [
      g.node('Cast', [visible], { to: BOOL }),
      g.node('Cast', [real], { to: BOOL }),
    ]);
    // Real tokens before each column (an exclusive running sum), for the columns of this call's queries.
    const before = g.node('CumSum', [realRows, g.int64([1], true)], { exclusive: 1 });
    const queryColumns = g.node('Slice', [
      before,
      g.node('Reshape', [pastLength, g.int64([1])]),
      g.node('Reshape', [total, g.int64([1])]),
      g.int64([1]),
    ]);
    return {
      visible,
      ones,
      pastLength,
      attends,
      attendsFloat: g.node('Cast', [attends], { to: FLOAT }),
      positions: g.node('Cast', [queryColumns], { to: INT64 }),
    };
  }
}

function vanillaBlock(t: TransformerGraph, layer: number, x: string, causal: Causal): string {
  const g = t.g;
  const { nEmbd: d } = t.model.arch;
  const p = `transformer.h.${layer}`;
  const h = t.layerNorm(`${p}.ln_1`, x);
  const qkv = t.linear(`${p}.attn.c_attn`, h);
  const q = t.splitHeads(t.columns(qkv, 0, d));
  const k = t.cached('key', layer, t.splitHeads(t.columns(qkv, d, d)));
  const v = t.cached('value', layer, t.splitHeads(t.columns(qkv, 2 * d, d)));
  const y = t.mergeHeads(g.node('MatMul', [t.attentionWeights(q, k, causal), v]));
  const x1 = g.node('Add', [x, t.linear(`${p}.attn.c_proj`, y)]);
  return g.node('Add', [x1, t.mlp(`${p}.mlp`, t.layerNorm(`${p}.ln_2`, x1))]);
}

function saspBlock(t: TransformerGraph, layer: number, x: string, causal: Causal): string {
  const g = t.g;
  const { nEmbd: d, nHead: heads } = t.model.arch;
  const { useV, useProj } = t.model.arch.sasp;
  const p = `transformer.h.${layer}`;
  const h = t.layerNorm(`${p}.ln_1`, x);
  const qkv = t.linear(`${p}.attn.c_attn`, h);
  const q = t.splitHeads(t.columns(qkv, 0, d));
  const k = t.cached('key', layer, t.splitHeads(t.columns(qkv, d, d)));
  // Without useV each head mixes its own channel slice of the normalised input.
  const v = t.cached('value', layer, t.splitHeads(useV ? t.columns(qkv, 2 * d, d) : h));
  const a = t.attentionWeights(q, k, causal);
  const perHead = (name: string): string => {
    const full = `${p}.attn.${name}`;
    return t.model.arch.sasp.scalars === 'shared' ? t.param(full) : t.param(full, [1, heads, 1, 1]);
  };
  const below = g.node('Trilu', [causal.ones, g.node('Sub', [causal.pastLength, g.int64([1], true)])], {
    upper: 0,
  });
  const identity = g.node('Sub', [causal.visible, below]);
  // C averages over each row's visible real keys; a padded query that sees none keeps a zero row.
  const rowSums = g.node('ReduceSum', [causal.attendsFloat, g.int64([-1])], { keepdims: 1 });
  const average = g.node('Div', [causal.attendsFloat, g.node('Max', [rowSums, g.float(1)])]);
  const shaped = g.node('Sub', [
    g.node('Add', [g.node('Mul', [perHead('beta'), a]), g.node('Mul', [perHead('alpha'), identity])]),
    g.node('Mul', [perHead('gamma'), average]),
  ]);
  let y = t.mergeHeads(g.node('MatMul', [shaped, v]));
  if (useProj) y = t.linear(`${p}.attn.c_proj`, y);
  const attn = g.node('Mul', [t.param(`${p}.beta_sa`), y]);
  const mlp = g.node('Mul', [t.param(`${p}.beta_ff`), t.mlp(`${p}.mlp`, h)]);
  return g.node('Add', [g.node('Add', [x, attn]), mlp]);
}

/** The model as an ONNX ModelProto (bytes), for onnxruntime or any ONNX consumer. */
export function exportOnnx(model: TransformerModel, options: OnnxExportOptions = {}): Uint8Array {
  const block =
    model instanceof SASPTransformerModel
      ? saspBlock
      : model instanceof VanillaTransformerModel
        ? vanillaBlock
        : null;
  if (block === null) {
    throw new ModelError(`ONNX export knows the Vanilla and SASP models, not ${model.constructor.name}`);
  }
  const past = options.pastKeyValues ?? true;
  const output = options.output ?? 'logits';
  const t = new TransformerGraph(model, past);
  const g = t.g;
  const { nLayer, vocabSize } = model.arch;
  t.inputs.push({ name: 'input_ids', type: INT64, dims: ['batch', 'sequence'] });
  const causal = t.causal('input_ids');
  const tokens = g.node('Gather', [t.param('transformer.wte.weight'), 'input_ids'], { axis: 0 });
  const positions = g.node('Gather', [t.param('transformer.wpe.weight'), causal.positions], { axis: 0 });
  let x = g.node('Add', [tokens, positions]);
  for (let layer = 0; layer < nLayer; layer++) x = block(t, layer, x, causal);
  const head = g.node('Transpose', [t.param('transformer.wte.weight')], { perm: [1, 0] });
  let logits = g.node('MatMul', [t.layerNorm('transformer.ln_f', x), head]);
  if (output === 'log_probs') logits = g.node('LogSoftmax', [logits], { axis: -1 });
  g.rename(logits, output);
  // The logits come first among the outputs, then the presents in layer order.
  t.outputs.unshift({ name: output, type: FLOAT, dims: ['batch', 'sequence', vocabSize!] });
  return g.encode({
    name: `cleangpt-${model.config.model.modelType}`,
    inputs: t.inputs,
    outputs: t.outputs,
    opset: ONNX_OPSET,
    metadata: {
      'cleangpt.format': ONNX_FORMAT,
      'cleangpt.version': ONNX_FORMAT_VERSION,
      'cleangpt.config': JSON.stringify(model.config.toJSON()),
      'cleangpt.past_key_values': String(past),
      'cleangpt.output': output,
    },
  });
}

/** Writes `exportOnnx(model, options)` to `file` (through a temporary file, renamed into place). */
export function writeOnnx(model: TransformerModel, file: string, options: OnnxExportOptions = {}): void {
  writeFileAtomic(file, exportOnnx(model, options));
}
