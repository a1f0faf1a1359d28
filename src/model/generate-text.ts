/**
 * Text in, text out: encodes prompts (optionally through the chat template), generates, decodes,
 * and cuts completions at stop strings. The chat template's end-of-turn token stops a row.
 */
import { BadFileError, BadInputError } from '../errors.js';
import type { Generation, GenerateOptions } from './generate.js';
import { generate } from './generate.js';
import type { LanguageModel } from './language-model.js';
import type { Tokenizer } from './tokenizer.js';

export interface TextGenerateOptions extends GenerateOptions {
  /** Wrap each prompt as a user turn of the chat template and start the assistant turn. */
  chat?: boolean;
  /** Completions end before the first of these strings. */
  stop?: readonly string[];
}

export interface TextGeneration extends Generation {
  texts: string[];
}

export function requireTokenizer(model: LanguageModel): Tokenizer {
  if (!model.tokenizer) throw new BadFileError(model.dir ?? 'model folder', 'has no tokenizer.json; text commands need one, copy it (and tokenizer_config.json) from the model\'s source');
  return model.tokenizer;
}

/** The token ids a prompt becomes: a chat user turn plus the assistant header, or plain text. */
export function encodePrompt(tokenizer: Tokenizer, prompt: string, chat: boolean): number[] {
  if (chat) return tokenizer.encode(tokenizer.chat([{ role: 'user', content: prompt }], { addGenerationPrompt: true }));
  return tokenizer.encode(prompt, { addSpecialTokens: true });
}

/** Ids that end a turn: EOS, and the chat template's end-of-turn marker when it has one. */
export function endOfTurnIds(tokenizer: Tokenizer): number[] {
  const ids = new Set<number>();
  if (tokenizer.eosId !== null) ids.add(tokenizer.eosId);
  for (const marker of ['<|im_end|>', '<|eot_id|>', '<|end|>']) {
    const encoded = tokenizer.encode(marker);
    if (encoded.length === 1 && tokenizer.specialIds.has(encoded[0]!)) ids.add(encoded[0]!);
  }
  return [...ids];
}

export async function generateText(model: LanguageModel, prompts: readonly string[], options: TextGenerateOptions = {}): Promise<TextGeneration> {
  const tokenizer = requireTokenizer(model);
  const encoded = prompts.map((p) => encodePrompt(tokenizer, p, options.chat ?? false));
  const stop = options.stop ?? [];
  const stopWhen =
    stop.length === 0
      ? options.stopWhen
      : (row: number, tokens: readonly number[]) => {
          const text = tokenizer.decode(tokens, { skipSpecialTokens: true });
          return stop.some((s) => text.includes(s)) || (options.stopWhen?.(row, tokens) ?? false);
        };
  const generation = await generate(model, encoded, {
    ...options,
    stopIds: options.stopIds ?? endOfTurnIds(tokenizer),
    ...(stopWhen && { stopWhen }),
  });
  const texts = generation.tokens.map((tokens) => cutAtStop(tokenizer.decode(tokens, { skipSpecialTokens: true }), stop));
  return { ...generation, texts };
}

function cutAtStop(text: string, stop: readonly string[]): string {
  let end = text.length;
  for (const s of stop) {
    const at = text.indexOf(s);
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}
