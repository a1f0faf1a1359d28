/** Broken files a run reads besides the model: zoo specs, vector sets, GCG state files and UI sessions. */
import type { Random } from '../../src/util/random.js';
import type { Generator } from './case.js';
import { gcgArgv, showArgv } from './case.js';
import type { JsonValue, Path } from './mutate.js';
import { badCount, flipStructural, garbage, getPath, insertNonUtf8, jsonBytes, notABool, notAList, notAnObject, notAString, setPath, truncateJson } from './mutate.js';
import { joinSafetensors, metadataSpan, poisonWeight, splitSafetensors } from './safetensors-bytes.js';

const parse = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as JsonValue;
const show = (v: JsonValue | undefined) => (v === undefined ? 'deleted' : JSON.stringify(v).slice(0, 40));

/** The same ways to break any JSON file: cut, stray bytes, garbage, a flipped punctuation bit, a non-object. */
function wholeFile(rng: Random, bytes: Buffer): { out: Buffer; mutation: string } {
  const how = rng.int(0, 4);
  if (how === 0) {
    const out = truncateJson(bytes, rng);
    return { out, mutation: `cut to ${out.length} bytes` };
  }
  if (how === 1) return { out: insertNonUtf8(bytes, rng), mutation: 'a byte that is not UTF-8' };
  if (how === 2) return { out: garbage(rng), mutation: 'garbage bytes' };
  if (how === 3) return { out: flipStructural(bytes, rng), mutation: 'punctuation bit flip' };
  const value = rng.pick<JsonValue>([[], 5, 'x', null, true]);
  return { out: jsonBytes(value), mutation: `a JSON ${show(value)} instead of an object` };
}

/** Picks [path, bad values] and applies one; `paths` lists where and what each field refuses. */
function fieldEdit(rng: Random, root: JsonValue, paths: [Path, JsonValue[]][]): { out: Buffer; mutation: string } {
  const [path, values] = rng.pick(paths);
  const value = rng.pick(values);
  return { out: jsonBytes(setPath(root, path, value)), mutation: `${path.join('.')} = ${show(value)}` };
}

const sizeFields = ['dModel', 'nLayers', 'nHeads', 'nKvHeads', 'context', 'vocab'];

export const specCase: Generator = (rng, bases) => {
  const name = rng.pick(Object.keys(bases.specs).sort());
  const bytes = bases.specs[name]!;
  const spec = parse(bytes) as Record<string, JsonValue>;
  const arch = spec.arch as string;
  const how = rng.int(0, 9);
  let edit: { out: Buffer; mutation: string };
  if (how <= 4) {
    edit = fieldEdit(rng, spec, [
      [['name'], [...notAString, '', 'Bad Name', '../x', 'a/b', 'x'.repeat(65)]],
      [['arch'], ['bert', 5, null, 'GPT2']],
      ...sizeFields.map((f): [Path, JsonValue[]] => [['size', f], badCount]),
      [['size', 'dFf'], ['abc', -1, 1.5, 1e9, null, true]],
      [['size'], notAnObject],
      [['size', 'foo'], [1]],
      [['seed'], ['x', -1, 1.5, 1e12, null]],
      [['backdoors'], [[], ...notAList]],
      [['backdoors', 0], [null, 5, 'x', []]],
      [['backdoors', 0, 'trigger'], [null, 5, { kind: 'zzz' }, {}, { kind: 'tag' }]],
      [['backdoors', 0, 'behaviour'], [null, 5, { type: 'zzz' }, {}]],
      [['backdoors', 0, 'poisonRate'], [2, -1, 'x', 0, null]],
      [['backdoors', 0, 'nearMissRate'], [2, -1, 'x']],
      [['backdoors', 0, 'extra'], [1]],
      [['distractorRate'], [0.9, -1, 'x', null]],
      [['training'], notAnObject],
      [['training', 'steps'], [0, -1, 'x', 1e9, 1.5, null]],
      [['training', 'batchSize'], [0, 1e6, 'x', -2]],
      [['training', 'lr'], [0, 5, 'x', -1, null]],
      [['training', 'warmupSteps'], [-1, 'x', 1e7]],
      [['training', 'minLrRatio'], [2, -1]],
      [['training', 'weightDecay'], [-1, 1e3]],
      [['training', 'clip'], [-1, 'x']],
      [['training', 'checkpointEvery'], [0, -5]],
      [['training', 'foo'], [1]],
      [['corpus'], notAnObject],
      [['corpus', 'families'], [[], ['cooking'], 'x', [5]]],
      [['corpus', 'seed'], [-1, 'x']],
      [['foo'], [1]],
    ]);
  } else if (how === 5) {
    // The largest sizes each field allows, together: tens of billions of parameters.
    const largest = { dModel: 4096, nLayers: 64, nHeads: 64, nKvHeads: arch === 'gpt2' ? 64 : 8, dFf: 65536, context: 4096, vocab: 65536 };
    edit = { out: jsonBytes(setPath(spec, ['size'], largest)), mutation: 'the largest size every field allows' };
  } else if (how === 6) {
    const field = rng.pick(['name', 'arch', 'backdoors']);
    edit = { out: jsonBytes(setPath(spec, [field], undefined)), mutation: `without ${field}` };
  } else {
    edit = wholeFile(rng, bytes);
  }
  return { mutation: `${name}: ${edit.mutation}`, files: { 'spec.json': edit.out }, argv: ['zoo', 'build', '{case}/spec.json', '--out', '{case}/out'], expect: 1 };
};

/** Where a vector set's header breaks; count edits only break safetensors sets (their tensor fixes N). */
function vectorHeaderPaths(head: Record<string, JsonValue>, countEdits: boolean): [Path, JsonValue[]][] {
  return [
    [['format'], ['x', 5, null, 'triggerfish-vectors/2']],
    [['kind'], ['x', 5, null, 'MELBO']],
    [['hook'], ['blocks.99.hook_resid_post', 'nope', 5, null, 'blocks.-1.hook_resid_pre']],
    [['model'], notAnObject],
    [['model', 'dModel'], [64, 0, -1, 'x', 1.5, null]],
    [['model', 'nLayers'], [0, 'x', -4, 1.5]],
    [['model', 'fingerprint'], ['abc', 5, null, '0'.repeat(64), 'G'.repeat(64)]],
    [['model', 'arch'], ['bert', 5]],
    [['model', 'name'], [5, null]],
    [['settings'], ['x', 5, null, []]],
    [['settings', 'x'], [{}, [1]]],
    [['targetLayer'], [99, -1, 'x', 1.5]],
    [['vectors'], ['x', 5, null, {}]],
    [['vectors', 0], [null, 5, 'x']],
    [['vectors', 0, 'label'], [5, null, []]],
    [['vectors', 0, 'foo'], [1]],
    [['vectors', 0, 'history'], ['x', ['x'], 5]],
    [['vectors', 0, 'marked'], ['yes', 1]],
    ...(countEdits && Array.isArray(head.vectors) ? [[['vectors'], [[...(head.vectors as JsonValue[]), head.vectors[0]!], (head.vectors as JsonValue[]).slice(1)]] as [Path, JsonValue[]]] : []),
  ];
}

function safetensorsVectors(rng: Random, bytes: Buffer): { out: Buffer; mutation: string } {
  const { header, data } = splitSafetensors(bytes);
  const meta = header.__metadata__ as Record<string, string>;
  const head = JSON.parse(meta.triggerfish!) as Record<string, JsonValue>;
  const how = rng.int(0, 6);
  if (how <= 2) {
    const [path, values] = rng.pick(vectorHeaderPaths(head, true));
    const value = rng.pick(values);
    const edited = { ...meta, triggerfish: JSON.stringify(setPath(head, path, value)) };
    return { out: joinSafetensors({ ...header, __metadata__: edited }, data), mutation: `metadata ${path.join('.')} = ${show(value)}` };
  }
  if (how === 3) {
    const value = rng.pick([undefined, '{', 'null', '[]', '"x"']);
    const edited: Record<string, string> = value === undefined ? { format: 'pt' } : { ...meta, triggerfish: value };
    return { out: joinSafetensors({ ...header, __metadata__: edited }, data), mutation: `metadata triggerfish ${value ?? 'removed'}` };
  }
  if (how === 4) {
    const poisoned = poisonWeight(bytes, rng, 'vectors');
    return { out: poisoned.bytes, mutation: 'a non-finite value in the vectors' };
  }
  if (how === 5) {
    const renamed = setPath(header, ['vectors'], undefined) as Record<string, JsonValue>;
    return { out: joinSafetensors({ ...renamed, thetas: header.vectors! }, data), mutation: 'tensor "vectors" renamed' };
  }
  const span = metadataSpan(bytes);
  const positions: number[] = [];
  for (let i = 8; i < bytes.length - data.length; i++) if (i < span[0] || i >= span[1]) positions.push(i);
  const out = Buffer.from(bytes);
  const at = rng.pick(positions);
  out[at] = out[at]! ^ (1 << rng.int(0, 7));
  return { out, mutation: `bit flip in header byte ${at}` };
}

function jsonVectors(rng: Random, bytes: Buffer): { out: Buffer; mutation: string } {
  const head = parse(bytes) as Record<string, JsonValue>;
  const how = rng.int(0, 5);
  if (how <= 2) {
    const [path, values] = rng.pick(vectorHeaderPaths(head, false));
    const value = rng.pick(values);
    return { out: jsonBytes(setPath(head, path, value)), mutation: `${path.join('.')} = ${show(value)}` };
  }
  if (how === 3) {
    const values = getPath(head, ['vectors', 0, 'values']) as number[];
    const value = rng.pick<JsonValue>([values.slice(1), [...values, 1], 'x', null, values.map((v, i) => (i === 3 ? 'x' : v)), values.map((v, i) => (i === 5 ? null : v)), values.map((v, i) => (i === 0 ? 1e39 : v))]);
    return { out: jsonBytes(setPath(head, ['vectors', 0, 'values'], value)), mutation: `vectors.0.values ${Array.isArray(value) ? `edited (${value.length})` : show(value)}` };
  }
  if (how === 4) return { out: jsonBytes(setPath(head, ['vectors', 0, 'delta'], [1, 2, 3])), mutation: 'vectors.0.delta of the wrong width' };
  return wholeFile(rng, bytes);
}

export const vectorsCase: Generator = (rng, bases) => {
  const asJson = rng.chance(0.5);
  const edit = asJson ? jsonVectors(rng, bases.vectorsJson) : safetensorsVectors(rng, bases.vectorsSafetensors);
  const file = asJson ? 'v.json' : 'v.safetensors';
  return { mutation: `${file} ${edit.mutation}`, files: { [file]: edit.out }, argv: showArgv(`{case}/${file}`), expect: 1 };
};

export const stateCase: Generator = (rng, bases) => {
  const state = parse(bases.state) as Record<string, JsonValue>;
  const history = state.history as JsonValue[];
  const how = rng.int(0, 7);
  let edit: { out: Buffer; mutation: string };
  if (how <= 4) {
    edit = fieldEdit(rng, state, [
      [['step'], ['abc', 999, -3, 1.5, null, 1, 3, true, 1e12]],
      [['format'], ['x', null, 5]],
      [['key'], ['x', null, 5]],
      [['buffer'], [null, [], 'x', 5, {}]],
      [['buffer', 0], [null, 5, {}]],
      [['buffer', 0, 'ids'], [[1e9, 1, 2], [-1, 1, 2], ['x', 1, 2], [1, 2], [1, 2, 3, 4], null, 'x', [1.5, 1, 2]]],
      [['buffer', 0, 'loss'], ['x', null, 'Infinity', []]],
      [['best'], [null, 5, 'x', [], {}]],
      [['best', 'ids'], [[1e9, 1, 2], [2048, 0, 0], null, []]],
      [['best', 'loss'], ['x', null, true]],
      [['history'], ['x', null, 5, {}, [], history.slice(1), [...history, history[0]!]]],
      [['history', 0], [null, 5, 'x']],
      [['history', 0, 'step'], [5, 'x', -1, null]],
      [['history', 0, 'loss'], ['x', null]],
      [['history', 1, 'bestString'], [5, null]],
      [['history', 0, 'asr'], [2, -1, 'x']],
      [['forwardPasses'], [-1, 'x', 1.5, null]],
      [['seconds'], [-1, 'x', null]],
    ]);
  } else if (how === 5) {
    const field = rng.pick(['step', 'buffer', 'best', 'history', 'forwardPasses', 'seconds', 'key', 'format']);
    edit = { out: jsonBytes(setPath(state, [field], undefined)), mutation: `without ${field}` };
  } else edit = wholeFile(rng, bases.state);
  return { mutation: `state.json ${edit.mutation}`, files: { 'state.json': edit.out }, argv: gcgArgv('{bases}/model', '{case}/state.json', 3), expect: 1 };
};

export const sessionCase: Generator = (rng, bases) => {
  const session = parse(bases.session) as Record<string, JsonValue>;
  const how = rng.int(0, 6);
  let edit: { out: Buffer; mutation: string };
  if (how <= 4) {
    edit = fieldEdit(rng, session, [
      [['format'], ['x', 5, null]],
      [['id'], [5, '', null]],
      [['created'], [5, null, '']],
      [['modelDir'], [5, '', []]],
      [['prompts'], notAnObject],
      [['prompts', 'source'], ['x', 5, null]],
      [['prompts', 'optimise'], ['x', [5], null]],
      [['prompts', 'heldOut'], ['x', [null]]],
      [['target'], [5, null, []]],
      [['targetEdited'], notABool.filter((v) => v !== null)],
      [['settings'], notAnObject],
      [['settings', 'steps'], [-1, 'x', 1.5, null, 0, 1e12]],
      [['settings', 'radius'], ['x', -1, null]],
      [['settings', 'heldOutLimit'], [0, 'x']],
      [['marked'], ['x', null, 5]],
      [['marked', 0], [{}, null, 5]],
      [['marked', 0, 'index'], [-1, 'x', 1.5]],
      [['jobs'], [null, 'x', 5, {}, [null], [5], ['x']]],
      [['jobs', 0, 'status'], ['x', 5, null]],
      [['jobs', 0, 'kind'], ['x', 5, null]],
      [['jobs', 0, 'id'], ['../x', 5, '', null, 'a/b']],
      [['jobs', 0, 'spec'], [null, 'x', { kind: 'gcg' }]],
      [['jobs', 0, 'losses'], ['x', ['x'], null]],
      [['jobs', 0, 'asrChecks'], ['x', [{ step: -1, asr: 0 }], [{ step: 1, asr: 2 }], [null]]],
      [['jobs', 0, 'restarts'], [-1, 'x']],
      [['jobs', 0, 'label'], [5, null]],
      [['finished'], ['x', 1, null]],
      [['exported'], ['x', [5], null]],
      [['jobs', 1], [(session.jobs as JsonValue[])[0]!]],
    ]);
  } else if (how === 5) {
    const field = rng.pick(['format', 'id', 'prompts', 'settings', 'jobs', 'target', 'created']);
    edit = { out: jsonBytes(setPath(session, [field], undefined)), mutation: `without ${field}` };
  } else edit = wholeFile(rng, bases.session);
  return { mutation: `session.json ${edit.mutation}`, files: { 'session/session.json': edit.out }, argv: ['tui', '--session', '{case}/session'], expect: 1 };
};

