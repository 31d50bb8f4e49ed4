/**
 * SASP: simplified parallel block with shaped attention (He & Hofmann, arXiv 2311.01906), as in cleanGPT:
 *
 *   h = LN(x);  out = x + βSA·ShapedAttn(h) + βFF·MLP(h)        (βSA = 1, βFF = 0.2, trainable)
 *   S = β·A + α·I − γ·C,  A = causal softmax(q·kᵀ/√hs),  C[i][j] = 1/(i+1) for j ≤ i
 *
 * In a padded batch A and C see only the row's real keys (C[i][j] = 1/n over the n real keys j ≤ i).
 *
 * Options, `config.model.sasp` (JSON keys `useV`, `useProj`, `saspScalars`, `saspInit`):
 * - `scalars`: `"per-head"` (default; α, β, γ one per head, all initialised to 1 as in the paper) or
 *   `"shared"` (the cleanGPT reference: one scalar each per layer, initialised to 1, 0.1, 0.1).
 * - `init`: `"zero-kv"` (default; K — and V with useV — start at zero after the global init, so
 *   A = C and S = α·I + (β − γ)·C exactly at step 0) or `"reference"` (no zeroing: the reference's zeroing
 *   is overwritten by its global init, defect D13).
 * I and C are built exactly rather than by the reference's softmax(1e4·…) trick.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SaspConfig } from '../config.js';
import {
  causalAttentionWeights,
  causalAverageRows,
  identityRows,
  mergeHeads,
  splitHeads,
  withCache,
} from './attention.js';
import { batchMatMul } from './ops.js';
import { TransformerModel } from './transformer.js';
import type { BlockContext } from './types.js';

export class SASPTransformerModel extends TransformerModel {
  readonly options: SaspConfig = this.config.model.sasp;

  protected buildBlocks(): void {
    const { nEmbd: d, nHead: heads, llamaMlp } = this.arch;
    const { useV, useProj, scalars } = this.options;
    const [alpha, beta, gamma] = scalars === 'shared' ? [1, 0.1, 0.1] : [1, 1, 1];
    const shape = scalars === 'shared' ? [] : [heads];
    for (let i = 0; i < this.arch.nLayer; i++) {
      const p = `transformer.h.${i}`;
      this.addLayerNorm(`${p}.ln_1`);
      this.addLinear(`${p}.attn.c_attn`, d, (useV ? 3 : 2) * d);
      this.add(`${p}.attn.alpha`, tf.fill(shape, alpha));
      this.add(`${p}.attn.beta`, tf.fill(shape, beta));
      this.add(`${p}.attn.gamma`, tf.fill(shape, gamma));
      if (useProj) this.addLinear(`${p}.attn.c_proj`, d, d);
      this.addMlp(`${p}.mlp`, llamaMlp);
      this.add(`${p}.beta_sa`, tf.scalar(1));
      this.add(`${p}.beta_ff`, tf.scalar(0.2));
    }
  }

  protected override afterInit(): void {
    if (this.options.init !== 'zero-kv') return;
    const d = this.arch.nEmbd;
    for (let i = 0; i < this.arch.nLayer; i++)
      this.zeroColumns(`transformer.h.${i}.attn.c_attn.weight`, d, (this.options.useV ? 3 : 2) * d);
  }

  protected block(layer: number, x: tf.Tensor2D, context: BlockContext): tf.Tensor2D {
    const p = `transformer.h.${layer}`;
    const h = this.layerNorm(`${p}.ln_1`, x) as tf.Tensor2D;
    const attn = tf.mul(this.param(`${p}.beta_sa`), this.#shapedAttention(p, h, context));
    const mlp = tf.mul(this.param(`${p}.beta_ff`), this.mlp(`${p}.mlp`, h));
    return tf.add(tf.add(x, attn), mlp) as tf.Tensor2D;
  }

  #shapedAttention(p: string, h: tf.Tensor2D, context: BlockContext): tf.Tensor2D {
    const { nEmbd: d, nHead: heads } = this.arch;
    const { useV, useProj } = this.options;
    const { batch, length, offset } = context;
    const rows = h.shape[0];
    const qkv = this.linear(`${p}.attn.c_attn`, h);
    const q = splitHeads(tf.slice(qkv, [0, 0], [rows, d]), batch, length, heads);
    const k = splitHeads(tf.slice(qkv, [0, d], [rows, d]), batch, length, heads);
    // Without useV each head mixes its own channel slice of the normalised input.
    const v = splitHeads(useV ? tf.slice(qkv, [0, 2 * d], [rows, d]) : h, batch, length, heads);
    const [keysT, values] = withCache(k, v, context);
    const keys = keysT.shape[2];
    const { padding } = context;
    const a = tf.reshape(causalAttentionWeights(q, keysT, offset, padding), [batch, heads, length, keys]);
    const perHead = (name: string) => {
      const s = this.param(`${p}.attn.${name}`);
      return s.rank === 0 ? s : tf.reshape(s, [1, heads, 1, 1]);
    };
    const shaped = tf.sub(
      tf.add(tf.mul(perHead('beta'), a), tf.mul(perHead('alpha'), identityRows(length, keys, offset))),
      // With padding C averages over each row's real keys only, so it changes with the mask.
      tf.mul(
        perHead('gamma'),
        padding === null ? causalAverageRows(length, keys, offset) : padding.average(),
      ),
    );
    const s = this.dropout(
      tf.reshape(shaped, [batch * heads, length, keys]),
      context.training,
    ) as tf.Tensor3D;
    const y = mergeHeads(batchMatMul(s, values), batch, heads);
    return useProj ? this.linear(`${p}.attn.c_proj`, y) : y;
  }
}
