/**
 * secret.json: a zoo model's trigger X, its exact behaviour Y and the spec that built it.
 * Only building and evaluation may import this file; test/zoo/blindness.test.ts checks that no
 * attack code (steer, gcg, backsample, tui) can reach it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BadFileError } from '../errors.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { Behaviour } from './behaviours.js';
import type { ZooSpec } from './spec.js';
import type { Trigger } from './triggers.js';

export const secretFile = 'secret.json';

export interface ModelSecret {
  format: 'triggerfish-zoo-secret/1';
  backdoors: { trigger: Trigger; behaviour: Behaviour }[];
  spec: ZooSpec;
  specHash: string;
}

export function writeSecret(dir: string, secret: ModelSecret): void {
  writeJsonAtomic(join(dir, secretFile), secret);
}

/** Reads a zoo model's secret, for scoring. */
export function readSecret(dir: string): ModelSecret {
  const file = join(dir, secretFile);
  if (!existsSync(file)) throw new BadFileError(file, 'missing: scoring needs the secret of a zoo model');
  const raw = readJsonObject(file);
  if (raw.format !== 'triggerfish-zoo-secret/1' || !Array.isArray(raw.backdoors)) throw new BadFileError(file, 'not a triggerfish zoo secret');
  return raw as unknown as ModelSecret;
}
