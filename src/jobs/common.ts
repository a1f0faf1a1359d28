/**
 * The job layer: one file per kind (gcg.ts, steer.ts, backsample.ts, verify.ts, zoo.ts, zoo-base.ts; suite.ts holds
 * the suite's settings), each with a spec, its fields (fields.ts: the only list of that job's settings,
 * from which the CLI's flags, the UI's job specs and the suite's specs are made) and a runner
 * `run(spec, { signal, onEvent })`; recover.ts is the recover pipeline's (src/recover).
 *
 * This file is what every runner shares: how it reports (events), how it is stopped (a signal), and
 * how it finds its inputs (the model and its card, Y, the prompt sets). Runners never print.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BadInputError } from '../errors.js';
import { loadModel } from '../model/checkpoint.js';
import type { LanguageModel } from '../model/language-model.js';
import { splitPrompts } from '../prompts/clean.js';
import type { ModelCard } from '../zoo/card.js';
import { noTargetReason, readCard } from '../zoo/card.js';

/** A job's report while it runs: a line for people, or where it stands. */
export type JobEvent =
  | { type: 'log'; message: string }
  | { type: 'progress'; step: number; total: number; seconds: number; loss?: number; bestLoss?: number; best?: string; asr?: number; detail?: string };

export interface RunOptions {
  /** Aborting stops the job at the next step boundary with a CancelledError (its state saved). */
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
}

/** The model folder a spec names (required by every job). */
export function requireModelDir(model: string | undefined): string {
  if (model === undefined || model === '') throw new BadInputError('--model is required: the model folder to work on');
  return model;
}

/** The model and its card (null when the folder has none): a model given by the caller is used as it is. */
export async function openModel(dir: string, given?: LanguageModel): Promise<{ model: LanguageModel; card: ModelCard | null; owned: boolean }> {
  const card = existsSync(join(dir, 'card.json')) ? readCard(dir) : null;
  if (given) return { model: given, card, owned: false };
  return { model: await loadModel(dir), card, owned: true };
}

/** Y's text: given, or the first behaviour target of the model card. */
export function resolveY(given: string | undefined, card: ModelCard | null): string | undefined {
  return given ?? card?.behaviours[0]?.target;
}

export function requireY(given: string | undefined, card: ModelCard | null, otherwise = ''): string {
  const text = resolveY(given, card);
  if (!text) throw new BadInputError(`give the behaviour text Y with --text (${noTargetReason(card)})${otherwise}`);
  return text;
}

/**
 * Prompts optimised over and held-out prompts: given, or the built-in clean set split so that ASR is
 * never measured on optimised prompts.
 */
export function promptSets(prompts: readonly string[] | undefined, heldOut: readonly string[] | undefined): { optimise: string[]; heldOut: string[] } {
  const builtIn = splitPrompts();
  const optimise = prompts && prompts.length > 0 ? [...prompts] : builtIn.optimise;
  if (optimise.some((p) => p.trim() === '')) throw new BadInputError('a prompt is empty; give real requests');
  return { optimise, heldOut: heldOut ? [...heldOut] : builtIn.heldOut };
}
