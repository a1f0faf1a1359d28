/**
 * triggerfish logits <model-dir> --ids 1,2,3 [--json]: logits for every position and every hidden
 * state (as Hugging Face's hidden_states), in f32, so another implementation can be held against us.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../errors.js';
import { hiddenStateHook } from '../model/hooks.js';
import { forward } from '../model/transformer.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag, intList, onePositional, requireStr } from './args.js';
import { backendAndModel } from './load.js';

const usage = 'triggerfish logits <model-dir> --ids 1,2,3 [--json]';

export const logitsCommand: Command = {
  name: 'logits',
  summary: 'logits and hidden states for token ids (golden values for other implementations)',
  usage,
  help: 'With --json: {"logits": [[...] per position], "hidden": [[[...] per position] per hidden state]}.',
  options: { ...jsonOption, ids: { type: 'string', placeholder: '<a,b,...>', description: 'comma-separated token ids to run (required)' } },
  async run(args, io) {
    const dir = onePositional(args, 'model folder', usage);
    const ids = intList(requireStr(args, 'ids', 'comma-separated token ids, e.g. --ids 1,2,3'), 'ids');
    const { model } = await backendAndModel(dir, { tokenizer: !flag(args, 'json') });
    const V = model.config.vocabSize;
    const bad = ids.find((id) => id >= V);
    if (bad !== undefined) throw new BadInputError(`token id ${bad} is outside the vocabulary (0..${V - 1})`);
    const L = model.config.nLayers;
    const names = Array.from({ length: L + 1 }, (_, l) => hiddenStateHook(L, l));
    const out = tf.tidy(() => {
      const r = forward(model, tf.tensor2d([ids], [1, ids.length], 'int32'), { cache: names });
      return [tf.squeeze(r.logits!, [0]), ...names.map((n) => tf.squeeze(r.cache[n]!, [0]))];
    });
    const [logits, ...hidden] = (await Promise.all(out.map((t) => t.array()))) as number[][][];
    tf.dispose(out);
    if (flag(args, 'json')) return io.json({ logits, hidden });
    const tokenizer = model.tokenizer;
    io.print(`${ids.length} positions, ${V} logits each, ${hidden.length} hidden states of width ${model.config.dModel}; top next tokens:`);
    logits!.forEach((row, t) => {
      const top = row.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 5);
      const shown = top.map(([v, i]) => `${tokenizer ? JSON.stringify(tokenizer.tokenText(i)) : i} ${v.toFixed(3)}`).join('  ');
      io.print(`  ${String(t).padStart(3)} [${ids[t]}]  ${shown}`);
    });
  },
};
