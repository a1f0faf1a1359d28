/** triggerfish generate <model-dir> --prompt ... [--chat]: completes prompts (batched). */
import { BadInputError } from '../errors.js';
import { generateText } from '../model/generate-text.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag, num, onePositional, strList } from './args.js';
import { backendAndModel } from './load.js';

const usage = 'triggerfish generate <model-dir> --prompt <text> [--prompt <text> ...] [--chat] [--max-tokens 32] [--temperature 0] [--seed 0] [--json]';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'complete one or more prompts (greedy or seeded sampling)',
  usage,
  help: '--chat wraps each prompt as a user turn of the chat template; --stop cuts completions at a string.',
  options: {
    ...jsonOption,
    prompt: { type: 'string', multiple: true, placeholder: '<text>', description: 'a prompt to complete (at least one)' },
    chat: { type: 'boolean', description: 'wrap each prompt as a user turn of the chat template' },
    'max-tokens': { type: 'string', placeholder: '<n>', shownDefault: '32', description: 'tokens to generate per prompt' },
    temperature: { type: 'string', placeholder: '<x>', shownDefault: '0', description: 'sampling temperature (0: greedy)' },
    'top-k': { type: 'string', placeholder: '<n>', shownDefault: '0', description: 'sample from the k most likely tokens (0: all)' },
    'top-p': { type: 'string', placeholder: '<x>', shownDefault: '1', description: 'nucleus sampling mass' },
    seed: { type: 'string', placeholder: '<n>', shownDefault: '0', description: 'random seed for sampling' },
    stop: { type: 'string', multiple: true, placeholder: '<text>', description: 'cut completions at this string' },
  },
  async run(args, io) {
    const dir = onePositional(args, 'model folder', usage);
    const prompts = strList(args, 'prompt');
    if (prompts.length === 0) throw new BadInputError(`give at least one --prompt; usage: ${usage}`);
    const options = {
      chat: flag(args, 'chat'),
      maxNewTokens: num(args, 'max-tokens', 32, { min: 1, integer: true }),
      temperature: num(args, 'temperature', 0, { min: 0 }),
      topK: num(args, 'top-k', 0, { min: 0, integer: true }),
      topP: num(args, 'top-p', 1, { min: 0, max: 1 }),
      seed: num(args, 'seed', 0, { integer: true }),
      stop: strList(args, 'stop'),
    };
    const { backend, model } = await backendAndModel(dir);
    if (options.chat && !model.tokenizer?.hasChatTemplate) {
      throw new BadInputError(`${dir} has no chat template; drop --chat and give a plain prompt`);
    }
    io.log(`generating on ${backend.name} (${backend.device})`);
    const result = await generateText(model, prompts, options);
    if (flag(args, 'json')) {
      return io.json({
        completions: prompts.map((prompt, i) => ({ prompt, text: result.texts[i], tokens: result.tokens[i], finish: result.finish[i] })),
        backend: backend.name,
      });
    }
    if (prompts.length === 1) return io.print(result.texts[0] ?? '');
    prompts.forEach((prompt, i) => io.print(`> ${prompt}\n${result.texts[i]}\n`));
  },
};
