/** The direction an activation target aims at, from a vector file of src/steer. */
import { BadInputError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import type { ParsedArgs } from './command.js';
import { flag, num, requireStr, str } from './args.js';

export async function loadDirection(model: LanguageModel, args: ParsedArgs): Promise<{ values: Float32Array; layer: number }> {
  const file = requireStr(args, 'vector', 'a vector file from triggerfish steer (activation and mixed targets aim at it)');
  const { loadVectorSet } = await import('../steer/vector-set.js');
  const set = await loadVectorSet(file, model, { allowOtherModel: flag(args, 'allow-other-model') });
  const index = num(args, 'index', 0, { min: 0, integer: true });
  if (index >= set.vectors.length) throw new BadInputError(`--index ${index} is out of range: ${file} holds ${set.vectors.length} vectors`);
  const use = str(args, 'use') ?? 'delta';
  if (use !== 'delta' && use !== 'vector') throw new BadInputError(`--use must be delta or vector, got '${use}'`);
  const layerFlag = str(args, 'layer');
  const layer = layerFlag ? num(args, 'layer', 0, { integer: true }) : undefined;
  if (use === 'delta') {
    if (!set.deltas || set.targetLayer === undefined) throw new BadInputError(`${file} has no deltas; use --use vector, or train vectors that record their δ`);
    return { values: set.deltas[index]!, layer: layer ?? set.targetLayer };
  }
  return { values: set.vectors[index]!, layer: layer ?? residualIndex(set.hook) };
}

/**
 * The hidden_states index where a vector added at `hook` lives: blocks.{l}.hook_resid_post is
 * hidden_states[l + 1]; resid_pre of block l is hidden_states[l].
 */
export function residualIndex(hook: string): number {
  const match = /^blocks\.(\d+)\.hook_(resid_pre|resid_mid|resid_post|attn_out|mlp_out)$/.exec(hook);
  if (!match) throw new BadInputError(`vectors at ${hook} have no residual-stream layer; pass --layer`);
  return Number(match[1]) + (match[2] === 'resid_pre' ? 0 : 1);
}
