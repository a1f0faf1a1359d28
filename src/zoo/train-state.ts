/**
 * The state of an unfinished training run (weights, optimizer moments, step), saved atomically so
 * that a run killed at any moment resumes from its last checkpoint with nothing else lost.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AdamWState } from '../engine/adamw.js';
import { BadFileError } from '../errors.js';
import { readJsonObject, writeJsonAtomic } from '../util/json-file.js';
import type { TensorToWrite } from '../model/safetensors.js';
import { openSafetensors, writeSafetensors } from '../model/safetensors.js';

export interface TrainProgressRecord {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  seconds: number;
}

export interface SavedTraining {
  step: number;
  hash: string;
  params: Map<string, tf.Tensor>;
  adam: AdamWState;
  history: TrainProgressRecord[];
}

const tensorsFile = 'state.safetensors';
const metaFile = 'state.json';

export async function saveTrainingState(
  dir: string,
  state: { step: number; hash: string; params: ReadonlyMap<string, tf.Tensor>; adam: AdamWState; history: readonly TrainProgressRecord[] },
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const tensors: TensorToWrite[] = [];
  const add = async (name: string, t: tf.Tensor) => tensors.push({ name, dtype: 'F32', shape: t.shape.slice(), data: (await t.data()) as Float32Array });
  for (const [name, t] of state.params) await add(`param/${name}`, t);
  for (const [name, slot] of state.adam.slots) {
    await add(`m/${name}`, slot.m);
    await add(`v/${name}`, slot.v);
    if (slot.vMax) await add(`vmax/${name}`, slot.vMax);
  }
  // The tensors carry their step in metadata: a crash between the two writes is detected on load.
  writeSafetensors(join(dir, tensorsFile), tensors, { step: String(state.step) });
  writeJsonAtomic(join(dir, metaFile), { step: state.step, hash: state.hash, adamStep: state.adam.step, history: state.history });
}

/** The saved state in `dir`, or null when there is none. Refuses a state made from another spec. */
export function loadTrainingState(dir: string, hash: string): SavedTraining | null {
  const metaPath = join(dir, metaFile);
  const tensorsPath = join(dir, tensorsFile);
  if (!existsSync(metaPath) || !existsSync(tensorsPath)) return null;
  const meta = readJsonObject(metaPath);
  if (meta.hash !== hash) {
    throw new BadFileError(dir, `training state was made from a different spec (hash ${String(meta.hash)}, this spec ${hash}); delete the folder or build into another --out`);
  }
  const file = openSafetensors(tensorsPath);
  try {
    if (file.metadata.step !== String(meta.step)) {
      throw new BadFileError(dir, `state.json (step ${String(meta.step)}) and state.safetensors (step ${file.metadata.step}) disagree; delete the folder to restart`);
    }
    const params = new Map<string, tf.Tensor>();
    const slots = new Map<string, { m?: tf.Tensor; v?: tf.Tensor; vMax?: tf.Tensor }>();
    for (const [name, entry] of file.entries) {
      const tensor = tf.tensor(file.readFloat32(name), entry.shape, 'float32');
      const [kind, ...rest] = name.split('/');
      const key = rest.join('/');
      if (kind === 'param') params.set(key, tensor);
      else {
        const slot = slots.get(key) ?? {};
        if (kind === 'm') slot.m = tensor;
        else if (kind === 'v') slot.v = tensor;
        else slot.vMax = tensor;
        slots.set(key, slot);
      }
    }
    const adam: AdamWState = { step: Number(meta.adamStep), slots: new Map() };
    for (const [key, slot] of slots) {
      if (!slot.m || !slot.v) throw new BadFileError(tensorsPath, `optimizer state for ${key} is incomplete; delete the folder to restart`);
      adam.slots.set(key, slot.vMax ? { m: slot.m, v: slot.v, vMax: slot.vMax } : { m: slot.m, v: slot.v });
    }
    return { step: Number(meta.step), hash, params, adam, history: (meta.history as TrainProgressRecord[]) ?? [] };
  } finally {
    file.close();
  }
}

export function clearTrainingState(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
