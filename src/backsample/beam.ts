/**
 * The beam variant of guided sampling: keep the `width` partial turns with the highest
 *
 *   score = Σ_t [ log p(x_t | x_<t) + β · cos(h_t, direction) ]
 *
 * (log p over the full vocabulary at temperature 1). Each step expands every live beam by its top-k
 * tokens in one look-ahead forward (lookahead.ts); the pool of expansions plus the turns already
 * finished is cut to the best `width`. A beam that emits the end-of-turn token is finished and keeps its
 * score. Deterministic: no random draws (ties keep pool order).
 */
import { throwIfAborted } from '../errors.js';
import { requireTokenizer } from '../model/generate-text.js';
import type { LanguageModel } from '../model/language-model.js';
import type { Frontier } from './lookahead.js';
import { disposeFrontier, expand, keepRows, startFrontier } from './lookahead.js';
import { checkGuide, checkLength, makeReader } from './guided.js';
import type { PromptSample } from './samples.js';
import { checkSampleCount } from './samples.js';
import type { StartKind } from '../steer/start.js';
import { readTurn, startOf } from '../steer/start.js';
import type { Guide, SteeringTerm } from './steering.js';
import { checkTerm, steeringHooks } from './steering.js';
import { yieldToEventLoop } from '../engine/yield.js';

export interface BeamConfig {
  /** Beams kept, and turns returned (default 16). */
  width: number;
  /** Guidance strength β (default 4; 0 is plain beam search on log p). */
  beta: number;
  /** Expansions per beam per step (default 8). */
  topK: number;
  /** Default 40. */
  maxNewTokens: number;
  start: StartKind;
}

export const defaultBeamConfig: BeamConfig = { width: 16, beta: 4, topK: 8, maxNewTokens: 40, start: 'header' };

interface Beam {
  tokens: number[];
  cos: number[];
  score: number;
  finish?: 'stop' | 'length';
  /** The row of this beam's last expansion in the look-ahead frontier (live beams only). */
  row: number;
}

/** Turns by beam search, best score first. */
export async function beamSearch(
  model: LanguageModel,
  guide: Guide,
  config: Partial<BeamConfig> = {},
  options: { steering?: readonly SteeringTerm[]; signal?: AbortSignal; onStep?: (step: number, steps: number) => void } = {},
): Promise<PromptSample[]> {
  const c: BeamConfig = { ...defaultBeamConfig, ...config };
  checkSampleCount(c.width, 'beam width');
  checkSampleCount(c.maxNewTokens, 'maxNewTokens');
  checkGuide(model, guide, c.beta, c.topK);
  (options.steering ?? []).forEach((t, i) => checkTerm(model, t, `steering vector ${i}`));
  const start = startOf(model, c.start);
  checkLength(model, start, c.maxNewTokens);
  const stopIds = new Set(start.stopIds);
  const { hooks, dispose } = steeringHooks(options.steering ?? []);
  const reader = makeReader(model, guide);
  let live: Beam[] = [{ tokens: [], cos: [], score: 0, row: 0 }];
  let finished: Beam[] = [];
  let frontier: Frontier = startFrontier(model, start.tokens, 1, hooks);
  try {
    for (let step = 0; step < c.maxNewTokens; step++) {
      await yieldToEventLoop();
      throwIfAborted(options.signal, 'beam search');
      const e = await expand(model, frontier, c.topK, reader, hooks);
      disposeFrontier(frontier);
      frontier = e.frontier;
      const last = step === c.maxNewTokens - 1;
      const pool: Beam[] = [...finished];
      live.forEach((beam, b) => {
        e.tokens[b]!.forEach((token, j) => {
          const cos = e.cos[b]![j]!;
          const logP = e.logits[b]![j]! - e.logNormalisers[b]!;
          const finish = stopIds.has(token) ? 'stop' : last ? 'length' : undefined;
          pool.push({ tokens: [...beam.tokens, token], cos: [...beam.cos, cos], score: beam.score + logP + c.beta * cos, row: e.row(b, j), ...(finish && { finish }) });
        });
      });
      const kept = pool.map((b, i) => ({ b, i })).sort((x, y) => y.b.score - x.b.score || x.i - y.i).slice(0, c.width).map((x) => x.b);
      finished = kept.filter((b) => b.finish !== undefined);
      live = kept.filter((b) => b.finish === undefined);
      options.onStep?.(step + 1, c.maxNewTokens);
      if (live.length === 0) break;
      frontier = keepRows(frontier, live.map((b) => b.row));
      live = live.map((b, i) => ({ ...b, row: i }));
    }
  } finally {
    disposeFrontier(frontier);
    dispose();
    reader.unit.dispose();
  }
  const tokenizer = requireTokenizer(model);
  return finished.map((b) => ({
    ...readTurn(tokenizer, start, b.tokens),
    finish: b.finish!,
    meanCos: b.cos.reduce((s, x) => s + x, 0) / b.cos.length,
    score: b.score,
  }));
}
