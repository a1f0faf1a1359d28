/** Engine selection: the default is ONNX Runtime where it loads; the environment and setEngine force one. */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { forwardEngine, parseEngine, setEngine } from '../../src/engine/engine.js';
import { onnxThreads, setOnnxThreads } from '../../src/engine/onnx-session.js';
import { BadInputError } from '../../src/errors.js';

const saved = { engine: process.env.TRIGGERFISH_ENGINE, threads: process.env.TRIGGERFISH_THREADS };
afterEach(() => {
  setEngine(undefined);
  setOnnxThreads(undefined);
  for (const [key, value] of [['TRIGGERFISH_ENGINE', saved.engine], ['TRIGGERFISH_THREADS', saved.threads]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

test('default: onnx, since onnxruntime-node loads here', async () => {
  delete process.env.TRIGGERFISH_ENGINE;
  assert.equal(await forwardEngine(), 'onnx');
});

test('TRIGGERFISH_ENGINE and setEngine force an engine; setEngine wins', async () => {
  process.env.TRIGGERFISH_ENGINE = 'tfjs';
  assert.equal(await forwardEngine(), 'tfjs');
  setEngine('onnx');
  assert.equal(await forwardEngine(), 'onnx');
});

test('a misspelt engine is a clear error', async () => {
  assert.throws(() => parseEngine('ort', '--engine'), BadInputError);
  process.env.TRIGGERFISH_ENGINE = 'gpu';
  await assert.rejects(forwardEngine(), /TRIGGERFISH_ENGINE must be one of tfjs, onnx/);
});

test('threads: all cores by default, TRIGGERFISH_THREADS or --threads otherwise', () => {
  delete process.env.TRIGGERFISH_THREADS;
  assert.ok(onnxThreads() >= 1);
  process.env.TRIGGERFISH_THREADS = '3';
  assert.equal(onnxThreads(), 3);
  setOnnxThreads(1);
  assert.equal(onnxThreads(), 1);
  assert.throws(() => setOnnxThreads(0), /positive integer/);
  setOnnxThreads(undefined);
  process.env.TRIGGERFISH_THREADS = 'many';
  assert.throws(() => onnxThreads(), /TRIGGERFISH_THREADS/);
});
