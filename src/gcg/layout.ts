/**
 * Where the optimised string sits in each prompt, in token space. A prompt becomes
 *   [before | optimised | after | response]
 * where `before` and `after` are the chat-rendered text around the optimised string (tokenised on
 * their own, as nanoGCG does) and `response` is the teacher-forced target completion. Positions are
 * computed once here so that the gradient pass and candidate scoring read the same tokens.
 */
import { BadInputError } from '../errors.js';
import type { Tokenizer } from '../model/tokenizer.js';
import type { Placement } from '../eval/placement.js';
import { placeOptim } from '../eval/placement.js';

const sentinel = '\u0001OPTIM\u0001';

export interface PromptLayout {
  prompt: string;
  before: number[];
  after: number[];
  /** Teacher-forced completion tokens (the logit target, or response positions); may be empty. */
  response: number[];
  /** The same prompt with no optimised string at all, for activation shifts. */
  clean: number[];
}

/** Renders a user turn through the chat template, or plain when the tokenizer has none. */
export function renderUserTurn(tokenizer: Tokenizer, content: string): string {
  return tokenizer.hasChatTemplate ? tokenizer.chat([{ role: 'user', content }], { addGenerationPrompt: true }) : content;
}

export function promptLayout(tokenizer: Tokenizer, prompt: string, placement: Placement, responseText: string): PromptLayout {
  if (prompt.includes(sentinel)) throw new BadInputError('a prompt contains a control character triggerfish reserves; remove \\u0001');
  const rendered = renderUserTurn(tokenizer, placeOptim(prompt, sentinel, placement));
  const at = rendered.indexOf(sentinel);
  // For suffix placement the space before the optimised string belongs to the string itself
  // (" x x x"), so that byte-level BPE sees the same word boundaries piecewise and whole.
  let beforeText = rendered.slice(0, at);
  if (placement === 'suffix' && beforeText.endsWith(' ')) beforeText = beforeText.slice(0, -1);
  const afterText = rendered.slice(at + sentinel.length);
  return {
    prompt,
    before: tokenizer.encode(beforeText),
    after: tokenizer.encode(afterText),
    response: responseText === '' ? [] : tokenizer.encode(responseText),
    clean: tokenizer.encode(renderUserTurn(tokenizer, prompt)),
  };
}

/** The optimised string's text as it is placed: suffix strings carry their leading space. */
export function optimText(text: string, placement: Placement): string {
  return placement === 'suffix' && !text.startsWith(' ') ? ` ${text}` : text;
}

/** Index bookkeeping for one prompt and an optimised string of `optimLength` tokens. */
export function positions(layout: PromptLayout, optimLength: number) {
  const optimStart = layout.before.length;
  const responseStart = optimStart + optimLength + layout.after.length;
  return {
    optimStart,
    responseStart,
    total: responseStart + layout.response.length,
    /** The last prompt token (end of the assistant header): where the model decides how to answer. */
    lastPrompt: responseStart - 1,
    cleanLast: layout.clean.length - 1,
  };
}
