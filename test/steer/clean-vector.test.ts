import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { cleanLogLikelihood, trainCleanVector } from '../../src/steer/clean-vector.js';
import { readTurn, startOf, turnTokens } from '../../src/steer/start.js';
import { tidy } from '../../src/engine/tidy.js';
import { BadInputError, CancelledError } from '../../src/errors.js';
import { steeringHook } from '../../src/model/hooks.js';
import { forward } from '../../src/model/transformer.js';
import { loadVectorSet, saveVectorSet } from '../../src/steer/vector-set.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel();
const tokenizer = model.tokenizer!;
const scratch = mkdtempSync(join(tmpdir(), 'tf-backsample-clean-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** log-likelihood per token by one unpadded forward per turn and a host log-softmax: the reference. */
async function referenceLogLik(turns: string[], skipKind: 'bos' | 'header', theta?: { hook: string; vector: Float32Array }): Promise<number> {
  const start = startOf(model, skipKind);
  let sum = 0;
  let count = 0;
  for (const turn of turns) {
    const ids = turnTokens(model, start, turn);
    const logits = tidy(() => {
      const hooks = theta ? { [theta.hook]: steeringHook(tf.tensor1d(theta.vector)) } : undefined;
      return forward(model, tf.tensor2d([ids], [1, ids.length], 'int32'), { ...(hooks && { hooks }) }).logits!;
    });
    const V = logits.shape[2];
    const values = await logits.data();
    logits.dispose();
    for (let j = start.tokens.length; j < ids.length; j++) {
      const row = Array.from(values.slice((j - 1) * V, j * V));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      sum += row[ids[j]!]! - lse;
      count++;
    }
  }
  return sum / count;
}

describe('start', () => {
  test('header start is BOS + the user header of the chat template; bos start is BOS alone', () => {
    const header = startOf(model, 'header');
    const bos = startOf(model, 'bos');
    assert.equal(tokenizer.decode(header.tokens), '<|endoftext|><|im_start|>user\n');
    assert.deepEqual(bos.tokens, [tokenizer.bosId]);
    assert.deepEqual(header.turnEnd, tokenizer.encode('<|im_end|>'));
    assert.ok(header.stopIds.includes(header.turnEnd[0]!));
    assert.equal(tokenizer.decode(turnTokens(model, header, 'Is blue a colour?')), '<|endoftext|><|im_start|>user\nIs blue a colour?<|im_end|>');
  });

  test('readTurn drops a header the bos sample wrote and the stop token', () => {
    const bos = startOf(model, 'bos');
    const body = tokenizer.encode('red cat');
    const read = readTurn(tokenizer, bos, [...bos.header, ...body, ...bos.turnEnd]);
    assert.deepEqual(read, { tokens: body, text: 'red cat' });
    assert.equal(readTurn(tokenizer, startOf(model, 'header'), body).text, 'red cat');
  });
});

describe('θ_clean', () => {
  test('log-likelihood of clean turns agrees with an unpadded reference, with and without θ', async () => {
    const theta = { hook: 'blocks.0.hook_resid_post', vector: Float32Array.from({ length: model.config.dModel }, (_, i) => Math.cos(i)) };
    for (const kind of ['header', 'bos'] as const) {
      for (const t of [undefined, theta]) {
        const ours = await cleanLogLikelihood(model, chatPrompts, { start: kind, batchSize: 3, ...(t && { theta: t }) });
        const ref = await referenceLogLik(chatPrompts, kind, t);
        assert.ok(Math.abs(ours - ref) < 1e-4, `${kind} ${t ? 'steered' : 'plain'}: ${ours} vs ${ref}`);
      }
    }
  });

  test('training raises the log-likelihood of the clean turns and keeps ‖θ‖ ≤ R', async () => {
    const R = 1.5;
    const set = await trainCleanVector(model, chatPrompts, { R, steps: 25, lr: 0.05, batchSize: 4, seed: 3 });
    assert.equal(set.kind, 'clean-prompts');
    assert.equal(set.hook, 'blocks.0.hook_resid_post'); // defaultLayers(2).source
    const vector = set.vectors[0]!;
    assert.ok(norm(vector) <= R + 1e-4, `norm ${norm(vector)}`);
    const without = await cleanLogLikelihood(model, chatPrompts);
    const withTheta = await cleanLogLikelihood(model, chatPrompts, { theta: { hook: set.hook, vector } });
    assert.ok(withTheta > without + 0.05, `log-likelihood ${without} -> ${withTheta}`);
    assert.ok(Math.abs((set.settings['logLikWith'] as number) - withTheta) < 1e-5);
    const history = set.meta[0]!.history!;
    assert.equal(history.length, 25);
    assert.ok(history[24]! > history[0]!);
    const file = join(scratch, 'clean.safetensors');
    saveVectorSet(set, file);
    const loaded = await loadVectorSet(file, model);
    assert.equal(loaded.kind, 'clean-prompts');
    assert.deepEqual(loaded.vectors[0], vector);
  });

  test('the same seed gives the same θ_clean; minibatches, no leaks', async () => {
    const config = { steps: 4, batchSize: 3, seed: 1, R: 2 };
    let a;
    const leaked = await leakedTensors(async () => (a = await trainCleanVector(model, chatPrompts, config)));
    assert.equal(leaked, 0);
    const b = await trainCleanVector(model, chatPrompts, config);
    const c = await trainCleanVector(model, chatPrompts, { ...config, seed: 2 });
    assert.deepEqual(a!.vectors, b.vectors);
    assert.notDeepEqual(a!.vectors, c.vectors);
  });

  test('bad input is a one-line error; an aborted signal stops training', async () => {
    await assert.rejects(trainCleanVector(model, [], { steps: 1 }), (e: Error) => e instanceof BadInputError && /no clean turns/.test(e.message) && !e.message.includes('\n'));
    await assert.rejects(trainCleanVector(model, chatPrompts, { R: 0 }), /R must be a positive number/);
    await assert.rejects(trainCleanVector(model, chatPrompts, { source: 5 }), /source layer 5 is outside 0..1/);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(trainCleanVector(model, chatPrompts, { steps: 3 }, { signal: controller.signal }), CancelledError);
  });
});
