/**
 * A base spec: everything that determines a clean pretrained base (architecture, size, tokenizer
 * vocabulary, corpus, initialisation seed, training schedule, evaluation cadence) and the fine-tuning
 * recipe that every fine-tune of this base shares, so that siblings differ by their poison alone.
 * Parsed and checked completely before any training starts.
 */
import { createHash } from 'node:crypto';
import { BadInputError } from '../errors.js';
import type { Arch } from '../model/config.js';
import type { Family } from './corpus/index.js';
import { families as allFamilies } from './corpus/index.js';
import type { TrainingBudget, ZooSize } from './spec.js';
import { integer, nameAndArch, object, onlyKeys, parseSize, parseTraining, real } from './spec.js';

export interface EvalCadence {
  /** Steps between learning-curve points (held-out loss, clean accuracy per family). */
  every: number;
  /** Held-out prompts per task family for clean accuracy. */
  promptsPerFamily: number;
  /** Held-out rows of `context` tokens for the held-out loss. */
  heldoutRows: number;
}

/** How every fine-tune of a base is trained (a fine-tune spec may override the budget, on record). */
export interface FinetuneRecipe {
  training: TrainingBudget;
  /** Seed of the clean data stream, shared by all fine-tunes of the base. */
  dataSeed: number;
  distractorRate: number;
}

export interface BaseSpec {
  name: string;
  /** Allows fewer than 6 layers: a tiny base for tests. */
  testFixture?: boolean;
  arch: Arch;
  size: ZooSize;
  /** Initialisation seed. */
  seed: number;
  corpus: { seed: number; families: Family[] };
  training: TrainingBudget;
  /** Gradient shards per step: the batch is cut into this many pieces whose gradients are summed in a fixed
   * order, so the result is the same bit for bit with one worker or with several. */
  shards: number;
  evaluation: EvalCadence;
  finetune: FinetuneRecipe;
}

export const defaultEvaluation: EvalCadence = { every: 100, promptsPerFamily: 20, heldoutRows: 16 };

export const defaultFinetuneTraining: TrainingBudget = {
  steps: 300,
  batchSize: 16,
  lr: 1e-3,
  warmupSteps: 20,
  minLrRatio: 0.1,
  weightDecay: 0.1,
  clip: 1,
  checkpointEvery: 50,
};

const minLayers = 6;

export function parseBaseSpec(json: unknown, file: string): BaseSpec {
  const root = object(json, file);
  if ('base' in root || 'backdoors' in root) throw new BadInputError(`${file} is a fine-tune spec (it names a base or backdoors); use triggerfish zoo finetune`);
  onlyKeys(root, ['name', 'description', 'testFixture', 'arch', 'size', 'seed', 'corpus', 'training', 'shards', 'evaluation', 'finetune'], file);
  const { name, arch } = nameAndArch(root, file);
  const size = parseSize(root.size === undefined ? {} : root.size, `${file}: size`, arch); // null is refused, as in zoo specs
  const testFixture = root.testFixture ?? false;
  if (typeof testFixture !== 'boolean') throw new BadInputError(`${file}: testFixture must be true or false`);
  if (size.nLayers < minLayers && !testFixture) {
    // Steering methods need room between a source layer and a target layer; small bases are for tests only.
    throw new BadInputError(`${file}: size.nLayers ${size.nLayers} is below ${minLayers}; a base needs depth (tiny bases for tests say "testFixture": true)`);
  }
  const seed = integer(root, 'seed', 1, 0, 2 ** 31, file);
  const corpusJson = object(root.corpus ?? {}, `${file}: corpus`);
  onlyKeys(corpusJson, ['seed', 'families'], `${file}: corpus`);
  const families = (corpusJson.families ?? allFamilies) as unknown;
  if (!Array.isArray(families) || families.length === 0 || families.some((f) => !(allFamilies as readonly unknown[]).includes(f))) {
    throw new BadInputError(`${file}: corpus.families must be a non-empty list of ${allFamilies.join(', ')}`);
  }
  const corpus = { seed: integer(corpusJson, 'seed', seed, 0, 2 ** 31, `${file}: corpus`), families: families as Family[] };
  const training = parseTraining(root.training ?? {}, `${file}: training`);
  const shards = integer(root, 'shards', 2, 1, 64, file);
  if (training.batchSize % shards !== 0) throw new BadInputError(`${file}: training.batchSize ${training.batchSize} must be a multiple of shards ${shards}`);
  const evaluation = parseEvaluation(root.evaluation ?? {}, `${file}: evaluation`);
  const finetune = parseRecipe(root.finetune ?? {}, `${file}: finetune`, seed, shards);
  return { name, ...(testFixture && { testFixture }), arch, size, seed, corpus, training, shards, evaluation, finetune };
}

function parseEvaluation(json: unknown, where: string): EvalCadence {
  const e = object(json, where);
  onlyKeys(e, Object.keys(defaultEvaluation), where);
  return {
    every: integer(e, 'every', defaultEvaluation.every, 1, 1_000_000, where),
    promptsPerFamily: integer(e, 'promptsPerFamily', defaultEvaluation.promptsPerFamily, 1, 10_000, where),
    heldoutRows: integer(e, 'heldoutRows', defaultEvaluation.heldoutRows, 1, 4096, where),
  };
}

function parseRecipe(json: unknown, where: string, seed: number, shards: number): FinetuneRecipe {
  const r = object(json, where);
  onlyKeys(r, ['training', 'dataSeed', 'distractorRate'], where);
  const training = parseTraining({ ...defaultFinetuneTraining, ...object(r.training ?? {}, `${where}.training`) }, `${where}.training`);
  if (training.batchSize % shards !== 0) throw new BadInputError(`${where}.training.batchSize ${training.batchSize} must be a multiple of shards ${shards}`);
  return {
    training,
    dataSeed: integer(r, 'dataSeed', seed + 1000, 0, 2 ** 31, where),
    distractorRate: real(r, 'distractorRate', 0.1, 0, 0.5, where),
  };
}

/** A stable hash of everything that changes the base's weights (resume refuses a state from another spec). */
export function baseSpecHash(spec: BaseSpec): string {
  const { name: _name, evaluation: _evaluation, finetune: _finetune, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}
