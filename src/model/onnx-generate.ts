/**
 * generate.ts on ONNX Runtime: the same left padding, positions, KV cache, sampler, random stream,
 * stop rules and row retirement, with steering given as data (SteerSpec) instead of tfjs hooks.
 * Keys and values stay host tensors between steps; finished rows are cut out of them in JS.
 */
import { throwIfAborted } from '../errors.js';
import { yieldToEventLoop } from '../engine/yield.js';
import { floatTensor } from '../engine/onnx-session.js';
import { Random } from '../util/random.js';
import type { FinishReason, Generation, GenerateOptions } from './generate-options.js';
import type { LanguageModel } from './language-model.js';
import type { OnnxKv } from './onnx-forward.js';
import { onnxForward } from './onnx-forward.js';
import { sampleToken } from './sampling.js';
import { steerInputs } from './steer-spec.js';

/** Checked by generate() before it calls here: prompts non-empty, lengths within the model. */
export async function onnxGenerate(model: LanguageModel, prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<Generation> {
  const maxNew = options.maxNewTokens ?? 32;
  const width = Math.max(...prompts.map((p) => p.length));
  const rng = new Random(options.seed ?? 0);
  const stopIds = new Set(options.stopIds ?? []);
  const V = model.config.vocabSize;
  const D = model.config.dModel;
  const steer = options.steer ?? [];
  const out: number[][] = prompts.map(() => []);
  const finish: FinishReason[] = prompts.map(() => 'length');
  const pad = options.padId ?? 0;
  let rows = prompts.map((_, i) => i); // batch row i is prompt rows[i]
  let mask = prompts.map((p) => [...new Array<number>(width - p.length).fill(0), ...p.map(() => 1)]);
  const positions = prompts.map((p) => [...new Array<number>(width - p.length).fill(0), ...p.map((_, t) => t)]);
  let next = await onnxForward(
    model,
    { ids: prompts.map((p) => [...new Array<number>(width - p.length).fill(pad), ...p]), mask, positions, steer: steerInputs(steer, positions, D) },
    { returnKv: true, logits: 'last' },
  );
  let nextPositions = prompts.map((p) => p.length);
  for (let step = 0; step < maxNew; step++) {
    await yieldToEventLoop();
    throwIfAborted(options.signal, 'generation');
    const values = next.logits!.data;
    const chosen: number[] = [];
    const keep: number[] = [];
    rows.forEach((prompt, i) => {
      const token = sampleToken(values, i * V, V, options, rng);
      out[prompt]!.push(token);
      if (stopIds.has(token) || (options.stopWhen?.(prompt, out[prompt]!) ?? false)) finish[prompt] = 'stop';
      else {
        keep.push(i);
        chosen.push(token);
      }
    });
    if (keep.length === 0 || step === maxNew - 1) break;
    let past = next.kv!;
    if (keep.length < rows.length) {
      past = selectRows(past, keep);
      mask = keep.map((i) => mask[i]!);
      rows = keep.map((i) => rows[i]!);
      nextPositions = keep.map((i) => nextPositions[i]!);
    }
    mask = mask.map((m) => [...m, 1]);
    const stepPositions = nextPositions.map((p) => [p]);
    next = await onnxForward(model, { ids: chosen.map((t) => [t]), mask, positions: stepPositions, past, steer: steerInputs(steer, stepPositions, D) }, { returnKv: true, logits: 'last' });
    nextPositions = nextPositions.map((p) => p + 1);
  }
  return { tokens: out, finish };
}

/** Keeps batch rows `keep` of every [B, KV, S, hd] tensor. */
function selectRows(kv: OnnxKv, keep: readonly number[]): OnnxKv {
  const pick = (t: OnnxKv['keys'][number]) => {
    const [B, ...rest] = t.dims as number[];
    const size = (t.data as Float32Array).length / B!;
    const data = new Float32Array(keep.length * size);
    keep.forEach((row, i) => data.set((t.data as Float32Array).subarray(row * size, (row + 1) * size), i * size));
    return floatTensor(data, [keep.length, ...rest]);
  };
  return { keys: kv.keys.map(pick), values: kv.values.map(pick), length: kv.length };
}
