/** Turns a target spec into the tensors the loss needs for one prompt (computed once per run). */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { BadInputError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import type { GcgTargetSpec } from './config.js';
import type { PromptLayout } from './layout.js';
import type { PreparedTarget } from './targets.js';

export function prepareTarget(model: LanguageModel, spec: GcgTargetSpec, layout: PromptLayout, mellowmaxAlpha: number | null, reference: LanguageModel | null = null): PreparedTarget {
  const D = model.config.dModel;
  const contrastWith = checkReference(model, spec, reference);
  if (spec.kind === 'activation' || spec.kind === 'mixed') {
    if (spec.direction.length !== D) {
      throw new BadInputError(`the activation direction is ${spec.direction.length} wide but the model's d_model is ${D}; use a vector made for this model`);
    }
    if (!(Number.isInteger(spec.layer) && spec.layer >= 0 && spec.layer <= model.config.nLayers)) {
      throw new BadInputError(`activation layer ${spec.layer} is outside 0..${model.config.nLayers}`);
    }
    if (spec.positions === 'response' && layout.response.length === 0) throw new BadInputError('response positions need a response text');
  }
  if (spec.kind !== 'activation' && layout.response.length === 0) throw new BadInputError('the logit target needs a non-empty target text Y');
  // the reference is attached after tidy: tidy walks what it returns, and a model is no tensor container
  const prepared = tidy((): PreparedTarget => {
    const responseIds = layout.response.length > 0 ? tf.tensor1d(layout.response, 'int32') : null;
    const mellowmax = mellowmaxAlpha === null ? null : { alpha: mellowmaxAlpha };
    if (spec.kind === 'logit' || spec.kind === 'contrast') return { spec, responseIds, direction: null, cleanActivations: null, mellowmax, reference: null };
    const raw = tf.tensor1d(spec.direction);
    const direction = tf.div(raw, tf.add(tf.norm(raw), 1e-12)) as tf.Tensor1D;
    // the clean prompt (no optimised string), with the response appended when positions need it
    const ids = spec.positions === 'response' ? [...layout.clean, ...layout.response] : layout.clean;
    const result = forward(model, tf.tensor2d([ids], [1, ids.length], 'int32'), { stopAt: spec.layer });
    const start = spec.positions === 'last' ? layout.clean.length - 1 : layout.clean.length;
    const count = spec.positions === 'last' ? 1 : layout.response.length;
    const cleanActivations = tf.reshape(tf.slice(result.hidden, [0, start, 0], [1, count, D]), [count, D]) as tf.Tensor2D;
    return { spec, responseIds, direction, cleanActivations, mellowmax, reference: null };
  });
  return { ...prepared, reference: contrastWith };
}

/** A contrast target needs a reference with the same vocabulary; the other kinds take none. */
function checkReference(model: LanguageModel, spec: GcgTargetSpec, reference: LanguageModel | null): LanguageModel | null {
  if (spec.kind !== 'contrast') return null;
  if (!reference) throw new BadInputError('the contrast target needs a reference model (the base or a clean fine-tune); give --reference <dir>');
  if (reference.config.vocabSize !== model.config.vocabSize) {
    throw new BadInputError(`the reference's vocabulary has ${reference.config.vocabSize} tokens but the model's ${model.config.vocabSize}; use a reference made from the same base`);
  }
  if (!(spec.weight >= 0 && Number.isFinite(spec.margin))) throw new BadInputError(`contrast weight must be >= 0 and margin finite, got ${spec.weight} and ${spec.margin}`);
  return reference;
}

export function disposeTarget(target: PreparedTarget): void {
  for (const t of [target.responseIds, target.direction, target.cleanActivations]) t?.dispose();
}
