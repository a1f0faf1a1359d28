/**
 * The token gradient: d loss / d one-hot, for the optimised positions, summed over prompts.
 * The one-hot matrix [n, V] times the embedding matrix gives the optimised tokens' embeddings;
 * nothing flows into the weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import type { LanguageModel } from '../model/language-model.js';
import { embedTokens } from '../model/transformer.js';
import type { PromptLayout } from './layout.js';
import { losses } from './sequence.js';
import type { PreparedTarget } from './targets.js';

/**
 * The mean loss over prompts as a function of a (possibly fractional) one-hot matrix [n, V]:
 * the optimised tokens' embeddings are oneHot @ wte.
 */
export function oneHotLoss(model: LanguageModel, layouts: readonly PromptLayout[], targets: readonly PreparedTarget[], oneHot: tf.Tensor2D): tf.Scalar {
  const n = oneHot.shape[0];
  const perPrompt = layouts.map((layout, i) => {
    const target = targets[i]!;
    const embeds = sequenceEmbeds(model, layout, oneHot);
    // a contrast target's reference reads the same one-hot through its own embedding table
    const referenceInput = target.reference ? { embeds: sequenceEmbeds(target.reference, layout, oneHot) } : undefined;
    return losses(model, { embeds }, layout, n, target, { offset: 0, ...(referenceInput && { referenceInput }) });
  });
  return tf.div(tf.sum(tf.addN(perPrompt)), layouts.length) as tf.Scalar; // mean over prompts
}

/** [1, T, D] embeddings of before | oneHot @ wte | after | response for one prompt. */
function sequenceEmbeds(model: LanguageModel, layout: PromptLayout, oneHot: tf.Tensor2D): tf.Tensor3D {
  const embed = (ids: number[]) => embedTokens(model, tf.tensor2d([ids], [1, ids.length], 'int32'));
  const optimEmbeds = tf.expandDims(tf.matMul(oneHot, model.params.wte), 0) as tf.Tensor3D; // [1, n, D]
  const pieces = [embed(layout.before), optimEmbeds, embed(layout.after), ...(layout.response.length ? [embed(layout.response)] : [])];
  return tf.concat(pieces.filter((p) => p.shape[1] > 0), 1) as tf.Tensor3D; // [1, T, D]
}

/** Returns the gradient [n, V] (flattened, row-major) and the mean loss of the current string. */
export async function tokenGradient(
  model: LanguageModel,
  layouts: readonly PromptLayout[],
  targets: readonly PreparedTarget[],
  optimIds: readonly number[],
): Promise<{ gradient: Float32Array; loss: number }> {
  const V = model.config.vocabSize;
  const [gradient, loss] = tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(optimIds as number[], 'int32'), V).toFloat() as tf.Tensor2D; // [n, V]
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => oneHotLoss(model, layouts, targets, x as tf.Tensor2D))(oneHot);
    return [grad, value];
  });
  const [g, l] = await Promise.all([gradient.data(), loss.data()]);
  tf.dispose([gradient, loss]);
  return { gradient: g as Float32Array, loss: l[0]! };
}
