/**
 * Speed of the steps triggerfish takes, as JSON lines: ms per GCG step (token gradient + `width`
 * candidates scored in batches, with the prefix cache), ms per MELBO step (forward to the target
 * layer with a steering vector + gradient), forward tokens/s. The same shapes as
 * ../shared/reference/torch_ref.py `bench` (32-token prompt, 20 optimised tokens, 8 target tokens),
 * and when /usr/bin/python3 has torch, the same steps in PyTorch on the same checkpoint and the ratio.
 *
 *   npx tsx benchmarks/speed.ts [--model <dir>] [--width 512] [--batch 128] [--steps 3] [--backends wasm] [--torch-threads 1]
 * Without --model it uses a random llama d128 L4 V2048 checkpoint made by torch_ref (if available) or by triggerfish.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendName } from '../src/engine/backend.js';
import { initBackend } from '../src/engine/backend.js';
import { tidy } from '../src/engine/tidy.js';
import { dedupe, sampleCandidates } from '../src/gcg/candidates.js';
import { tokenGradient } from '../src/gcg/gradient.js';
import type { PromptLayout } from '../src/gcg/layout.js';
import { disposeTarget, prepareTarget } from '../src/gcg/prepare.js';
import { CandidateScorer } from '../src/gcg/score.js';
import { loadModel, saveModel } from '../src/model/checkpoint.js';
import { steeringHook } from '../src/model/hooks.js';
import { configFor, initParams } from '../src/model/init.js';
import { createModel, disposeModel } from '../src/model/language-model.js';
import { forward } from '../src/model/transformer.js';
import { Random } from '../src/util/random.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    width: { type: 'string', default: '512' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '3' },
    backends: { type: 'string', default: 'wasm' },
    'torch-threads': { type: 'string', default: '1' },
    'no-torch': { type: 'boolean', default: false },
  },
});
const width = Number(values.width);
const batch = Number(values.batch);
const reps = Number(values.steps);
const torchRef = resolve(import.meta.dirname, '..', '..', 'shared', 'reference', 'torch_ref.py');
const python = '/usr/bin/python3';
const haveTorch = !values['no-torch'] && existsSync(torchRef) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

async function modelDir(): Promise<string> {
  if (values.model) return values.model;
  const dir = mkdtempSync(join(tmpdir(), 'tf-speed-'));
  if (haveTorch) {
    spawnSync(python, [torchRef, 'make', '--arch', 'llama', '--out', dir, '--d', '128', '--layers', '4', '--heads', '4', '--kv-heads', '2', '--vocab', '2048', '--ctx', '256'], { stdio: 'ignore' });
  } else {
    await initBackend();
    const config = configFor({ arch: 'llama', dModel: 128, nLayers: 4, nHeads: 4, nKvHeads: 2, vocabSize: 2048, maxPositions: 256 });
    await saveModel(createModel(config, initParams(config, { seed: 0 })), dir);
  }
  return dir;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const start = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - start) / reps;
}

const dir = await modelDir();
const results: Record<string, number> = {};
for (const name of values.backends.split(',') as BackendName[]) {
  const backend = await initBackend({ force: name });
  const model = await loadModel(dir, { tokenizer: false });
  const c = model.config;
  const rng = new Random(0);
  const ids = (n: number) => Array.from({ length: n }, () => rng.int(0, c.vocabSize - 1));
  const layout: PromptLayout = { prompt: '', before: ids(32), after: [], response: ids(8), clean: [] };
  const optim = ids(20);
  const target = prepareTarget(model, { kind: 'logit', text: 'unused' }, layout, null);
  const scorer = new CandidateScorer(model, [layout], [target], { batchSize: batch, usePrefixCache: true });
  const usable = new Uint8Array(c.vocabSize).fill(1);
  const gcgMs = await timed(async () => {
    const { gradient } = await tokenGradient(model, [layout], [target], optim);
    for (let i = 0; i < gradient.length; i++) gradient[i] = -gradient[i]!;
    const candidates = dedupe(sampleCandidates(optim, gradient, c.vocabSize, { searchWidth: width, topK: 256, nReplace: 1, usable }, rng), optim);
    await scorer.score(candidates);
  });
  scorer.dispose();
  disposeTarget(target);

  const source = Math.min(7, c.nLayers - 1);
  const layer = c.nLayers > 8 ? Math.max(1, c.nLayers - 8) : c.nLayers;
  const all = tf.tensor2d([[...layout.before, ...optim, ...layout.response]], [1, 60], 'int32');
  const clean = tidy(() => forward(model, all, { stopAt: layer }).hidden);
  const theta = tf.randomNormal([c.dModel], 0, 4 / Math.sqrt(c.dModel), 'float32', 0) as tf.Tensor1D;
  const melboMs = await timed(async () => {
    const g = tidy(() =>
      tf.grad((v: tf.Tensor) => {
        const h = forward(model, all, { stopAt: layer, hooks: { [`blocks.${source}.hook_resid_post`]: steeringHook(v as tf.Tensor1D) } }).hidden;
        return tf.neg(tf.sum(tf.square(tf.sub(h, clean)))) as tf.Scalar;
      })(theta),
    );
    await g.data();
    g.dispose();
  });
  tf.dispose([all, clean, theta]);

  const tokens = tf.tensor2d(ids(batch * 60), [batch, 60], 'int32');
  const forwardMs = await timed(async () => {
    const out = tidy(() => forward(model, tokens).logits!);
    await out.data();
    out.dispose();
  });
  tokens.dispose();
  disposeModel(model);
  const common = { backend: backend.name, device: backend.device, arch: c.arch, d: c.dModel, layers: c.nLayers, vocab: c.vocabSize };
  results[`${name}:gcg`] = gcgMs;
  results[`${name}:melbo`] = melboMs;
  results[`${name}:forward`] = (batch * 60) / (forwardMs / 1000);
  console.log(JSON.stringify({ bench: 'gcg_step_ms', value: Math.round(gcgMs), width, batch, prefix_cache: true, ...common }));
  console.log(JSON.stringify({ bench: 'melbo_step_ms', value: +melboMs.toFixed(1), tokens: 60, ...common }));
  console.log(JSON.stringify({ bench: 'forward_tokens_per_s', value: Math.round(results[`${name}:forward`]!), batch, tokens: 60, ...common }));
}

if (haveTorch) {
  const threads = values['torch-threads'];
  const run = spawnSync(python, [torchRef, '--threads', threads, 'bench', dir, '--width', String(width), '--batch', String(batch), '--steps', String(reps)], { encoding: 'utf8' });
  for (const line of run.stdout.trim().split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { bench: string; value: number };
    const ours = values.backends.split(',')[0]!;
    const key = r.bench === 'gcg_step_ms' ? 'gcg' : r.bench === 'melbo_step_ms' ? 'melbo' : 'forward';
    const mine = results[`${ours}:${key}`]!;
    // ratio > 1 means triggerfish is slower (time) / has lower throughput (tokens/s)
    const ratio = key === 'forward' ? r.value / mine : mine / r.value;
    console.log(JSON.stringify({ ...r, impl: 'torch_ref', torch_threads: Number(threads), triggerfish_backend: ours, slowdown: +ratio.toFixed(2) }));
  }
} else {
  console.log(JSON.stringify({ bench: 'torch_ref', skipped: 'no /usr/bin/python3 with torch, or no ../shared/reference/torch_ref.py' }));
}
