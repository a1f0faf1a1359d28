import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BadInputError } from '../../src/errors.js';
import { steeringHook } from '../../src/model/hooks.js';
import { disposeKv } from '../../src/model/kv-cache.js';
import { embedTokens, forward } from '../../src/model/transformer.js';
import { tidy } from '../../src/engine/tidy.js';
import { leakedTensors, maxAbsDiff, useBackend } from '../helpers/backend.js';
import { archs, randomModel } from '../helpers/models.js';

await useBackend();

const ids = [[3, 14, 15, 9, 26, 53, 5, 8, 9, 7]];
const T = ids[0]!.length;

async function values(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

for (const arch of archs) {
  describe(arch, () => {
    const model = randomModel(arch);
    const L = model.config.nLayers;
    const D = model.config.dModel;

    test('resuming from the residual hidden_states[1] gives the full forward\'s logits; a cache or a late layer is refused', async () => {
      const input = tf.tensor2d(ids, [1, T], 'int32');
      const [full, resumed] = tidy(() => {
        const hidden = forward(model, input, { stopAt: 1 }).hidden;
        return [forward(model, input).logits!, forward(model, { residual: hidden, layer: 1 }).logits!];
      });
      assert.ok(maxAbsDiff(await values(full), await values(resumed)) < 1e-5);
      const residual = tf.zeros([1, T, D]) as tf.Tensor3D;
      assert.throws(() => forward(model, { residual, layer: L }), BadInputError);
      assert.throws(() => forward(model, { residual, layer: 1 }, { returnKv: true }), BadInputError);
      assert.throws(() => forward(model, { residual, layer: 1 }, { stopAt: 0 }), BadInputError);
      tf.dispose([input, full, resumed, residual]);
    });

    test('KV cache: prefix then one token at a time equals the full forward', async () => {
      const full = tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32')).logits!);
      const split = 4;
      let { logits, kv } = tidy(() => {
        const r = forward(model, tf.tensor2d([ids[0]!.slice(0, split)], [1, split], 'int32'), { returnKv: true });
        return { logits: r.logits!, kv: r.kv! };
      });
      const pieces = [logits];
      for (let t = split; t < T; t++) {
        const past = kv;
        const r = tidy(() => {
          const out = forward(model, tf.tensor2d([[ids[0]![t]!]], [1, 1], 'int32'), { past, returnKv: true });
          return { logits: out.logits!, kv: out.kv! };
        });
        disposeKv(past);
        kv = r.kv;
        pieces.push(r.logits);
      }
      const stitched = tf.concat(pieces, 1);
      assert.ok(maxAbsDiff(await values(stitched), await values(full)) < 1e-5);
      tf.dispose([full, stitched, ...pieces]);
      disposeKv(kv);
    });

    test('hook cache equals the residual stream arithmetic', async () => {
      const names = true as const;
      const r = tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32'), { cache: names }));
      for (let l = 0; l < L; l++) {
        const c = r.cache;
        const mid = tf.add(c[`blocks.${l}.hook_resid_pre`]!, c[`blocks.${l}.hook_attn_out`]!);
        assert.ok(maxAbsDiff(await values(mid), await values(c[`blocks.${l}.hook_resid_mid`]!)) < 1e-5, `resid_mid ${l}`);
        const post = tf.add(c[`blocks.${l}.hook_resid_mid`]!, c[`blocks.${l}.hook_mlp_out`]!);
        assert.ok(maxAbsDiff(await values(post), await values(c[`blocks.${l}.hook_resid_post`]!)) < 1e-5, `resid_post ${l}`);
        if (l + 1 < L) {
          assert.deepEqual(await values(c[`blocks.${l}.hook_resid_post`]!), await values(c[`blocks.${l + 1}.hook_resid_pre`]!));
        }
        tf.dispose([mid, post]);
      }
      assert.deepEqual(await values(r.cache['ln_final']!), await values(r.hidden));
      tf.dispose([r.logits!, r.hidden, ...Object.values(r.cache)]);
    });

    test('stopAt returns hidden_states[t] and no logits', async () => {
      const full = tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32'), { cache: ['blocks.1.hook_resid_pre', 'ln_final'] }));
      const stopped = tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32'), { stopAt: 1 }));
      assert.equal(stopped.logits, undefined);
      assert.deepEqual(await values(stopped.hidden), await values(full.cache['blocks.1.hook_resid_pre']!));
      const last = tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32'), { stopAt: L }));
      assert.deepEqual(await values(last.hidden), await values(full.cache['ln_final']!));
      tf.dispose([full.logits!, full.hidden, ...Object.values(full.cache), stopped.hidden, last.hidden]);
    });

    test('input embeddings give the same logits as token ids', async () => {
      const a = tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32')).logits!);
      const b = tidy(() => forward(model, { embeds: embedTokens(model, tf.tensor2d(ids, [1, T], 'int32')) }).logits!);
      assert.deepEqual(await values(a), await values(b));
      tf.dispose([a, b]);
    });

    test('a steering hook acts for one call only: no hook survives', async () => {
      // not constant across dimensions: LayerNorm would remove a constant shift
      const vector = tidy(() => tf.sin(tf.range(0, D)) as tf.Tensor1D);
      const plain = tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32')).logits!);
      const steered = tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32'), { hooks: { 'blocks.0.hook_resid_post': steeringHook(vector) } }).logits!);
      const after = tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32')).logits!);
      assert.ok(maxAbsDiff(await values(plain), await values(steered)) > 1e-2, 'steering changed nothing');
      assert.deepEqual(await values(after), await values(plain));
      tf.dispose([vector, plain, steered, after]);
    });

    test('steering at chosen positions leaves earlier positions unchanged (causality)', async () => {
      const vector = tidy(() => tf.cos(tf.range(0, D)) as tf.Tensor1D);
      const at = 6;
      const [plain, steered] = tidy(() => {
        const input = tf.tensor2d(ids, [1, T], 'int32');
        return [
          forward(model, input).logits!,
          forward(model, input, { hooks: [['blocks.0.hook_resid_pre', steeringHook(vector, { positions: [at] })]] }).logits!,
        ];
      });
      const V = model.config.vocabSize;
      const p = await values(plain!);
      const s = await values(steered!);
      assert.equal(maxAbsDiff(p.subarray(0, at * V), s.subarray(0, at * V)), 0);
      assert.ok(maxAbsDiff(p.subarray(at * V, (at + 1) * V), s.subarray(at * V, (at + 1) * V)) > 1e-3);
      tf.dispose([vector, plain!, steered!]);
    });

    test('gradient through a residual steering vector matches finite differences', async () => {
      const direction = tidy(() => tf.div(tf.range(0, D), D) as tf.Tensor1D);
      const input = tf.tensor2d(ids, [1, T], 'int32');
      // squared logits: the final norm's output alone has a fixed sum of squares under LayerNorm
      const loss = (v: tf.Tensor1D) => tf.sum(tf.square(forward(model, input, { hooks: { 'blocks.0.hook_resid_post': steeringHook(v) } }).logits!)) as tf.Scalar;
      const zero = tf.zeros([D]) as tf.Tensor1D;
      const grad = tidy(() => tf.grad((v: tf.Tensor) => loss(v as tf.Tensor1D))(zero));
      const analytic = (await values(tidy(() => tf.sum(tf.mul(grad, direction)))))[0]!;
      const eps = 1e-2;
      const [up, down] = tidy(() => [loss(tf.mul(direction, eps) as tf.Tensor1D), loss(tf.mul(direction, -eps) as tf.Tensor1D)]);
      const numeric = ((await values(up!))[0]! - (await values(down!))[0]!) / (2 * eps);
      assert.ok(Math.abs(analytic - numeric) < 1e-2 * Math.max(1, Math.abs(numeric)), `analytic ${analytic} vs numeric ${numeric}`);
      tf.dispose([direction, input, zero, grad, up!, down!]);
    });

    test('repeated forward and backward leave no tensors behind', async () => {
      const input = tf.tensor2d(ids, [1, T], 'int32');
      const vector = tf.zeros([D]) as tf.Tensor1D;
      const once = () => {
        tidy(() => {
          forward(model, input, { cache: true });
        });
        tidy(() => {
          tf.grad((v: tf.Tensor) => tf.sum(forward(model, input, { hooks: { 'blocks.1.hook_resid_pre': steeringHook(v as tf.Tensor1D) } }).logits!) as tf.Scalar)(vector);
        });
      };
      once(); // warm-up: backends may allocate once
      assert.equal(await leakedTensors(() => { for (let i = 0; i < 3; i++) once(); }), 0);
      tf.dispose([input, vector]);
    });
  });
}

test('an unknown hook point is an error, not a silently unused hook', () => {
  const model = randomModel('llama');
  assert.throws(() => tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32'), { hooks: { 'blocks.9.hook_resid_pre': () => undefined } })), BadInputError);
  assert.throws(() => tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32'), { hooks: { 'blocks.0.resid_pre': () => undefined } })), BadInputError);
});

test('a hook returning the wrong shape is an error', () => {
  const model = randomModel('gpt2');
  assert.throws(
    () => tidy(() => forward(model, tf.tensor2d(ids, [1, T], 'int32'), { hooks: { hook_embed: (x) => tf.slice(x, [0, 0, 0], [1, 2, -1]) as tf.Tensor3D } })),
    /returned shape/,
  );
});

test('a sequence longer than the model allows is a clear error', () => {
  const model = randomModel('gpt2');
  const long = Array.from({ length: 60 }, (_, i) => i % 64);
  assert.throws(() => tidy(() => forward(model, tf.tensor2d([long], [1, 60], 'int32'))), /longer than the model's 48 positions/);
});
