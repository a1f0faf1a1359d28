/**
 * Candidate scoring on ONNX Runtime: one fused graph per target that runs the transformer over
 * [optimised | after | response] on top of the prompt prefix's keys and values (batch 1, broadcast
 * to every candidate inside the graph) and ends in the loss of loss-formula.ts, so a step reads
 * back one number per candidate.
 */
import type { ort } from '../engine/onnx-session.js';
import { floatTensor, int64Tensor } from '../engine/onnx-session.js';
import type { LanguageModel } from '../model/language-model.js';
import { cachedSession } from '../model/onnx-cache.js';
import type { OnnxKv } from '../model/onnx-forward.js';
import { addPast, onnxForward } from '../model/onnx-forward.js';
import { transformerGraph } from '../model/onnx-transformer.js';
import type { HostModel } from '../model/onnx-weights.js';
import type { PromptLayout } from './layout.js';
import { positions } from './layout.js';
import { lossFormula } from './loss-formula.js';
import { onnxLossOps } from './onnx-loss.js';
import { activationPositions, hiddenStateHook } from './sequence.js';
import type { PreparedTarget } from './targets.js';
import { activationLayer, needsLogits } from './targets.js';
import type { Scorer } from './scorer.js';

interface PromptScoring {
  layout: PromptLayout;
  target: PreparedTarget;
  session: ort.InferenceSession;
  prefix: OnnxKv | null;
  /** response_ids, direction, clean: constant per prompt. */
  targetFeeds: Record<string, ort.Tensor>;
}

/** The scorer graph for one target shape: what its key says is all that differs between graphs. */
function scorerGraph(model: LanguageModel, host: HostModel, target: PreparedTarget, shared: boolean): Uint8Array {
  const c = model.config;
  const layer = activationLayer(target.spec);
  const hook = layer === null ? null : hiddenStateHook(model, layer);
  const { g, values } = transformerGraph(c, host.weights, host.rope, {
    input: 'ids',
    kv: shared,
    sharedPast: true,
    present: false,
    logits: needsLogits(target.spec) ? 'range' : 'none',
    hidden: hook ? [hook] : [],
  });
  const R = target.responseIds?.shape[0] ?? 0;
  const responseIds = R > 0 ? g.input('response_ids', 'int64', [R]) : null;
  let activations: string | null = null;
  if (hook) {
    const range = g.input('activation_range', 'int64', [2]);
    const start = g.op('Slice', [range, g.ints([0]), g.ints([1])]);
    const end = g.op('Slice', [range, g.ints([1]), g.ints([2])]);
    activations = g.op('Slice', [values.hidden[hook]!, start, end, g.ints([1])]); // [B, P, D]
  }
  const P = target.cleanActivations?.shape[0] ?? 0;
  const loss = lossFormula(onnxLossOps(g, responseIds), target.spec, target.mellowmax, {
    logits: values.logits ?? null,
    activations,
    clean: hook ? g.input('clean', 'float', [P, c.dModel]) : null,
    direction: hook ? g.input('direction', 'float', [c.dModel]) : null,
    responseLength: R,
  });
  g.output('loss', loss, 'float', ['batch']);
  return g.encode('triggerfish-gcg-loss');
}

function graphKey(target: PreparedTarget, shared: boolean): string {
  const { spec } = target;
  const shape = spec.kind === 'logit' ? { kind: spec.kind } : { kind: spec.kind, layer: spec.layer, positions: spec.positions, ...(spec.kind === 'mixed' && { weight: spec.weight }) };
  return `gcg-loss:${JSON.stringify({ ...shape, mellowmax: target.mellowmax, R: target.responseIds?.shape[0] ?? 0, P: target.cleanActivations?.shape[0] ?? 0, shared })}`;
}

export class OnnxCandidateScorer implements Scorer {
  forwardPasses = 0;
  private readonly prompts: PromptScoring[];
  private readonly batchSize: number;

  private constructor(prompts: PromptScoring[], batchSize: number) {
    this.prompts = prompts;
    this.batchSize = batchSize;
  }

  static async create(model: LanguageModel, layouts: readonly PromptLayout[], targets: readonly PreparedTarget[], options: { batchSize: number; usePrefixCache: boolean }): Promise<OnnxCandidateScorer> {
    const prompts: PromptScoring[] = [];
    for (let p = 0; p < layouts.length; p++) {
      const layout = layouts[p]!;
      const target = targets[p]!;
      const shared = options.usePrefixCache && layout.before.length > 0;
      const prefix = shared ? (await onnxForward(model, { ids: [layout.before] }, { returnKv: true, logits: 'last' })).kv! : null;
      const session = await cachedSession(model, graphKey(target, shared), (host) => scorerGraph(model, host, target, shared));
      const targetFeeds: Record<string, ort.Tensor> = {};
      if (target.responseIds) targetFeeds.response_ids = int64Tensor(Array.from(await target.responseIds.data()), target.responseIds.shape);
      if (target.direction) targetFeeds.direction = floatTensor((await target.direction.data()) as Float32Array, target.direction.shape);
      if (target.cleanActivations) targetFeeds.clean = floatTensor((await target.cleanActivations.data()) as Float32Array, target.cleanActivations.shape);
      prompts.push({ layout, target, session, prefix, targetFeeds });
    }
    return new OnnxCandidateScorer(prompts, options.batchSize);
  }

  /** Mean loss over prompts for each candidate (all of the same length). */
  async score(candidates: readonly (readonly number[])[]): Promise<Float32Array> {
    const total = new Float32Array(candidates.length);
    if (candidates.length === 0) return total;
    const n = candidates[0]!.length;
    for (const prompt of this.prompts) {
      for (let start = 0; start < candidates.length; start += this.batchSize) {
        const batch = candidates.slice(start, start + this.batchSize);
        const data = await this.scoreBatch(prompt, batch, n);
        this.forwardPasses++;
        for (let i = 0; i < batch.length; i++) total[start + i]! += data[i]! / this.prompts.length;
      }
    }
    return total;
  }

  private async scoreBatch(prompt: PromptScoring, batch: readonly (readonly number[])[], n: number): Promise<Float32Array> {
    const { layout, target, prefix } = prompt;
    const offset = prefix ? layout.before.length : 0;
    const rows = batch.map((ids) => (prefix ? [...ids, ...layout.after, ...layout.response] : [...layout.before, ...ids, ...layout.after, ...layout.response]));
    const B = rows.length;
    const T = rows[0]!.length;
    const at = positions(layout, n);
    const [actStart, actCount] = activationPositions(target, layout, n);
    const R = layout.response.length;
    const feeds: Record<string, ort.Tensor> = {
      ...prompt.targetFeeds,
      input_ids: int64Tensor(rows.flat(), [B, T]),
      attention_mask: int64Tensor(new Array<number>(B * (offset + T)).fill(1), [B, offset + T]),
      position_ids: int64Tensor(rows.flatMap(() => Array.from({ length: T }, (_, t) => offset + t)), [B, T]),
      logits_range: int64Tensor([at.responseStart - 1 - offset, at.responseStart - 1 - offset + R], [2]),
      activation_range: int64Tensor([actStart - offset, actStart - offset + actCount], [2]),
    };
    if (prefix) addPast(feeds, prefix);
    const wanted = new Set(prompt.session.inputNames);
    for (const name of Object.keys(feeds)) if (!wanted.has(name)) delete feeds[name];
    const out = await prompt.session.run(feeds);
    return out.loss!.data as Float32Array;
  }

  dispose(): void {
    // ORT tensors are garbage collected; sessions belong to the model's session cache
  }
}
