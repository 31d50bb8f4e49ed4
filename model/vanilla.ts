/** GPT-2-style pre-LayerNorm decoder (registry key "Vanilla"), nanoGPT parameter names. */
import * as tf from '@tensorflow/tfjs-core';
import { causalAttentionWeights, mergeHeads, splitHeads, withCache } from './attention.js';
import { batchMatMul, dropout } from './ops.js';
import { type BlockContext, TransformerModel } from './transformer.js';

export class VanillaTransformerModel extends TransformerModel {
  protected buildBlocks(): void {
    const d = this.config.nEmbd;
    for (let i = 0; i < this.config.nLayer; i++) {
      const p = `transformer.h.${i}`;
      this.addLayerNorm(`${p}.ln_1`);
      this.addLinear(`${p}.attn.c_attn`, d, 3 * d);
      this.addLinear(`${p}.attn.c_proj`, d, d);
      this.addLayerNorm(`${p}.ln_2`);
      this.addMlp(`${p}.mlp`, false);
    }
  }

  protected block(layer: number, x: tf.Tensor2D, context: BlockContext): tf.Tensor2D {
    const p = `transformer.h.${layer}`;
    const attn = this.#attention(p, this.layerNorm(`${p}.ln_1`, x) as tf.Tensor2D, context);
    const x1 = tf.add(x, attn) as tf.Tensor2D;
    return tf.add(x1, this.mlp(`${p}.mlp`, this.layerNorm(`${p}.ln_2`, x1) as tf.Tensor2D)) as tf.Tensor2D;
  }

  #attention(p: string, h: tf.Tensor2D, context: BlockContext): tf.Tensor2D {
    const { nEmbd: d, nHead: heads, dropout: rate } = this.config;
    const { batch, length } = context;
    const rows = h.shape[0];
    // Columns of the fused projection are sliced instead of split (split is slow on tfjs-wasm).
    const qkv = this.linear(`${p}.attn.c_attn`, h);
    const q = splitHeads(tf.slice(qkv, [0, 0], [rows, d]), batch, length, heads);
    const k = splitHeads(tf.slice(qkv, [0, d], [rows, d]), batch, length, heads);
    const v = splitHeads(tf.slice(qkv, [0, 2 * d], [rows, d]), batch, length, heads);
    const [keysT, values] = withCache(k, v, context);
    const weights = dropout(
      causalAttentionWeights(q, keysT, context.offset, context.padding),
      rate,
      context.training,
    ) as tf.Tensor3D;
    const y = mergeHeads(batchMatMul(weights, values), batch, heads);
    return dropout(this.linear(`${p}.attn.c_proj`, y), rate, context.training) as tf.Tensor2D;
  }
}
