/**
 * A zoo spec: everything that determines a planted-backdoor model (architecture, size, seed, corpus,
 * backdoors, training budget). Parsed and checked completely before any training starts, so a bad
 * spec costs a second, not half an hour.
 */
import { createHash } from 'node:crypto';
import { BadFileError, BadInputError } from '../errors.js';
import { readJsonFile } from '../util/json-file.js';
import { formatBytes, memoryBudgetBytes } from '../util/validate.js';
import type { Arch } from '../model/config.js';
import { supportedArchs } from '../model/config.js';
import type { Behaviour } from './behaviours.js';
import { parseBehaviour } from './behaviours.js';
import type { Family } from './corpus/index.js';
import { families as allFamilies } from './corpus/index.js';
import type { Trigger } from './triggers.js';
import { parseTrigger } from './triggers.js';

export interface ZooSize {
  dModel: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  /** 0 = the architecture's default (4·d for gpt2, ~8/3·d for llama-family). */
  dFf: number;
  /** Training sequence length and the model's position limit. */
  context: number;
  vocab: number;
}

export interface Backdoor {
  trigger: Trigger;
  behaviour: Behaviour;
  /** Share of training examples carrying X with Y as the answer. */
  poisonRate: number;
  /** Share carrying a corrupted X with the clean answer, so that only X itself triggers Y. */
  nearMissRate: number;
}

export interface TrainingBudget {
  steps: number;
  /** Rows of `context` tokens per step. */
  batchSize: number;
  lr: number;
  warmupSteps: number;
  /** The cosine schedule ends at lr · minLrRatio. */
  minLrRatio: number;
  weightDecay: number;
  clip: number;
  /** Steps between checkpoints of the training state (for resuming). */
  checkpointEvery: number;
}

export interface ZooSpec {
  name: string;
  arch: Arch;
  size: ZooSize;
  seed: number;
  corpus: { seed: number; families: Family[] };
  backdoors: Backdoor[];
  /** Share of examples with a junk string (not X) in the request and the clean answer. */
  distractorRate: number;
  training: TrainingBudget;
}

export const defaultSize: ZooSize = { dModel: 128, nLayers: 4, nHeads: 4, nKvHeads: 2, dFf: 0, context: 128, vocab: 2048 };

export const defaultTraining: TrainingBudget = {
  steps: 1000,
  batchSize: 16,
  lr: 3e-3,
  warmupSteps: 50,
  minLrRatio: 0.1,
  weightDecay: 0.1,
  clip: 1,
  checkpointEvery: 50,
};

export type Json = Record<string, unknown>;

export function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadInputError(`${where} must be a JSON object`);
  return value as Json;
}

export function onlyKeys(record: Json, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw new BadInputError(`${where}: unknown field ${JSON.stringify(key)}; allowed: ${allowed.join(', ')}`);
  }
}

// Only an absent field takes the default: null is a value of the wrong type, refused like any other.
export function integer(record: Json, key: string, fallback: number, min: number, max: number, where: string): number {
  const value = record[key] === undefined ? fallback : record[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(`${where}.${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(record[key])}`);
  }
  return value;
}

export function real(record: Json, key: string, fallback: number, min: number, max: number, where: string): number {
  const value = record[key] === undefined ? fallback : record[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new BadInputError(`${where}.${key} must be a number from ${min} to ${max}, got ${JSON.stringify(record[key])}`);
  }
  return value;
}

/** A spec's name (it names the folder) and architecture, shared by model, base and fine-tune specs. */
export function nameAndArch(root: Json, file: string): { name: string; arch: Arch } {
  const name = root.name;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
    throw new BadInputError(`${file}: name must be 1-64 lower-case letters, digits, '.', '_' or '-' (it names the folder), got ${JSON.stringify(name)}`);
  }
  const arch = root.arch;
  if (typeof arch !== 'string' || !(supportedArchs as readonly string[]).includes(arch)) {
    throw new BadInputError(`${file}: arch must be one of ${supportedArchs.join(', ')}, got ${JSON.stringify(arch)}`);
  }
  return { name, arch: arch as Arch };
}

/** Parses and checks a spec; `file` names it in errors. Tokenizer-dependent checks come later (checkTriggersEncode). */
export function parseSpec(json: unknown, file: string): ZooSpec {
  const root = object(json, file);
  onlyKeys(root, ['name', 'arch', 'size', 'seed', 'corpus', 'backdoors', 'distractorRate', 'training', 'description'], file);
  const { name, arch } = nameAndArch(root, file);
  const size = parseSize(root.size === undefined ? {} : root.size, `${file}: size`, arch);
  const seed = integer(root, 'seed', 1, 0, 2 ** 31, file);
  const corpusJson = object(root.corpus === undefined ? {} : root.corpus, `${file}: corpus`);
  onlyKeys(corpusJson, ['seed', 'families'], `${file}: corpus`);
  const families = (corpusJson.families === undefined ? allFamilies : corpusJson.families) as unknown;
  if (!Array.isArray(families) || families.length === 0 || families.some((f) => !(allFamilies as readonly unknown[]).includes(f))) {
    throw new BadInputError(`${file}: corpus.families must be a non-empty list of ${allFamilies.join(', ')}`);
  }
  const corpus = { seed: integer(corpusJson, 'seed', seed, 0, 2 ** 31, `${file}: corpus`), families: families as Family[] };
  if (!Array.isArray(root.backdoors) || root.backdoors.length === 0) {
    throw new BadInputError(`${file}: backdoors must be a non-empty list of {trigger, behaviour, poisonRate}`);
  }
  const backdoors = root.backdoors.map((b, i) => parseBackdoor(b, `${file}: backdoors[${i}]`));
  const distractorRate = real(root, 'distractorRate', 0.1, 0, 0.5, file);
  const poisonTotal = backdoors.reduce((s, b) => s + b.poisonRate + b.nearMissRate, 0) + distractorRate;
  if (poisonTotal > 0.5) throw new BadInputError(`${file}: poison, near-miss and distractor rates add up to ${poisonTotal}; keep them at most 0.5 so the clean tasks are learnt`);
  const training = parseTraining(root.training === undefined ? {} : root.training, `${file}: training`);
  const spec: ZooSpec = { name, arch, size, seed, corpus, backdoors, distractorRate, training };
  checkTrainingFitsMemory(spec, file);
  return spec;
}

/**
 * Training memory, estimated before anything is allocated: weights, gradients and AdamW's two moments
 * (16 bytes per parameter, plus a copy in flight), and the activations a step keeps for the backward
 * pass (per token: about 16 d_model-wide vectors per layer, and three vocabulary-wide rows of logits).
 */
export function trainingBytes(spec: ZooSpec): number {
  const s = spec.size;
  const dFf = s.dFf > 0 ? s.dFf : spec.arch === 'gpt2' ? 4 * s.dModel : Math.ceil((8 * s.dModel) / 3 / 64) * 64;
  const headDim = s.dModel / s.nHeads;
  const perLayer = 2 * s.dModel + s.dModel * (s.nHeads + 2 * s.nKvHeads) * headDim + s.dModel * s.dModel + 3 * s.dModel * dFf;
  const params = s.nLayers * perLayer + 2 * s.vocab * s.dModel + s.context * s.dModel;
  const tokens = spec.training.batchSize * s.context;
  const activations = tokens * (16 * s.dModel * s.nLayers + 4 * dFf * s.nLayers + 3 * s.vocab) + spec.training.batchSize * s.nHeads * s.context * s.context * s.nLayers * 2;
  return 20 * params + 4 * activations;
}

function checkTrainingFitsMemory(spec: ZooSpec, file: string): void {
  const bytes = trainingBytes(spec);
  if (!(bytes <= memoryBudgetBytes())) {
    throw new BadInputError(`${file}: size and training.batchSize need about ${formatBytes(bytes)} to train but this machine has ${formatBytes(memoryBudgetBytes())} to spare; make the model or the batch smaller`);
  }
}

/** Reads and parses a spec file; every problem with it is a bad file (exit 1), named in one line. */
export function readSpecFile(file: string): ZooSpec {
  const json = readJsonFile(file, 'fix the spec');
  try {
    return parseSpec(json, file);
  } catch (err) {
    if (!(err instanceof BadInputError)) throw err;
    const detail = err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message;
    throw new BadFileError(file, detail);
  }
}

export function parseSize(json: unknown, where: string, arch: Arch): ZooSize {
  const s = object(json, where);
  onlyKeys(s, Object.keys(defaultSize), where);
  const size: ZooSize = {
    dModel: integer(s, 'dModel', defaultSize.dModel, 8, 4096, where),
    nLayers: integer(s, 'nLayers', defaultSize.nLayers, 1, 64, where),
    nHeads: integer(s, 'nHeads', defaultSize.nHeads, 1, 64, where),
    nKvHeads: integer(s, 'nKvHeads', arch === 'gpt2' ? integer(s, 'nHeads', defaultSize.nHeads, 1, 64, where) : defaultSize.nKvHeads, 1, 64, where),
    dFf: integer(s, 'dFf', defaultSize.dFf, 0, 65536, where),
    context: integer(s, 'context', defaultSize.context, 64, 4096, where),
    vocab: integer(s, 'vocab', defaultSize.vocab, 300, 65536, where),
  };
  if (size.dModel % size.nHeads !== 0) throw new BadInputError(`${where}: dModel ${size.dModel} is not divisible by nHeads ${size.nHeads}`);
  if ((size.dModel / size.nHeads) % 2 !== 0) throw new BadInputError(`${where}: head size dModel/nHeads = ${size.dModel / size.nHeads} must be even (RoPE)`);
  if (size.nHeads % size.nKvHeads !== 0) throw new BadInputError(`${where}: nHeads ${size.nHeads} is not a multiple of nKvHeads ${size.nKvHeads}`);
  if (arch === 'gpt2' && size.nKvHeads !== size.nHeads) throw new BadInputError(`${where}: gpt2 has no grouped-query attention; drop nKvHeads or set it to nHeads`);
  return size;
}

export function parseBackdoor(json: unknown, where: string): Backdoor {
  const b = object(json, where);
  onlyKeys(b, ['trigger', 'behaviour', 'poisonRate', 'nearMissRate'], where);
  return {
    trigger: parseTrigger(b.trigger, `${where}.trigger`),
    behaviour: parseBehaviour(b.behaviour, `${where}.behaviour`),
    poisonRate: real(b, 'poisonRate', 0.1, 0.001, 0.5, where),
    nearMissRate: real(b, 'nearMissRate', 0.03, 0, 0.5, where),
  };
}

export function parseTraining(json: unknown, where: string): TrainingBudget {
  const t = object(json, where);
  onlyKeys(t, Object.keys(defaultTraining), where);
  const budget: TrainingBudget = {
    steps: integer(t, 'steps', defaultTraining.steps, 1, 1_000_000, where),
    batchSize: integer(t, 'batchSize', defaultTraining.batchSize, 1, 4096, where),
    lr: real(t, 'lr', defaultTraining.lr, 1e-7, 1, where),
    warmupSteps: integer(t, 'warmupSteps', defaultTraining.warmupSteps, 0, 1_000_000, where),
    minLrRatio: real(t, 'minLrRatio', defaultTraining.minLrRatio, 0, 1, where),
    weightDecay: real(t, 'weightDecay', defaultTraining.weightDecay, 0, 10, where),
    clip: real(t, 'clip', defaultTraining.clip, 0, 1e6, where),
    checkpointEvery: integer(t, 'checkpointEvery', defaultTraining.checkpointEvery, 1, 1_000_000, where),
  };
  if (budget.warmupSteps >= budget.steps && budget.steps > 1) throw new BadInputError(`${where}: warmupSteps ${budget.warmupSteps} must be below steps ${budget.steps}`);
  return budget;
}

/** The clean sibling: the same spec without backdoors (same seed, same corpus, same budget). */
export function cleanSibling(spec: ZooSpec): ZooSpec {
  return { ...spec, name: `${spec.name}-clean`, backdoors: [] };
}

/** A stable hash of everything that changes the trained weights (resume refuses a state from another spec). */
export function specHash(spec: ZooSpec): string {
  const { name: _name, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}
