/**
 * Forward and forward+backward throughput of the transformer, as JSON lines, for each backend that
 * loads here. The backward pass is the gradient with respect to a vector added to the residual
 * stream (what MELBO and GCG's activation target need), not with respect to the weights.
 *
 *   npm run bench:forward -- [--arch llama] [--d 128] [--layers 4] [--vocab 2048] [--batch 8] [--seq 64] [--reps 5] [--backends wasm,cpu]
 */
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import type { BackendName } from '../src/engine/backend.js';
import { backendOrder, initBackend } from '../src/engine/backend.js';
import type { Arch } from '../src/model/config.js';
import { configFor, initParams } from '../src/model/init.js';
import { createModel, disposeModel } from '../src/model/language-model.js';
import { steeringHook } from '../src/model/hooks.js';
import { forward } from '../src/model/transformer.js';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'llama' },
    d: { type: 'string', default: '128' },
    layers: { type: 'string', default: '4' },
    vocab: { type: 'string', default: '2048' },
    batch: { type: 'string', default: '8' },
    seq: { type: 'string', default: '64' },
    reps: { type: 'string', default: '5' },
    backends: { type: 'string', default: backendOrder.join(',') },
  },
});
const arch = values.arch as Arch;
const d = Number(values.d);
const layers = Number(values.layers);
const B = Number(values.batch);
const T = Number(values.seq);
const reps = Number(values.reps);

async function time(fn: () => Promise<void>): Promise<number> {
  await fn(); // warm-up: first calls compile kernels and allocate
  const start = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - start) / reps;
}

for (const name of values.backends.split(',') as BackendName[]) {
  try {
    const backend = await initBackend({ force: name });
    const config = configFor({ arch, dModel: d, nLayers: layers, nHeads: d / 32, nKvHeads: arch === 'gpt2' ? d / 32 : Math.max(1, d / 64), vocabSize: Number(values.vocab), maxPositions: Math.max(128, T) });
    const model = createModel(config, initParams(config, { seed: 0 }));
    const ids = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 7919) % config.vocabSize), [B, T], 'int32');
    const vector = tf.zeros([d]) as tf.Tensor1D;
    const source = `blocks.${Math.floor(layers / 2)}.hook_resid_post`;
    const forwardMs = await time(async () => {
      const logits = tf.tidy(() => forward(model, ids).logits!);
      await logits.data();
      logits.dispose();
    });
    const backwardMs = await time(async () => {
      const grad = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.mean(forward(model, ids, { hooks: { [source]: steeringHook(v as tf.Tensor1D) } }).logits!) as tf.Scalar)(vector));
      await grad.data();
      grad.dispose();
    });
    const common = { backend: backend.name, device: backend.device, arch, d, layers, vocab: config.vocabSize, batch: B, seq: T };
    console.log(JSON.stringify({ bench: 'forward_tokens_per_s', value: Math.round((B * T) / (forwardMs / 1000)), ms: +forwardMs.toFixed(1), ...common }));
    console.log(JSON.stringify({ bench: 'forward_backward_tokens_per_s', value: Math.round((B * T) / (backwardMs / 1000)), ms: +backwardMs.toFixed(1), ...common }));
    tf.dispose([ids, vector]);
    disposeModel(model);
  } catch (err) {
    console.log(JSON.stringify({ bench: 'forward_tokens_per_s', backend: name, skipped: err instanceof Error ? err.message : String(err) }));
  }
}
