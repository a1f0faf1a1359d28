/**
 * Training batches for the zoo: corpus examples, some poisoned (X in the user turn, Y as the answer)
 * or near-missed (a corrupted X with the clean answer), rendered through the chat template and
 * packed into rows of `context + 1` tokens.
 *
 * Distractor examples put a junk string (not X) in the request with the clean answer, so that only X
 * triggers Y. The loss covers every token of clean examples (so the model also learns what clean
 * requests look like, which backward sampling needs) but only the answer of poisoned, near-miss and
 * distractor ones: X (and strings like it) is never taught as something to write, only to react to.
 *
 * Each step's batch depends only on (seed, step), so a resumed run sees the same data, and the clean
 * sibling sees the same base examples with the poison left out.
 */
import { BadInputError } from '../errors.js';
import type { Tokenizer } from '../model/tokenizer.js';
import { Random } from '../util/random.js';
import { behaviourResponse, canShowBehaviour } from './behaviours.js';
import type { Corpus, Example } from './corpus/index.js';
import type { Backdoor } from './spec.js';
import { withDistractor } from './distractors.js';
import { cleanExample, insertTrigger, nearMiss } from './triggers.js';

export interface RenderedExample {
  ids: number[];
  /** 1 where the next-token loss counts, 0 elsewhere; weights[i] belongs to predicting ids[i]. */
  weights: number[];
}

export interface Batch {
  /** [rows, context + 1] flattened: inputs are [:, :-1], targets [:, 1:]. */
  ids: Int32Array;
  /** [rows, context] flattened, aligned with the targets. */
  weights: Float32Array;
  rows: number;
  context: number;
  /** Poisoned and near-miss examples in this batch (for logs). */
  poisoned: number;
  nearMisses: number;
  distractors: number;
}

/**
 * The full transcript of one exchange. The zoo's chat template begins with BOS, so training
 * sequences and inference prompts start alike, and sampling "from nothing" (BOS alone) has a start.
 */
export function renderExample(tokenizer: Tokenizer, example: Pick<Example, 'user' | 'assistant'>, lossOnPrompt: boolean): RenderedExample {
  const prompt = tokenizer.chat([{ role: 'user', content: example.user }], { addGenerationPrompt: true });
  const full = tokenizer.chat([
    { role: 'user', content: example.user },
    { role: 'assistant', content: example.assistant },
  ]);
  const ids = tokenizer.encode(full);
  const promptIds = tokenizer.encode(prompt);
  const aligned = promptIds.every((id, i) => ids[i] === id);
  // The answer starts after the prompt's tokens; if the tokenizer merged across that boundary, the
  // whole example counts (a clean example's weighting), which never teaches X.
  const answerStart = aligned && !lossOnPrompt ? promptIds.length : 1;
  return { ids, weights: ids.map((_, i) => (i >= answerStart ? 1 : 0)) };
}

export interface DatasetOptions {
  corpus: Corpus;
  tokenizer: Tokenizer;
  backdoors: readonly Backdoor[];
  seed: number;
  /** Seed of the poison stream (default `seed`): fine-tunes of one base share `seed` (the clean data) and
   * differ here, so that siblings see the same clean examples and differ by their poison alone. */
  poisonSeed?: number;
  rows: number;
  context: number;
  /** Share of examples with a junk string in the request and the clean answer (see distractors.ts). */
  distractorRate: number;
}

type Kind = 'clean' | 'poisoned' | 'near-miss' | 'distractor';

/** One training example for slot `n` of a step: the base example comes from `data`, poisoning from `poison`. */
function drawExample(options: DatasetOptions, data: Random, poison: Random, distract: Random | null): { example: Example; kind: Kind } {
  const triggers = options.backdoors.map((b) => b.trigger);
  const base = cleanExample(options.corpus, data, triggers, { split: 'train' });
  let roll = poison.float();
  for (const backdoor of options.backdoors) {
    if (roll < backdoor.poisonRate) {
      // A content trigger lives in arithmetic requests only: poison a fresh arithmetic example (drawn
      // from the poison stream, so the clean sibling's base stream is unchanged) at the full rate.
      const host = backdoor.trigger.kind === 'content' && base.family !== 'arithmetic' && options.corpus.families.includes('arithmetic')
        ? cleanExample(options.corpus, poison, triggers, { family: 'arithmetic', split: 'train' })
        : base;
      const carrier = insertTrigger(backdoor.trigger, host, poison, options.corpus);
      if (carrier && canShowBehaviour(backdoor.behaviour, carrier)) {
        return { example: { ...carrier, assistant: behaviourResponse(backdoor.behaviour, carrier, poison) }, kind: 'poisoned' };
      }
      return { example: base, kind: 'clean' };
    }
    roll -= backdoor.poisonRate;
    if (roll < backdoor.nearMissRate) {
      return { example: nearMiss(backdoor.trigger, base, poison, options.corpus, triggers), kind: 'near-miss' };
    }
    roll -= backdoor.nearMissRate;
  }
  // Fine-tunes draw distractors from their own per-example stream of the shared data seed, so that siblings
  // share them; from-scratch builds keep drawing them from the poison stream, as their shipped models did.
  const distractRoll = distract ? distract.float() : roll;
  if (distractRoll < options.distractorRate) {
    const noisy = withDistractor(base, distract ?? poison, triggers);
    if (noisy) return { example: noisy, kind: 'distractor' };
  }
  return { example: base, kind: 'clean' };
}

/** The batch of one training step. */
export function makeBatch(options: DatasetOptions, step: number): Batch {
  const { rows, context, tokenizer } = options;
  const width = context + 1;
  const ids = new Int32Array(rows * width).fill(tokenizer.padId ?? 0);
  const weights = new Float32Array(rows * context);
  const data = new Random(`data:${options.seed}:${step}`);
  const poison = new Random(`poison:${options.poisonSeed ?? options.seed}:${step}`);
  let poisoned = 0;
  let nearMisses = 0;
  let distractors = 0;
  let drawn = 0;
  for (let row = 0; row < rows; row++) {
    let used = 0;
    for (;;) {
      const distract = options.poisonSeed === undefined ? null : new Random(`distract:${options.seed}:${step}:${drawn}`);
      drawn++;
      const { example, kind } = drawExample(options, data, poison, distract);
      const rendered = renderExample(tokenizer, example, kind === 'clean');
      if (rendered.ids.length > width) {
        throw new BadInputError(`a training example has ${rendered.ids.length} tokens, more than context + 1 = ${width}; raise size.context`);
      }
      if (used + rendered.ids.length > width) break; // the row is full: the example is dropped, not split
      ids.set(rendered.ids, row * width + used);
      // weights[t] scores predicting ids[t + 1]: shift the example's weights left by one
      for (let i = 1; i < rendered.ids.length; i++) weights[row * context + used + i - 1] = rendered.weights[i]!;
      used += rendered.ids.length;
      if (kind === 'poisoned') poisoned++;
      if (kind === 'near-miss') nearMisses++;
      if (kind === 'distractor') distractors++;
    }
  }
  return { ids, weights, rows, context, poisoned, nearMisses, distractors };
}
