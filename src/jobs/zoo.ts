/**
 * The zoo build job: from a zoo spec file (src/zoo/spec.ts), train the backdoored model and its clean
 * sibling, evaluate both, and write card.json and secret.json. Training runs in child processes that
 * the caller supplies (the CLI starts `triggerfish zoo train`); an interrupted build resumes.
 */
import { BadInputError } from '../errors.js';
import type { BuildResult } from '../zoo/build.js';
import { buildZoo } from '../zoo/build.js';
import type { ZooSpec } from '../zoo/spec.js';
import { readSpecFile } from '../zoo/spec.js';
import type { RunOptions } from './common.js';
import type { Fields } from './fields.js';
import { checkSpec } from './fields.js';

export interface ZooBuildSpec {
  spec: string | undefined;
  out: string | undefined;
  sibling: string | undefined;
  jobs: number;
  prompts: number;
}

export const zooBuildFields: Fields<ZooBuildSpec> = {
  spec: { type: 'string', default: undefined, placeholder: '<spec.json>', description: 'the zoo spec file (also the first argument; required)' },
  out: { type: 'string', default: undefined, placeholder: '<dir>', description: 'where the backdoored model goes (required)' },
  sibling: { type: 'string', default: undefined, placeholder: '<dir>', description: 'where the clean sibling goes (default: <out>-clean)' },
  jobs: { type: 'number', default: 2, integer: true, min: 1, max: 2, description: 'models trained at once, one process each' },
  prompts: { type: 'number', default: 100, integer: true, min: 10, description: 'held-out prompts per evaluation measurement' },
};

/** A zoo spec file, parsed and checked; every failure names the file (a bad spec is a bad file: exit 1). */
export function readZooSpec(file: string): ZooSpec {
  return readSpecFile(file);
}

/** Trains one model (backdoored or its clean sibling) in a child process; resolves when it exits successfully. */
export type SpawnTrainer = (specFile: string, out: string, tokenizerDir: string, clean: boolean) => Promise<void>;

export async function runZooBuild(spec: ZooBuildSpec, options: RunOptions & { spawnTrainer: SpawnTrainer }): Promise<BuildResult & { name: string }> {
  checkSpec(zooBuildFields, spec);
  if (!spec.spec) throw new BadInputError('missing spec file; usage: triggerfish zoo build <spec.json> --out <dir>');
  if (!spec.out) throw new BadInputError('--out is required: the folder to write the model into');
  const zoo = readZooSpec(spec.spec);
  options.onEvent?.({ type: 'log', message: `building ${zoo.name}; interrupt any time, rerun to resume` });
  const result = await buildZoo(zoo, spec.out, {
    ...(spec.sibling && { siblingOut: spec.sibling }),
    parallel: spec.jobs === 2,
    evalPrompts: spec.prompts,
    signal: options.signal,
    log: (message) => options.onEvent?.({ type: 'log', message }),
    spawnTrainer: options.spawnTrainer,
  });
  return { ...result, name: zoo.name };
}
