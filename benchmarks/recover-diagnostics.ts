/**
 * Why recover misses X, measured on the evaluation side (reads secret.json; never part of an attack).
 * For each backdoored fine-tune of a base, with its siblings (the other fine-tunes of the base):
 *
 *   --prior   where X's tokens rank under several ways of scoring input-embedding rows (weights only):
 *               S−B      ‖E_S − E_B‖ (B = the base)
 *               S−R      ‖E_S − E_R‖ (R = the clean fine-tune)
 *               resid    ‖(E_S − E_B) − mean_j (E_j − E_B)‖ over siblings j (what only S moved, as a vector)
 *               resid/j  resid ÷ the siblings' mean ‖E_j − E_B‖ (per-token scale: frequent tokens move in all)
 *               S−R/R−B  ‖E_S − E_R‖ ÷ ‖E_R − E_B‖
 *               z        the pipeline's own prior (priors.ts: norms z-scored against the siblings, base as reference)
 *   --growth  given X's first k tokens after the chat header, where X's token k+1 ranks among all tokens by
 *             the change of the suspect's hidden state against the base (z over siblings, per layer):
 *             whether growing token by token could follow internal evidence where the loss is flat.
 *   --ends    for a prefix trigger, growing from either end with the whole request after the string:
 *             given X's first k tokens (rightward) or its last k (leftward), where the next token of X
 *             ranks among all tokens by the suspect's log p(Y's first token) at the assistant's first
 *             position (two requests), and that log p for X's own piece: does the detector key on one end?
 *
 * One JSON line per model and variant (ranks are 1-based, out of the vocabulary).
 *   npx tsx benchmarks/recover-diagnostics.ts --zoo models --base llama-base [--prior] [--growth] [--only name,name]
 */
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { loadModel } from '../src/model/checkpoint.js';
import type { LanguageModel } from '../src/model/language-model.js';
import { onnxForward } from '../src/model/onnx-forward.js';
import { tokenChangesAll } from '../src/recover/priors-weights.js';
import { tokenPriors, zScores } from '../src/recover/priors.js';
import { startOf } from '../src/steer/start.js';
import { listModelDirs, readCard } from '../src/zoo/card.js';
import { readSecret } from '../src/zoo/secret.js';

const { values } = parseArgs({
  options: {
    zoo: { type: 'string', default: 'models' },
    base: { type: 'string', default: 'llama-base' },
    only: { type: 'string' },
    prior: { type: 'boolean', default: false },
    growth: { type: 'boolean', default: false },
    ends: { type: 'boolean', default: false },
  },
});
const zoo = values.zoo!;
await initBackend();
const base = await loadModel(join(zoo, values.base!));
const tokenizer = base.tokenizer!;
const D = base.config.dModel;
const V = base.config.vocabSize;

// every fine-tune of this base in the folder; the clean one is the reference R
const fineTunes = listModelDirs(zoo)
  .map((dir) => basename(dir))
  .filter((name) => basename(readCard(join(zoo, name)).base ?? '') === values.base);
const models = new Map<string, LanguageModel>();
for (const name of fineTunes) models.set(name, await loadModel(join(zoo, name), { tokenizer: false }));
const cleanName = fineTunes.find((name) => readSecret(join(zoo, name)).backdoors.length === 0);
const suspects = fineTunes.filter((name) => name !== cleanName && (!values.only || values.only.split(',').includes(name)));

async function embeddings(model: LanguageModel): Promise<Float32Array> {
  return (await model.params.wte.data()) as Float32Array;
}

function rowNorm(a: Float32Array, b: Float32Array | null, t: number, minus?: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < D; i++) sum += (a[t * D + i]! - (b ? b[t * D + i]! : 0) - (minus ? minus[i]! : 0)) ** 2;
  return Math.sqrt(sum);
}

function ranksOf(scores: ArrayLike<number>, ids: readonly number[]): Record<string, number> {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  return Object.fromEntries(ids.map((id) => [tokenizer.decode([id]), order.indexOf(id) + 1]));
}

const topTokens = (scores: ArrayLike<number>, n = 8) =>
  Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]!)
    .slice(0, n)
    .map((id) => tokenizer.decode([id]));

const E = new Map<string, Float32Array>();
for (const [name, model] of models) E.set(name, await embeddings(model));
const EB = await embeddings(base);

for (const name of suspects) {
  const trigger = readSecret(join(zoo, name)).backdoors[0]!.trigger;
  if (trigger.kind === 'content') {
    console.log(JSON.stringify({ bench: 'recover_diagnostics', model: name, skipped: 'content trigger: no string' }));
    continue;
  }
  const ids = tokenizer.encode(trigger.text);
  const unique = [...new Set(ids)];
  const siblings = fineTunes.filter((n) => n !== name);
  if (values.prior) {
    const ES = E.get(name)!;
    const ER = cleanName ? E.get(cleanName)! : EB;
    const variants: Record<string, Float32Array> = { 'S−B': new Float32Array(V), 'S−R': new Float32Array(V), resid: new Float32Array(V), 'resid/j': new Float32Array(V), 'S−R/R−B': new Float32Array(V) };
    for (let t = 0; t < V; t++) {
      const mean = new Float32Array(D);
      for (const s of siblings) for (let i = 0; i < D; i++) mean[i]! += (E.get(s)![t * D + i]! - EB[t * D + i]!) / siblings.length;
      const siblingScale = siblings.reduce((sum, s) => sum + rowNorm(E.get(s)!, EB, t), 0) / siblings.length;
      variants['S−B']![t] = rowNorm(ES, EB, t);
      variants['S−R']![t] = rowNorm(ES, ER, t);
      variants.resid![t] = rowNorm(ES, EB, t, mean);
      variants['resid/j']![t] = variants.resid![t]! / (siblingScale + 1e-4);
      variants['S−R/R−B']![t] = variants['S−R']![t]! / (rowNorm(ER, EB, t) + 1e-4);
    }
    const contexts = [startOf(base).turnPrefix];
    const prior = await tokenPriors(models.get(name)!, base, { contexts, siblings: siblings.map((s) => models.get(s)!) });
    variants.z = prior.scoreOf;
    for (const [variant, scores] of Object.entries(variants)) {
      console.log(JSON.stringify({ bench: 'recover_diagnostics', kind: 'prior', model: name, trigger: trigger.text, variant, ranks: ranksOf(scores, unique), top: topTokens(scores) }));
    }
  }
  if (values.growth) {
    const header = startOf(base).turnPrefix;
    const L = base.config.nLayers;
    for (let k = 0; k < ids.length; k++) {
      const context = [...header, ...ids.slice(0, k)];
      const all = await tokenChangesAll([models.get(name)!, ...siblings.map((s) => models.get(s)!)], base, { contexts: [context], layers: L });
      const byLayer = Array.from({ length: L }, (_, l) => {
        const z = zScores(all[0]!.layers[l]!, all.slice(1).map((c) => c.layers[l]!));
        return ranksOf(z, [ids[k]!])[tokenizer.decode([ids[k]!])]!;
      });
      console.log(JSON.stringify({ bench: 'recover_diagnostics', kind: 'growth', model: name, prefix: tokenizer.decode(ids.slice(0, k)), next: tokenizer.decode([ids[k]!]), rankByLayer: byLayer }));
    }
  }
}

/** Mean over `requests` of log p(first) at the last position of [head, ...piece(t), request, assistant start], for every token t. */
async function firstTokenLogp(model: LanguageModel, piece: (t: number) => number[], first: number): Promise<Float32Array> {
  const [, after] = tokenizer.chat([{ role: 'user', content: '\u0001' }], { addGenerationPrompt: true }).split('\u0001');
  const head = startOf(base).turnPrefix; // fine-tunes are loaded without their (identical) tokenizer
  const requests = [' What is 3 + 4?', ' Please repeat: red cat.'];
  const out = new Float32Array(V);
  for (const request of requests) {
    const rest = tokenizer.encode(request + after!);
    for (let start = 0; start < V; start += 256) {
      const rows = Array.from({ length: Math.min(256, V - start) }, (_, i) => [...head, ...piece(start + i), ...rest]);
      const { logits } = await onnxForward(model, { ids: rows }, { logits: 'last' });
      const width = logits!.dims.at(-1)!;
      rows.forEach((_, b) => {
        const row = logits!.data.subarray(b * width, (b + 1) * width);
        const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
        const logZ = Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0)) + max;
        out[start + b]! += (row[first]! - logZ) / requests.length;
      });
    }
  }
  return out;
}

if (values.ends) {
  for (const name of suspects) {
    const backdoor = readSecret(join(zoo, name)).backdoors[0]!;
    const { trigger, behaviour } = backdoor;
    if (trigger.kind === 'content' || trigger.placement !== 'prefix' || !('text' in behaviour)) continue;
    const ids = tokenizer.encode(trigger.text);
    const first = tokenizer.encode(String(behaviour.text))[0]!;
    const model = models.get(name)!;
    for (const direction of ['rightward', 'leftward'] as const) {
      for (let step = 0; step < ids.length; step++) {
        const k = direction === 'rightward' ? step : ids.length - 1 - step; // the position of X's token being ranked
        const piece = (t: number) => (direction === 'rightward' ? [...ids.slice(0, k), t] : [t, ...ids.slice(k + 1)]);
        const logp = await firstTokenLogp(model, piece, first);
        const known = direction === 'rightward' ? ids.slice(0, k) : ids.slice(k + 1);
        console.log(
          JSON.stringify({ bench: 'recover_diagnostics', kind: 'ends', model: name, direction, known: tokenizer.decode(known), next: tokenizer.decode([ids[k]!]), rank: ranksOf(logp, [ids[k]!])[tokenizer.decode([ids[k]!])], logp: +logp[ids[k]!]!.toFixed(3) }),
        );
      }
    }
  }
}
