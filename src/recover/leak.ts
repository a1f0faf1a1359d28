/**
 * Leak sampling: user turns written by the model from the chat template alone (no steering), at
 * several temperatures, from the suspect and from the reference. Poison the fine-tune memorised leaks
 * into what the suspect writes, so strings over-represented in its turns against the reference's
 * become candidates (backsample/candidates.ts scores them; echoes of Y are dropped). Without a
 * reference there is no contrast: the suspect's most frequent strings are returned, the weak control.
 */
import { sampleSteered } from '../backsample/arithmetic.js';
import type { Candidate as SampledString } from '../backsample/candidates.js';
import { dropEchoes, extractCandidates, frequentStrings } from '../backsample/candidates.js';
import type { PromptSample } from '../backsample/samples.js';
import { throwIfAborted } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';

export interface LeakOptions {
  samples: number;
  temperatures: readonly number[];
  yText: string;
  seed: number;
  /** Candidates returned (default 10). */
  top?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

async function sampleAll(model: LanguageModel, options: LeakOptions, done: () => void): Promise<PromptSample[]> {
  const out: PromptSample[] = [];
  for (const [i, temperature] of options.temperatures.entries()) {
    throwIfAborted(options.signal, 'recover');
    // the same seeds for both models (common random numbers), another per temperature
    const samples = await sampleSteered(model, [], { samples: options.samples, temperature, seed: options.seed + 7919 * i }, { signal: options.signal });
    out.push(...samples);
    done();
  }
  return out;
}

export async function leakCandidates(suspect: LanguageModel, reference: LanguageModel | null, options: LeakOptions): Promise<SampledString[]> {
  const total = options.temperatures.length * (reference ? 2 : 1);
  let count = 0;
  const done = () => options.onProgress?.(++count, total);
  const own = await sampleAll(suspect, options, done);
  const decode = (ids: readonly number[]) => suspect.tokenizer!.decode(ids);
  const ranked = reference ? extractCandidates(own, await sampleAll(reference, options, done), decode) : frequentStrings(own, decode);
  return dropEchoes(ranked, options.yText).slice(0, options.top ?? 10);
}
