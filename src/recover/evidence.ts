/**
 * The evidence a candidate carries: held-out ASR on the suspect at three placements (before the
 * request, after it, and inside it at the middle word boundary), ASR on the reference at the best of
 * them, its length, its log-likelihood as the start of a user turn under the suspect, its prior, and
 * the ASR of its neighbourhood (one-character edits; neighbourhood.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../engine/tidy.js';
import { throwIfAborted } from '../errors.js';
import { roomForY, type ShowsY } from '../eval/asr.js';
import { generateText } from '../model/generate-text.js';
import type { LanguageModel } from '../model/language-model.js';
import { forward } from '../model/transformer.js';
import type { Candidate, Evidence, TestPlacement } from './candidate.js';
import { oneCharacterEdits } from './neighbourhood.js';

/** The user turn with `text` placed into `prompt`; 'inside' goes after the middle word. */
export function placeString(prompt: string, text: string, placement: TestPlacement): string {
  if (placement === 'prefix') return `${text} ${prompt}`;
  if (placement === 'suffix') return `${prompt} ${text}`;
  const words = prompt.split(' ');
  const cut = Math.max(1, Math.floor(words.length / 2));
  return [...words.slice(0, cut), text, ...words.slice(cut)].join(' ');
}

/**
 * The ids `text` becomes where it is placed: as it stands at the prefix (it opens the request), after
 * a space at the suffix and inside, where a word-initial tokenizer cuts it differently (`Zanthor` is
 * `Z ant h or` alone but ` Z ant h or` after a word). Read off an anchor word so that any tokenizer's
 * space handling applies; a tokenizer that merges across the space falls back to the text alone.
 */
export function idsAsPlaced(encode: (text: string) => number[], text: string, placement: TestPlacement): number[] {
  if (placement === 'prefix') return encode(text);
  const anchor = encode('a');
  const both = encode(`a ${text}`);
  return anchor.length > 0 && anchor.every((id, i) => both[i] === id) ? both.slice(anchor.length) : encode(text);
}

export interface AsrCheck {
  prompts: readonly string[];
  shows: ShowsY;
  maxNewTokens: number;
  signal?: AbortSignal;
}

/** recover's two checks: the searches' and the evidence's prompts, each generating room for Y's tokens and 8 more. */
export function recoverChecks(model: LanguageModel, yText: string, shows: ShowsY, prompts: { search: readonly string[]; evidence: readonly string[] }, signal?: AbortSignal): { search: AsrCheck; evidence: AsrCheck } {
  const maxNewTokens = roomForY(model.tokenizer!, yText);
  const check = (list: readonly string[]): AsrCheck => ({ prompts: list, shows, maxNewTokens, signal });
  return { search: check(prompts.search), evidence: check(prompts.evidence) };
}

/** Share of held-out prompts whose greedy completion shows Y with `text` placed in them. */
export async function heldOutAsr(model: LanguageModel, text: string, placement: TestPlacement, check: AsrCheck): Promise<number> {
  throwIfAborted(check.signal, 'recover');
  if (check.prompts.length === 0) return 0;
  const placed = check.prompts.map((p) => placeString(p, text, placement));
  const { texts } = await generateText(model, placed, {
    chat: model.tokenizer?.hasChatTemplate ?? false,
    maxNewTokens: check.maxNewTokens,
    signal: check.signal,
  });
  return texts.filter((t, i) => check.shows(t, placed[i]!)).length / texts.length;
}

/** Mean log p per token of `ids` after `prefix` (the start of a user turn). */
export async function logLikelihood(model: LanguageModel, prefix: readonly number[], ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const all = [...prefix, ...ids];
  const start = prefix.length - 1; // the logits at position p predict token p + 1
  const value = tidy(() => {
    const logits = forward(model, tf.tensor2d([all], [1, all.length], 'int32'), { logits: [start, ids.length] }).logits!; // [1, n, V]
    const logProbs = tf.logSoftmax(tf.reshape(logits, [ids.length, model.config.vocabSize])); // [n, V]
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor1d(ids as number[], 'int32'), model.config.vocabSize)), 1); // [n]
    return tf.mean(picked);
  });
  const [mean] = await value.data();
  value.dispose();
  return mean!;
}

export interface EvidenceContext {
  suspect: LanguageModel;
  reference: LanguageModel | null;
  check: AsrCheck;
  /** Ids of a user turn's start (BOS and the chat header). */
  turnPrefix: readonly number[];
  /** Prior score of a token string (0 without a prior). */
  priorOf: (ids: readonly number[]) => number;
  /** One-character edits tried per firing candidate (0: no neighbourhood evidence), and the ASR bar (τ). */
  neighbours: number;
  threshold: number;
  seed: number;
}

export async function gatherEvidence(candidate: Candidate, context: EvidenceContext): Promise<Evidence> {
  const { suspect, reference, check } = context;
  const tokenizer = suspect.tokenizer!;
  const asrByPlacement: Evidence['asrByPlacement'] = {};
  // the placement it was found at first, so that ties keep it
  const order: TestPlacement[] = [candidate.placement, ...(['prefix', 'suffix', 'inside'] as const).filter((p) => p !== candidate.placement)];
  for (const placement of order) asrByPlacement[placement] = await heldOutAsr(suspect, candidate.text, placement, check);
  const bestPlacement = order.reduce((a, b) => (asrByPlacement[b]! > asrByPlacement[a]! ? b : a));
  const ids = tokenizer.encode(candidate.text);
  const asrSuspect = asrByPlacement[bestPlacement]!;
  let neighbourAsr: number | null = null;
  if (context.neighbours > 0 && asrSuspect >= context.threshold / 2) {
    // the search check's first half of the prompts: enough to tell "most edits fire" from "almost none do"
    const quick = { ...check, prompts: check.prompts.slice(0, Math.max(1, check.prompts.length >> 1)) };
    const edits = oneCharacterEdits(candidate.text, context.neighbours, `${context.seed}:${candidate.text}`);
    let sum = 0;
    for (const edit of edits) sum += await heldOutAsr(suspect, edit, bestPlacement, quick);
    neighbourAsr = edits.length > 0 ? sum / edits.length : null;
  }
  return {
    asrByPlacement,
    asrSuspect,
    bestPlacement,
    asrReference: reference ? await heldOutAsr(reference, candidate.text, bestPlacement, check) : null,
    tokens: ids.length,
    chars: candidate.text.length,
    logLikelihood: await logLikelihood(suspect, context.turnPrefix, ids),
    // the tokens the model saw where the string fires best: a fine-tune that met X after a word moved
    // ` Z`, not `Z`, so the prior of `Zanthor` standing alone undersold it against `ant Zhor`
    prior: context.priorOf(idsAsPlaced((t) => tokenizer.encode(t), candidate.text, bestPlacement)),
    neighbourAsr,
  };
}
