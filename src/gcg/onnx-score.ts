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
import { addPast, emptyKv, onnxForward } from '../model/onnx-forward.js';
import { transformerGraph } from '../model/onnx-transformer.js';
import type { HostModel } from '../model/onnx-weights.js';
import type { PromptLayout } from './layout.js';
import { positions } from './layout.js';
import { lossFormula } from './loss-formula.js';
import { onnxLossOps } from './onnx-loss.js';
import { hiddenStateHook } from '../model/hooks.js';
import { activationPositions } from './sequence.js';
import type { PreparedTarget } from './targets.js';
import { activationLayer, needsLogits } from './targets.js';
import type { Scorer } from './scorer-interface.js';

/**
 * Tokens per ORT run: batches of ~2k tokens (about 32 candidates of 64 tokens) scored 2-3 times
 * faster per token than batches of 128 candidates on this machine (their activations stay in cache),
 * so the scorer splits config.batchSize batches further. Measured: 4 prompts × 492 candidates of 67
 * tokens, 2 threads: 12.1 s in batches of 128, 4.2 s in batches of 16 or 32.
 */
const tokensPerRun = 2048;

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
  const hook = layer === null ? null : hiddenStateHook(model.config.nLayers, layer);
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
  const shape =
    spec.kind === 'logit' ? { kind: spec.kind }
    : spec.kind === 'contrast' ? { kind: spec.kind, margin: spec.margin, weight: spec.weight }
    : { kind: spec.kind, layer: spec.layer, positions: spec.positions, ...(spec.kind === 'mixed' && { weight: spec.weight }) };
  return `gcg-loss:${JSON.stringify({ ...shape, mellowmax: target.mellowmax, R: target.responseIds?.shape[0] ?? 0, P: target.cleanActivations?.shape[0] ?? 0, shared })}`;
}

export class OnnxCandidateScorer implements Scorer {
  forwardPasses = 0;
  private readonly prompts: PromptScoring[];
  private readonly batchSize: number;

  private readonly model: LanguageModel;

  private constructor(model: LanguageModel, prompts: PromptScoring[], batchSize: number) {
    this.model = model;
    this.prompts = prompts;
    this.batchSize = batchSize;
  }

  static async create(model: LanguageModel, layouts: readonly PromptLayout[], targets: readonly PreparedTarget[], options: { batchSize: number; usePrefixCache: boolean }): Promise<OnnxCandidateScorer> {
    if (targets.some((t) => t.reference !== null)) throw new Error('OnnxCandidateScorer: a contrast target (a second model) goes through OnnxContrastScorer; use createScorer');
    const prompts: PromptScoring[] = [];
    for (let p = 0; p < layouts.length; p++) {
      const layout = layouts[p]!;
      const target = targets[p]!;
      const shared = options.usePrefixCache;
      // the prompt's keys and values before the optimised string (none yet when it starts the sequence)
      const prefix = !shared ? null : layout.before.length > 0 ? (await onnxForward(model, { ids: [layout.before] }, { returnKv: true, logits: 'last' })).kv! : emptyKv(model, 1);
      const session = await cachedSession(model, graphKey(target, shared), (host) => scorerGraph(model, host, target, shared));
      const targetFeeds: Record<string, ort.Tensor> = {};
      if (target.responseIds) targetFeeds.response_ids = int64Tensor(Array.from(await target.responseIds.data()), target.responseIds.shape);
      if (target.direction) targetFeeds.direction = floatTensor((await target.direction.data()) as Float32Array, target.direction.shape);
      if (target.cleanActivations) targetFeeds.clean = floatTensor((await target.cleanActivations.data()) as Float32Array, target.cleanActivations.shape);
      prompts.push({ layout, target, session, prefix, targetFeeds });
    }
    return new OnnxCandidateScorer(model, prompts, options.batchSize);
  }

  /**
   * Mean loss over prompts for each candidate (all of the same length). With `base` (the string the
   * candidates were made from) and the prefix cache on, candidates are grouped by the first token
   * where they differ from it, and each group starts from the keys and values of [before | base up to
   * that token]: the same numbers as a full pass (to float rounding), about a quarter fewer tokens.
   * `forwardPasses` still counts batches of `batchSize` candidates per prompt, as the tfjs scorer does,
   * however the runs are split.
   */
  async score(candidates: readonly (readonly number[])[], base?: readonly number[]): Promise<Float32Array> {
    const total = new Float32Array(candidates.length);
    for (const losses of await this.scorePerPrompt(candidates, base)) losses.forEach((v, i) => (total[i]! += v / this.prompts.length));
    return total;
  }

  /** One loss per candidate for each prompt, in prompt order (a contrast target combines them prompt by prompt). */
  async scorePerPrompt(candidates: readonly (readonly number[])[], base?: readonly number[]): Promise<Float32Array[]> {
    if (candidates.length === 0) return this.prompts.map(() => new Float32Array(0));
    const n = candidates[0]!.length;
    const reuse = base !== undefined && base.length === n && this.prompts.every((p) => p.prefix) && candidates.every((c) => c.length === n);
    const groups = reuse ? groupByFirstChange(candidates, base) : [{ from: 0, indices: candidates.map((_, i) => i) }];
    const out: Float32Array[] = [];
    for (const prompt of this.prompts) {
      const { layout } = prompt;
      const losses = new Float32Array(candidates.length);
      const baseKv = reuse ? (await onnxForward(this.model, { ids: [base], past: prompt.prefix! }, { returnKv: true, logits: 'last' })).kv! : null;
      for (const { from, indices } of groups) {
        const past = baseKv ? truncateKv(baseKv, layout.before.length + from) : prompt.prefix;
        const offset = past ? past.length : 0;
        const tokens = n - from + layout.after.length + layout.response.length + (past ? 0 : layout.before.length);
        const size = Math.max(1, Math.min(this.batchSize, Math.floor(tokensPerRun / tokens)));
        for (let start = 0; start < indices.length; start += size) {
          const chunk = indices.slice(start, start + size);
          const rows = chunk.map((i) => [...(past ? [] : layout.before), ...candidates[i]!.slice(from), ...layout.after, ...layout.response]);
          const data = await this.scoreRows(prompt, rows, past, offset, n);
          chunk.forEach((i, j) => (losses[i] = data[j]!));
        }
      }
      this.forwardPasses += Math.ceil(candidates.length / this.batchSize);
      out.push(losses);
    }
    return out;
  }

  /** Losses of `rows` (the tokens after `past`, which holds the first `offset` positions). */
  private async scoreRows(prompt: PromptScoring, rows: number[][], past: OnnxKv | null, offset: number, n: number): Promise<Float32Array> {
    const { layout, target } = prompt;
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
    if (past) addPast(feeds, past);
    const wanted = new Set(prompt.session.inputNames);
    for (const name of Object.keys(feeds)) if (!wanted.has(name)) delete feeds[name];
    const out = await prompt.session.run(feeds);
    return out.loss!.data as Float32Array;
  }

  dispose(): void {
    // ORT tensors are garbage collected; sessions belong to the model's session cache
  }
}

/**
 * Candidates grouped by the first position where they differ from `base`, in index order. At most
 * n − 1: the last optimised token is always recomputed, so the position before the response (or
 * the last prompt token an activation target reads) is in every run even when `after` is empty.
 */
function groupByFirstChange(candidates: readonly (readonly number[])[], base: readonly number[]): { from: number; indices: number[] }[] {
  const groups = new Map<number, number[]>();
  candidates.forEach((c, i) => {
    let from = 0;
    while (from < base.length - 1 && c[from] === base[from]) from++;
    groups.set(from, [...(groups.get(from) ?? []), i]);
  });
  return [...groups].sort(([a], [b]) => a - b).map(([from, indices]) => ({ from, indices }));
}

/** The first `length` positions of a batch-1 cache [1, KV, S, hd]. */
function truncateKv(kv: OnnxKv, length: number): OnnxKv {
  const cut = (t: ort.Tensor) => {
    const [, heads, S, hd] = t.dims as number[];
    const data = new Float32Array(heads! * length * hd!);
    for (let h = 0; h < heads!; h++) data.set((t.data as Float32Array).subarray(h * S! * hd!, h * S! * hd! + length * hd!), h * length * hd!);
    return floatTensor(data, [1, heads!, length, hd!]);
  };
  return { keys: kv.keys.map(cut), values: kv.values.map(cut), length };
}
