/** One fuzz case: the files it lays out, the command it runs, and the exit code a correct CLI gives. */
import type { Random } from '../../src/util/random.js';

export const kinds = ['config', 'weights', 'tokenizer', 'card', 'spec', 'vectors', 'state', 'session', 'flags'] as const;
export type Kind = (typeof kinds)[number];

/** A file of the case folder: bytes to write, or a link to an untouched base file. */
export type CaseFile = Buffer | { link: string };

export interface FuzzCase {
  id: string;
  kind: Kind;
  /** What was broken, e.g. "config.json rms_norm_eps = \"abc\"". */
  mutation: string;
  /** Paths relative to the case folder. */
  files: Record<string, CaseFile>;
  /** argv after `triggerfish`; {case} is the case folder, {bases} the folder of base inputs. */
  argv: string[];
  /** 1: a bad file; 2: bad usage; 0 only for controls (unbroken inputs that must work). */
  expect: number;
  control?: boolean;
}

export type Draft = Omit<FuzzCase, 'id' | 'kind'>;

/** What generators read: the base inputs, already on disk under `dir` and loaded as bytes. */
export interface Bases {
  dir: string;
  /** The shipped model copy: config.json, model.safetensors, tokenizer.json, tokenizer_config.json, card.json. */
  model: Record<string, Buffer>;
  /** test/fixtures/tiny-* by name: config.json and model.safetensors. */
  tiny: Record<string, Record<string, Buffer>>;
  specs: Record<string, Buffer>;
  state: Buffer;
  vectorsSafetensors: Buffer;
  vectorsJson: Buffer;
  session: Buffer;
}

export type Generator = (rng: Random, bases: Bases) => Draft;

/** argv of the GCG run the base state came from; only --steps and --state may differ (they are not in its key). */
export function gcgArgv(model: string, state: string, steps: number): string[] {
  const prompts = '{bases}/prompts.txt'; // one prompt, optimised over and held out alike: a cheap step and ASR check
  return ['gcg', '--model', model, '--steps', String(steps), '--width', '4', '--topk', '4', '--batch', '4', '--length', '3', '--asr-every', '0', '--prompts', prompts, '--held-out', prompts, '--asr-tokens', '2', '--seed', '0', '--state', state];
}

/** argv of `steer show` on a vector file, one prompt and one token. */
export function showArgv(file: string): string[] {
  return ['steer', 'show', file, '--model', '{bases}/model', '--prompts', '{bases}/prompts.txt', '--max-tokens', '1'];
}

/** The model folder with every file linked to the base copy except those given. */
export function modelFolder(bases: Bases, replaced: Record<string, CaseFile | null>): Record<string, CaseFile> {
  const files: Record<string, CaseFile> = {};
  for (const name of Object.keys(bases.model)) {
    const r = replaced[name];
    if (r === null) continue; // deleted
    files[name] = r ?? { link: `${bases.dir}/model/${name}` };
  }
  return files;
}
