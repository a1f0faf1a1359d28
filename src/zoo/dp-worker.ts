/**
 * One data-parallel worker thread: a full model replica on its own tfjs-wasm instance (one core). It
 * computes the gradients of its shards into shared slots, then, like every other worker, sums all slots
 * in slot order, clips and takes the same AdamW step, so replicas stay identical bit for bit without
 * sending weights around. Worker 0 also saves checkpoints and exports the model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { AdamWState } from '../engine/adamw.js';
import { adamwStep, newAdamWState } from '../engine/adamw.js';
import { initBackend } from '../engine/backend.js';
import { tidy } from '../engine/tidy.js';
import { BadFileError, BadInputError } from '../errors.js';
import { loadModel, saveModel } from '../model/checkpoint.js';
import { initParams } from '../model/init.js';
import type { LanguageModel } from '../model/language-model.js';
import { createModel } from '../model/language-model.js';
import { namedParams, paramsFromNamed } from '../model/params.js';
import { loadTokenizer } from '../model/tokenizer.js';
import type { FromWorker, ShardBatch, ToWorker, WorkerInit } from './dp-protocol.js';
import { complete } from './eval.js';
import { countCorrect } from './learning-curve.js';
import type { TrainProgressRecord } from './train-state.js';
import { loadTrainingState, saveTrainingState } from './train-state.js';
import { lmLoss } from './train.js';

interface Replica {
  init: WorkerInit;
  model: LanguageModel;
  variables: Map<string, tf.Variable>;
  trainable: string[];
  /** Offset of each trainable parameter in a slot. */
  offsets: number[];
  size: number;
  adam: AdamWState;
  slots: Float32Array;
  sum: Float32Array;
}

async function startReplica(init: WorkerInit): Promise<{ replica: Replica; ready: FromWorker }> {
  await initBackend();
  const tokenizer = await loadTokenizer(init.tokenizerDir);
  const saved = init.stateDir ? loadTrainingState(init.stateDir, init.hash) : null;
  let initial: Map<string, tf.Tensor>;
  if (saved) initial = saved.params;
  else if ('seed' in init.start) initial = new Map(namedParams(initParams(init.config, { seed: init.start.seed })).map(({ name, tensor }) => [name, tensor]));
  else {
    const base = await loadModel(init.start.modelDir, { tokenizer: false });
    initial = new Map(namedParams(base.params).map(({ name, tensor }) => [name, tensor]));
  }
  const variables = new Map<string, tf.Variable>();
  for (const [name, tensor] of initial) {
    const trainable = !init.frozen.includes(name);
    variables.set(name, tf.variable(tensor, trainable, `dp${init.index}/${name}`));
    tensor.dispose();
  }
  const trainable = [...variables.keys()].filter((name) => !init.frozen.includes(name));
  const offsets: number[] = [];
  let size = 0;
  for (const name of trainable) {
    offsets.push(size);
    size += variables.get(name)!.size;
  }
  const slots = new Float32Array(init.slots);
  if (slots.length !== size * init.shards) throw new BadInputError(`gradient slots hold ${slots.length} floats, expected ${size * init.shards}`);
  const model = createModel(init.config, paramsFromNamed(init.config, variables), { tokenizer });
  const replica: Replica = { init, model, variables, trainable, offsets, size, adam: saved?.adam ?? newAdamWState(), slots, sum: new Float32Array(size) };
  return { replica, ready: { type: 'ready', step: saved?.step ?? 0, history: saved?.history ?? [], extra: saved?.extra ?? {}, trainable: size } };
}

/** Gradients of each shard's summed token loss, written into its slot. */
async function gradients(r: Replica, shards: ShardBatch[]): Promise<FromWorker> {
  const vars = r.trainable.map((name) => r.variables.get(name)!);
  const out: { k: number; lossSum: number; weight: number }[] = [];
  for (const shard of shards) {
    const batch = { ...shard, poisoned: 0, nearMisses: 0, distractors: 0 };
    const weight = Math.max(1, shard.weights.reduce((a, b) => a + b, 0));
    const { value, grads } = tidy(() => {
      // lmLoss is a mean over this shard's weighted tokens; times the weight it is a sum, so shards add up
      const { value, grads } = tf.variableGrads(() => tf.mul(lmLoss(r.model, batch), weight) as tf.Scalar, vars);
      return { value, grads: vars.map((v) => grads[v.name]!) };
    });
    const base = shard.k * r.size;
    for (let i = 0; i < grads.length; i++) r.slots.set((await grads[i]!.data()) as Float32Array, base + r.offsets[i]!);
    const lossSum = (await value.data())[0]!;
    tf.dispose([value, ...grads]);
    out.push({ k: shard.k, lossSum, weight });
  }
  return { type: 'grad', shards: out };
}

/** Sums all slots in slot order (identically in every worker), clips by the global norm and steps AdamW. */
function apply(r: Replica, lr: number, totalWeight: number, clip: number): FromWorker {
  const { sum, slots, size } = r;
  sum.set(slots.subarray(0, size));
  for (let k = 1; k < r.init.shards; k++) {
    const slot = slots.subarray(k * size, (k + 1) * size);
    for (let i = 0; i < size; i++) sum[i]! += slot[i]!;
  }
  let squares = 0;
  for (let i = 0; i < size; i++) {
    sum[i] = sum[i]! / totalWeight;
    squares += sum[i]! * sum[i]!;
  }
  const norm = Math.sqrt(squares);
  const scale = clip > 0 ? Math.min(1, clip / (norm + 1e-6)) : 1;
  const grads = new Map<string, tf.Tensor>();
  r.trainable.forEach((name, i) => {
    const v = r.variables.get(name)!;
    const g = tf.tensor(sum.subarray(r.offsets[i]!, r.offsets[i]! + v.size), v.shape, 'float32');
    grads.set(name, scale === 1 ? g : tidy(() => tf.mul(g, scale)));
    if (scale !== 1) g.dispose();
  });
  const trainableVars = new Map(r.trainable.map((name) => [name, r.variables.get(name)!]));
  adamwStep(trainableVars, grads, r.adam, r.init.adam, { lr, decay: (name) => (r.variables.get(name)?.rank ?? 0) >= 2 });
  tf.dispose([...grads.values()]);
  return { type: 'apply', gradNorm: norm, tensors: tf.memory().numTensors };
}

async function evaluate(r: Replica, message: Extract<ToWorker, { type: 'eval' }>): Promise<FromWorker> {
  let lossSum = 0;
  let weight = 0;
  for (const row of message.rows) {
    const w = row.weights.reduce((a, b) => a + b, 0);
    if (w === 0) continue;
    const value = tidy(() => lmLoss(r.model, { ...row, poisoned: 0, nearMisses: 0, distractors: 0 }));
    lossSum += (await value.data())[0]! * w;
    weight += w;
    value.dispose();
  }
  // the weights moved since the last evaluation: onnx-cache.ts sees the assigned variables and rebuilds its sessions
  const completions = message.prompts.length > 0 ? await complete(r.model, message.prompts.map((p) => p.user), { maxNewTokens: message.maxNewTokens }) : [];
  const { correct, total } = countCorrect(message.prompts, completions);
  return { type: 'eval', lossSum, weight, correct, total };
}

/** Writes the model files into a temporary folder, then moves each over its namesake in `dir` (other files stay). */
async function exportModel(r: Replica, dir: string): Promise<void> {
  const temp = `${dir.replace(/\/+$/, '')}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  await saveModel({ ...r.model, dir: r.init.tokenizerDir }, temp, { dtype: 'F32' });
  mkdirSync(dir, { recursive: true });
  // config.json last: a folder with a config.json is a complete model
  const names = readdirSync(temp).sort((a, b) => Number(a === 'config.json') - Number(b === 'config.json'));
  for (const name of names) renameSync(join(temp, name), join(dir, name));
  rmSync(temp, { recursive: true, force: true });
}

async function handle(r: Replica, message: ToWorker): Promise<FromWorker> {
  switch (message.type) {
    case 'grad':
      return gradients(r, message.shards);
    case 'apply':
      return apply(r, message.lr, message.totalWeight, message.clip);
    case 'eval':
      return evaluate(r, message);
    case 'save':
      if (!r.init.stateDir) throw new BadInputError('no state folder to save into');
      await saveTrainingState(r.init.stateDir, { step: message.step, hash: r.init.hash, params: r.variables, adam: r.adam, history: message.history as TrainProgressRecord[], extra: message.extra });
      return { type: 'saved' };
    case 'export':
      await exportModel(r, message.dir);
      return { type: 'saved' };
  }
}

function errorReply(err: unknown): FromWorker {
  const bad = err instanceof BadInputError || err instanceof BadFileError;
  return { type: 'error', message: err instanceof Error ? err.message : String(err), bad };
}

if (parentPort) {
  const port = parentPort;
  let replica: Replica | undefined;
  let queue = Promise.resolve();
  const ready = startReplica(workerData as WorkerInit).then(
    ({ replica: r, ready: reply }) => {
      replica = r;
      port.postMessage(reply);
    },
    (err) => port.postMessage(errorReply(err)),
  );
  port.on('message', (message: ToWorker) => {
    queue = queue.then(async () => {
      await ready;
      if (!replica) return;
      try {
        port.postMessage(await handle(replica, message));
      } catch (err) {
        port.postMessage(errorReply(err));
      }
    });
  });
}
