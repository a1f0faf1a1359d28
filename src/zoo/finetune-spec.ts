/**
 * A fine-tune spec: which base, which backdoors (none for the clean fine-tune), the poison seed, whether the
 * embeddings stay frozen, and optionally a training budget other than the base's recipe (recorded on the
 * card, because siblings are only comparable when they share it). Parsed completely before training.
 */
import { createHash } from 'node:crypto';
import { BadInputError } from '../errors.js';
import type { Backdoor, TrainingBudget } from './spec.js';
import { integer, object, onlyKeys, parseBackdoor, parseTraining } from './spec.js';
import type { BaseSpec } from './base-spec.js';

export interface FinetuneSpec {
  name: string;
  description: string;
  /** The base spec's name; `zoo finetune` refuses a base folder holding another base. */
  base: string;
  /** Seed of the poison stream (which examples carry X, near misses, where X goes). */
  seed: number;
  /** Empty for the clean fine-tune. */
  backdoors: Backdoor[];
  /** Keep token (and position) embeddings fixed, as LoRA-style backdoors do; tied heads stay fixed too. */
  freezeEmbeddings: boolean;
  /** Overrides of the base's fine-tuning budget (fields left out keep the recipe's). */
  training: Partial<TrainingBudget>;
}

const trainingKeys = ['steps', 'batchSize', 'lr', 'warmupSteps', 'minLrRatio', 'weightDecay', 'clip', 'checkpointEvery'];

export function parseFinetuneSpec(json: unknown, file: string): FinetuneSpec {
  const root = object(json, file);
  if ('arch' in root && !('base' in root)) throw new BadInputError(`${file} describes a model to train from scratch (it has arch); fine-tune specs name a base instead`);
  onlyKeys(root, ['name', 'description', 'base', 'seed', 'backdoors', 'freezeEmbeddings', 'training'], file);
  const name = root.name;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
    throw new BadInputError(`${file}: name must be 1-64 lower-case letters, digits, '.', '_' or '-' (it names the folder), got ${JSON.stringify(name)}`);
  }
  if (typeof root.base !== 'string' || root.base === '') throw new BadInputError(`${file}: base must name the base spec, e.g. "llama-base"`);
  const description = root.description ?? '';
  if (typeof description !== 'string') throw new BadInputError(`${file}: description must be a string`);
  if (!Array.isArray(root.backdoors)) throw new BadInputError(`${file}: backdoors must be a list of {trigger, behaviour, poisonRate, nearMissRate} (empty for the clean fine-tune)`);
  const backdoors = root.backdoors.map((b, i) => parseBackdoor(b, `${file}: backdoors[${i}]`));
  const freeze = root.freezeEmbeddings ?? false;
  if (typeof freeze !== 'boolean') throw new BadInputError(`${file}: freezeEmbeddings must be true or false`);
  const training = object(root.training ?? {}, `${file}: training`);
  onlyKeys(training, trainingKeys, `${file}: training`);
  return { name, description, base: root.base, seed: integer(root, 'seed', 1, 0, 2 ** 31, file), backdoors, freezeEmbeddings: freeze, training: training as Partial<TrainingBudget> };
}

/** The budget a fine-tune trains with: the base's recipe with the spec's overrides, checked. */
export function finetuneBudget(spec: FinetuneSpec, base: BaseSpec, file: string): TrainingBudget {
  const budget = parseTraining({ ...base.finetune.training, ...spec.training }, `${file}: training`);
  if (budget.batchSize % base.shards !== 0) throw new BadInputError(`${file}: training.batchSize ${budget.batchSize} must be a multiple of the base's shards ${base.shards}`);
  return budget;
}

/** Everything that changes a fine-tune's weights, hashed (resume refuses a state from another spec or base). */
export function finetuneHash(spec: FinetuneSpec, base: BaseSpec, budget: TrainingBudget, baseWeights: string): string {
  const { name: _name, description: _description, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify({ rest, budget, recipe: base.finetune, baseWeights })).digest('hex').slice(0, 16);
}
