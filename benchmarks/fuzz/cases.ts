/** The campaign's cases: seeded, so the same seed always gives the same cases, spread evenly over kinds. */
import { Random } from '../../src/util/random.js';
import type { Bases, FuzzCase, Generator, Kind } from './case.js';
import { gcgArgv, kinds, modelFolder, showArgv } from './case.js';
import { cardCase, configCase, tokenizerCase, weightsCase } from './cases-model.js';
import { sessionCase, specCase, stateCase, vectorsCase } from './cases-files.js';
import { flagsCase } from './cases-flags.js';
import { shard } from './safetensors-bytes.js';

const generators: Record<Kind, Generator> = {
  config: configCase,
  weights: weightsCase,
  tokenizer: tokenizerCase,
  card: cardCase,
  spec: specCase,
  vectors: vectorsCase,
  state: stateCase,
  session: sessionCase,
  flags: flagsCase,
};

/**
 * Unbroken inputs through the same commands: they must work (the tui, lacking a terminal, says so with
 * exit 2), which shows that a refusal elsewhere is the input's doing, not a broken command line.
 */
export function controls(bases: Bases): FuzzCase[] {
  const tiny = Object.keys(bases.tiny).sort()[0]!;
  const link = (path: string) => ({ link: `${bases.dir}/${path}` });
  let n = 0;
  const control = (kind: Kind, mutation: string, files: FuzzCase['files'], argv: string[], expect = 0): FuzzCase => ({ id: `control-${kind}-${n++}`, kind, mutation, files, argv, expect, control: true });
  return [
    control('config', `${tiny} as shipped`, { 'config.json': link(`${tiny}/config.json`), 'model.safetensors': link(`${tiny}/model.safetensors`) }, ['info', '{case}']),
    control('tokenizer', 'the model folder as shipped', modelFolder(bases, {}), ['info', '{case}']),
    control('card', 'card.json as shipped', modelFolder(bases, {}), gcgArgv('{case}', '{case}/state.json', 1)),
    control('vectors', 'a JSON vector set written by steer train --out v.json', { 'v.json': bases.vectorsJson }, showArgv('{case}/v.json')),
    control('vectors', 'a safetensors vector set', { 'v.safetensors': bases.vectorsSafetensors }, showArgv('{case}/v.safetensors')),
    control('weights', `${tiny} split into two shards with an index`, { 'config.json': link(`${tiny}/config.json`), ...shard(bases.tiny[tiny]!['model.safetensors']!) }, ['info', '{case}']),
    control('state', 'the state resumed for one more step', { 'state.json': bases.state }, gcgArgv('{bases}/model', '{case}/state.json', 3)),
    control('session', 'session.json as written (no terminal: exit 2)', { 'session/session.json': bases.session }, ['tui', '--session', '{case}/session'], 2),
  ];
}

/** `count` broken inputs (plus the controls), kinds in turn, each from its own seeded stream. */
export function generateCases(count: number, seed: number, bases: Bases, only?: readonly Kind[]): FuzzCase[] {
  const chosen = only && only.length > 0 ? only : kinds;
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = chosen[i % chosen.length]!;
    const rng = new Random(`triggerfish-fuzz:${seed}:${i}`);
    cases.push({ id: `${kind}-${i}`, kind, ...generators[kind](rng, bases) });
  }
  return [...controls(bases).filter((c) => chosen.includes(c.kind)), ...cases];
}
