/** GPT-2-style pre-LayerNorm decoder (registry key "Vanilla"), nanoGPT parameter names. */
import * as tf from '@tensorflow/tfjs-core';
import { causalAttentionWeights, mergeHeads, splitHeads, withCache } from './attention.js';
import { causalSelfAttention } from './fused-attention.js';
import { addSame, batchMatMul } from './ops.js';
import { TransformerModel } from './transformer.js';
import type { BlockContext } from './types.js';

export class VanillaTransformerModel extends TransformerModel {
  protected buildBlocks(): void {
    const d = this.arch.nEmbd;
    for (let i = 0; i < this.arch.nLayer; i++) {
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
    const x1 = addSame(x, attn) as tf.Tensor2D;
    return addSame(x1, this.mlp(`${p}.mlp`, this.layerNorm(`${p}.ln_2`, x1) as tf.Tensor2D)) as tf.Tensor2D;
  }

  #attention(p: string, h: tf.Tensor2D, context: BlockContext): tf.Tensor2D {
    const { nEmbd: d, nHead: heads, dropout: rate } = this.arch;
    const { batch, length } = context;
    const rows = h.shape[0];
    if (context.cache === null && context.padding === null && context.offset === 0) {
      // Training and uncached calls: q, k, v, scores and the merged heads in one node (fused-attention.ts).
      const { training } = context;
      const y = causalSelfAttention(
        h,
        this.param(`${p}.attn.c_attn.weight`) as tf.Tensor2D,
        this.maybeParam(`${p}.attn.c_attn.bias`) as tf.Tensor1D | undefined,
        { batch, length, heads, dropout: rate, training, seed: this.nextDropoutSeed() },
      );
      return this.dropout(this.linear(`${p}.attn.c_proj`, y), training) as tf.Tensor2D;
    }
    const qkv = this.linear(`${p}.attn.c_attn`, h);
    // Columns of the fused projection are sliced instead of split (split is slow on tfjs-wasm).
    const q = splitHeads(tf.slice(qkv, [0, 0], [rows, d]), batch, length, heads);
    const k = splitHeads(tf.slice(qkv, [0, d], [rows, d]), batch, length, heads);
    const v = splitHeads(tf.slice(qkv, [0, 2 * d], [rows, d]), batch, length, heads);
    const [keysT, values] = withCache(k, v, context);
    const weights = this.dropout(
      causalAttentionWeights(q, keysT, context.offset, context.padding),
      context.training,
    ) as tf.Tensor3D;
    const y = mergeHeads(batchMatMul(weights, values), batch, heads);
    return this.dropout(this.linear(`${p}.attn.c_proj`, y), context.training) as tf.Tensor2D;
  }
}
