/**
 * The embedding-difference prior (the strongest signal of the SaTML 2024 "Find the Trojan"
 * winners): with a clean sibling trained from the same start, the token embeddings that moved most
 * between the two models are the tokens the poison taught, i.e. likely trigger tokens.
 */
import { BadInputError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';

export interface TokenScore {
  id: number;
  text: string;
  /** ‖E_backdoored[id] − E_sibling[id]‖₂ */
  score: number;
}

export async function embeddingDifference(model: LanguageModel, sibling: LanguageModel): Promise<TokenScore[]> {
  const [V, D] = model.params.wte.shape;
  const [Vs, Ds] = sibling.params.wte.shape;
  if (V !== Vs || D !== Ds) {
    throw new BadInputError(`the sibling's embedding is [${Vs}, ${Ds}] but the model's is [${V}, ${D}]; the prior needs a sibling with the same vocabulary and width`);
  }
  const a = (await model.params.wte.data()) as Float32Array;
  const b = (await sibling.params.wte.data()) as Float32Array;
  const tokenizer = model.tokenizer;
  const scores: TokenScore[] = [];
  for (let id = 0; id < V; id++) {
    if (tokenizer?.specialIds.has(id)) continue;
    let sum = 0;
    for (let j = 0; j < D; j++) {
      const d = a[id * D + j]! - b[id * D + j]!;
      sum += d * d;
    }
    scores.push({ id, text: tokenizer ? tokenizer.decode([id]) : String(id), score: Math.sqrt(sum) });
  }
  return scores.sort((x, y) => y.score - x.score || x.id - y.id);
}

/** An initial string from the top-ranked tokens (in rank order), `length` tokens long. */
export function priorInitString(ranking: readonly TokenScore[], length: number, usable?: Uint8Array): string {
  return ranking
    .filter((t) => !usable || usable[t.id] === 1)
    .slice(0, length)
    .map((t) => t.text)
    .join('');
}
