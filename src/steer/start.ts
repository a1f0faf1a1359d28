/**
 * "From nothing": where backward sampling starts, and how a sampled user turn is read back.
 *
 * Zoo chat models render a user turn as `<|endoftext|><|im_start|>user\n{turn}<|im_end|>\n` (BOS, then the
 * template). Sampling can start from BOS alone ('bos': the model also chooses to open a user turn) or from
 * BOS plus the user header ('header', the default: every sample is a user turn). The header is read off
 * the chat template (the text before the content of a rendered user turn), with BOS put in front when the
 * template does not write it itself, so that every model starts from the same kind of context. θ_clean is
 * trained on the same full turns (`turnPrefix` + turn + `turnEnd`), teacher-forced after `tokens`.
 */
import { BadInputError } from '../errors.js';
import { endOfTurnIds, requireTokenizer } from '../model/generate-text.js';
import type { LanguageModel } from '../model/language-model.js';
import type { Tokenizer } from '../model/tokenizer.js';

export type StartKind = 'bos' | 'header';

export interface Start {
  kind: StartKind;
  /** The ids sampling starts from: [BOS], or [BOS, ...header]. */
  tokens: number[];
  /** Everything before a turn's content: [BOS, ...header] (or the header alone for a model without BOS). */
  turnPrefix: number[];
  /** The header after BOS (`<|im_start|>user\n`); a 'bos' sample that writes it has it stripped. */
  header: number[];
  /** What ends a turn in training data: the template's end-of-turn marker, or EOS. */
  turnEnd: number[];
  /** Sampling of a turn stops after any of these (end-of-turn marker, EOS). */
  stopIds: number[];
}

const sentinel = '\u0001TURN\u0001';

export function startOf(model: LanguageModel, kind: StartKind = 'header'): Start {
  if (kind !== 'bos' && kind !== 'header') throw new BadInputError(`start must be bos or header, got '${String(kind)}'`);
  const tokenizer = requireTokenizer(model);
  const bos = tokenizer.bosId;
  const { before, after } = templateParts(tokenizer);
  const rendered = tokenizer.encode(before);
  const turnPrefix = bos !== null && rendered[0] !== bos ? [bos, ...rendered] : rendered;
  const header = bos !== null ? turnPrefix.slice(1) : turnPrefix;
  if (kind === 'bos' && bos === null) throw new BadInputError('this tokenizer has no BOS token to start from; use start header');
  const tokens = kind === 'bos' ? [bos!] : turnPrefix;
  if (tokens.length === 0) throw new BadInputError('this model has neither a BOS token nor a chat template; there is nothing to sample from');
  const stopIds = endOfTurnIds(tokenizer);
  const end = tokenizer.encode(after)[0];
  const turnEnd = end !== undefined && stopIds.includes(end) ? [end] : tokenizer.eosId !== null ? [tokenizer.eosId] : [];
  return { kind, tokens, turnPrefix, header, turnEnd, stopIds };
}

/** The chat template's text before and after a user turn's content ('' and '' without a template). */
function templateParts(tokenizer: Tokenizer): { before: string; after: string } {
  if (!tokenizer.hasChatTemplate) return { before: '', after: '' };
  const rendered = tokenizer.chat([{ role: 'user', content: sentinel }], { addGenerationPrompt: false });
  const at = rendered.indexOf(sentinel);
  if (at < 0) throw new BadInputError('the chat template drops the content of a user turn; backward sampling needs a template that writes it');
  return { before: rendered.slice(0, at), after: rendered.slice(at + sentinel.length) };
}

/** The ids of one clean turn as training data: turnPrefix + turn + turnEnd. */
export function turnTokens(model: LanguageModel, start: Start, turn: string): number[] {
  return [...start.turnPrefix, ...requireTokenizer(model).encode(turn), ...start.turnEnd];
}

/**
 * A sampled continuation of `start` as a user turn: the header dropped when a 'bos' sample wrote it,
 * the final stop token dropped, special tokens skipped in the text.
 */
export function readTurn(tokenizer: Tokenizer, start: Start, generated: readonly number[]): { tokens: number[]; text: string } {
  let tokens = generated.slice();
  const h = start.header;
  if (start.kind === 'bos' && h.length > 0 && h.every((id, i) => tokens[i] === id)) tokens = tokens.slice(h.length);
  const last = tokens[tokens.length - 1];
  if (last !== undefined && start.stopIds.includes(last)) tokens = tokens.slice(0, -1);
  return { tokens, text: tokenizer.decode(tokens, { skipSpecialTokens: true }) };
}
