/**
 * Seconds per pretraining step of a zoo base, with one worker thread and with two (data-parallel), for
 * a few sizes and vocabularies. JSON lines on stdout. Each run is a fresh base trained for a few steps
 * into a temporary folder; the first steps are dropped as warm-up.
 *
 *   npx tsx benchmarks/zoo-pretrain-speed.ts [--arch llama] [--sizes 192x6,256x6] [--vocabs 2048] [--workers 1,2] [--steps 6] [--batch 16]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { parseBaseSpec } from '../src/zoo/base-spec.js';
import { pretrainBase } from '../src/zoo/pretrain.js';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'llama' },
    sizes: { type: 'string', default: '192x6,256x6' },
    vocabs: { type: 'string', default: '2048' },
    workers: { type: 'string', default: '1,2' },
    steps: { type: 'string', default: '6' },
    batch: { type: 'string', default: '16' },
    context: { type: 'string', default: '128' },
  },
});
await initBackend();
const mean = (xs: number[]) => +(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(3);
const steps = Number(values.steps);
for (const size of values.sizes!.split(',')) {
  const [d, layers] = size.split('x').map(Number) as [number, number];
  for (const vocab of values.vocabs!.split(',').map(Number)) {
    for (const workers of values.workers!.split(',').map(Number)) {
      const out = mkdtempSync(join(tmpdir(), 'zoo-speed-'));
      const heads = d / 32;
      const spec = parseBaseSpec(
        {
          name: 'speed',
          arch: values.arch,
          size: { dModel: d, nLayers: layers, nHeads: heads, ...(values.arch !== 'gpt2' && { nKvHeads: heads / 2 }), context: Number(values.context), vocab },
          training: { steps: 100_000, batchSize: Number(values.batch), warmupSteps: 10, checkpointEvery: 100_000 },
          shards: 2,
          evaluation: { every: 100_000, promptsPerFamily: 1, heldoutRows: 2 },
        },
        'speed spec',
      );
      const times: number[] = [];
      const phases: { grad: number; apply: number }[] = [];
      let tokensPerStep = 0;
      await pretrainBase(spec, out, {
        workers,
        stopAfter: steps,
        onProgress: (p) => {
          times.push(p.seconds);
          phases.push(p.phases);
          tokensPerStep = Math.round((p.tokensPerSecond * p.seconds) / p.step);
        },
      });
      const warm = 2;
      const perStep = (times.at(-1)! - times[warm - 1]!) / (times.length - warm);
      console.log(JSON.stringify({ arch: values.arch, dModel: d, nLayers: layers, vocab, workers, batch: Number(values.batch), tokensPerStep, secondsPerStep: +perStep.toFixed(3), gradSeconds: mean(phases.slice(warm).map((p) => p.grad)), applySeconds: mean(phases.slice(warm).map((p) => p.apply)), steps: times.length - warm, load: (await import('node:os')).loadavg()[0] }));
      rmSync(out, { recursive: true, force: true });
    }
  }
}
