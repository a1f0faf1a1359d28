/**
 * Could recover's weight-difference prior spell X out piece by piece? (evaluation side: reads
 * secret.json.) recover scores tokens in neutral contexts only (the chat header, or the header and a
 * request). Here the context is X's own beginning: for each piece of X, as the tokenizer cuts X where
 * it was trained (prefix: at the start of the request; otherwise after a request), the prior is
 * computed with the pieces before it as context, and the line records the piece's rank among the
 * vocabulary (Y's, special and whitespace tokens left out, as recover does) for the prior's score (the
 * largest z over its views) and for each view alone. Small ranks at every step would mean a walk from
 * X's first piece, extended by the prior in context, reaches X; large ones say where it would stop.
 * Reference and siblings as recover takes them from the card; all layers are read.
 *
 *   npx tsx benchmarks/recover-prior-walk.ts models/llama-spyl4bb-cheese [models/…]
 */
import { basename } from 'node:path';
import { initBackend } from '../src/engine/backend.js';
import { inputsFromCard } from '../src/jobs/recover-card.js';
import { loadModel } from '../src/model/checkpoint.js';
import { disposeModel } from '../src/model/language-model.js';
import { resolveInputs } from '../src/recover/inputs.js';
import { tokenPriors } from '../src/recover/priors.js';
import { startOf } from '../src/steer/start.js';
import { readSecret } from '../src/zoo/secret.js';

const dirs = process.argv.slice(2);
if (dirs.length === 0) throw new Error('usage: recover-prior-walk.ts <model-dir> [<model-dir> …]');
await initBackend();
const request = 'What is the capital of France?';

/** The token span [start, end) of `text` in `ids`: the shortest run of tokens whose text contains it. */
function spanOf(decode: (ids: number[]) => string, ids: number[], text: string): [number, number] {
  let start = 0;
  while (decode(ids.slice(start + 1)).includes(text)) start++;
  let end = ids.length;
  while (decode(ids.slice(start, end - 1)).includes(text)) end--;
  return [start, end];
}

for (const dir of dirs) {
  const trigger = readSecret(dir).backdoors[0]!.trigger;
  if (trigger.kind === 'content') continue;
  const inputs = resolveInputs(inputsFromCard({ model: dir })); // recover's own reference and siblings
  if (!inputs.reference) throw new Error(`${dir}: the card names no reference`);
  const suspect = await loadModel(dir);
  const reference = await loadModel(inputs.reference);
  const siblings = await Promise.all(inputs.siblings.map((s) => loadModel(s, { tokenizer: false })));
  const tokenizer = suspect.tokenizer!;
  const user = trigger.placement === 'prefix' ? `${trigger.text} ${request}` : `${request} ${trigger.text}`;
  const ids = tokenizer.encode(user);
  const [start, end] = spanOf((t) => tokenizer.decode(t), ids, trigger.text);
  const turnPrefix = startOf(suspect).turnPrefix;
  const steps = [];
  for (let i = start; i < end; i++) {
    const prior = await tokenPriors(suspect, reference, { contexts: [[...turnPrefix, ...ids.slice(0, i)]], siblings, yText: inputs.yText, layers: suspect.config.nLayers });
    const piece = ids[i]!;
    // a piece the prior leaves out (one of Y's tokens) has no rank in any view
    const own = prior.ranking.find((t) => t.id === piece);
    const views: Record<string, number> = {};
    if (own) for (const view of prior.views) views[view] = 1 + prior.ranking.filter((t) => t.views[view]! > own.views[view]!).length;
    const rank = own ? 1 + prior.ranking.indexOf(own) : null;
    steps.push({ piece: tokenizer.decode([piece]), rank, bestView: own ? Math.min(...Object.values(views)) : null, views });
  }
  console.log(JSON.stringify({ bench: 'recover_prior_walk', model: basename(dir), trigger: trigger.text, placement: trigger.placement, vocabulary: suspect.config.vocabSize, siblings: siblings.length, steps }));
  for (const m of [suspect, reference, ...siblings]) disposeModel(m);
}
