/**
 * Memory of the ONNX Runtime engine on a model of real size (random weights, in memory: no folder, so
 * nothing is cached on disk and every graph is built): process RSS, JS heap and external memory after
 * loading, after the first forward graph's session, and after a second graph (hidden states out). One
 * JSON line per stage; run it in a fresh process per measurement (RSS only grows).
 *
 *   npx tsx benchmarks/onnx-memory.ts [--arch gpt2] [--d 768] [--layers 12] [--heads 12] [--vocab 50257]
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import type { Arch } from '../src/model/config.js';
import { configFor, initParams } from '../src/model/init.js';
import { createModel } from '../src/model/language-model.js';
import { onnxForward } from '../src/model/onnx-forward.js';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'gpt2' },
    d: { type: 'string', default: '768' },
    layers: { type: 'string', default: '12' },
    heads: { type: 'string', default: '12' },
    vocab: { type: 'string', default: '50257' },
  },
});
const backend = await initBackend();
const config = configFor({ arch: values.arch as Arch, dModel: Number(values.d), nLayers: Number(values.layers), nHeads: Number(values.heads), vocabSize: Number(values.vocab), maxPositions: 1024 });
const model = createModel(config, initParams(config, { seed: 0 }));
const started = performance.now();
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
async function report(stage: string) {
  // two full collections with a turn of the event loop between: array buffers are freed late
  for (let i = 0; i < 2; i++) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const m = process.memoryUsage();
  console.log(JSON.stringify({ bench: 'onnx_memory', stage, arch: config.arch, dModel: config.dModel, nLayers: config.nLayers, vocab: config.vocabSize, backend: backend.name, rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external), arrayBuffersMB: mb(m.arrayBuffers), seconds: +((performance.now() - started) / 1000).toFixed(1) }));
}
await report('loaded');
const ids = [[1, 2, 3, 4, 5, 6, 7, 8]];
await onnxForward(model, { ids });
await report('forward session');
await onnxForward(model, { ids }, { logits: 'none', hidden: ['blocks.1.hook_resid_pre'] });
await report('second graph');
