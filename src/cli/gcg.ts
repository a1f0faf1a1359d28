/**
 * triggerfish gcg --model <dir> --target logit|activation|mixed: search token space for a string
 * that makes the model show Y (a candidate trigger). Progress on stderr, the result as JSON with --json.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { initBackend } from '../engine/backend.js';
import { forwardEngine } from '../engine/engine.js';
import { onnxThreads } from '../engine/onnx-session.js';
import { BadInputError } from '../errors.js';
import type { GcgConfig, GcgTargetSpec, Placement } from '../gcg/config.js';
import { defaultGcgConfig } from '../gcg/config.js';
import { embeddingDifference, priorInitString } from '../gcg/priors.js';
import { runGcg } from '../gcg/run.js';
import { runKey } from '../gcg/state.js';
import { loadModel } from '../model/checkpoint.js';
import { disposeModel } from '../model/language-model.js';
import { readCard, siblingDir } from '../zoo/card.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag, num, requireStr, str } from './args.js';
import { promptSets } from './prompts.js';
import { abortOnSignals } from './signals.js';
import { loadDirection } from './vectors.js';

/** Options that do not change the search's trajectory: a run with more steps or other checks resumes. */
const notInKey = new Set(['json', 'state', 'steps', 'asr-every', 'no-early-stop', 'backend', 'engine', 'threads']);

/**
 * Where a run without --state keeps its state: runs/gcg/<hash of model and options>.json, so that
 * after Ctrl-C (or a crash) the same command resumes. Removed once the run ends normally.
 */
function defaultStatePath(values: Record<string, unknown>, dir: string): string {
  const key = Object.entries(values).filter(([k, v]) => !notInKey.has(k) && v !== undefined && k !== 'model').sort(([a], [b]) => (a < b ? -1 : 1));
  return join('runs', 'gcg', `${runKey([resolve(dir), key])}.json`);
}

const usage = 'triggerfish gcg --model <dir> --target logit|activation|mixed [--text Y] [--vector <file> --index 0] [--steps 250] [--json]';

export const gcgCommand: Command = {
  name: 'gcg',
  summary: 'search for a trigger with GCG, aiming at the logits of Y or at a steering direction',
  usage,
  help: [
    'Y defaults to the first behaviour target of the model card. Prompts: --prompt (repeatable), --prompts <file>,',
    'or the built-in clean set (8 optimised, 40 held out for ASR). --prior embedding-diff starts from the tokens that',
    'moved most against the clean sibling (--restrict-prior N also limits the search to the top N of them).',
  ].join('\n'),
  options: {
    ...jsonOption,
    model: { type: 'string' },
    target: { type: 'string', default: 'logit' },
    text: { type: 'string' },
    vector: { type: 'string' },
    index: { type: 'string', default: '0' },
    use: { type: 'string', default: 'delta' },
    layer: { type: 'string' },
    positions: { type: 'string', default: 'last' },
    weight: { type: 'string', default: '0.5' },
    prompt: { type: 'string', multiple: true },
    prompts: { type: 'string' },
    'held-out': { type: 'string' },
    placement: { type: 'string', default: 'suffix' },
    init: { type: 'string' },
    prior: { type: 'string' },
    'restrict-prior': { type: 'string', default: '0' },
    steps: { type: 'string', default: String(defaultGcgConfig.steps) },
    width: { type: 'string', default: String(defaultGcgConfig.searchWidth) },
    topk: { type: 'string', default: String(defaultGcgConfig.topK) },
    batch: { type: 'string', default: String(defaultGcgConfig.batchSize) },
    length: { type: 'string', default: '20' },
    buffer: { type: 'string', default: '0' },
    'asr-every': { type: 'string', default: String(defaultGcgConfig.asrEvery) },
    'no-early-stop': { type: 'boolean', default: false },
    mellowmax: { type: 'boolean', default: false },
    'no-filter': { type: 'boolean', default: false },
    'allow-other-model': { type: 'boolean', default: false },
    seed: { type: 'string', default: '0' },
    state: { type: 'string' },
  },
  async run(args, io) {
    const dir = requireStr(args, 'model', 'the model folder to attack');
    const kind = str(args, 'target') ?? 'logit';
    if (kind !== 'logit' && kind !== 'activation' && kind !== 'mixed') throw new BadInputError(`--target must be logit, activation or mixed, got '${kind}'`);
    const placementFlag = str(args, 'placement') ?? 'suffix';
    const placement: Placement = placementFlag === 'prefix' || placementFlag === 'suffix' ? placementFlag : { template: placementFlag };
    const positions = str(args, 'positions') ?? 'last';
    if (positions !== 'last' && positions !== 'response') throw new BadInputError(`--positions must be last or response, got '${positions}'`);
    const { optimise, heldOut } = promptSets(args);
    const backend = await initBackend();
    const model = await loadModel(dir);
    const card = existsSync(join(dir, 'card.json')) ? readCard(dir) : null;
    const text = str(args, 'text') ?? card?.behaviours[0]?.target;
    if ((kind !== 'activation' || positions === 'response') && !text) throw new BadInputError('give the target text Y with --text (the model has no card.json to take it from)');
    let target: GcgTargetSpec;
    if (kind === 'logit') target = { kind, text: text! };
    else {
      const direction = await loadDirection(model, args);
      const base = { direction: direction.values, layer: direction.layer, positions: positions as 'last' | 'response' };
      target = kind === 'activation'
        ? { kind, ...base, ...(positions === 'response' && { responseText: text! }) }
        : { kind, text: text!, ...base, weight: num(args, 'weight', 0.5, { min: 0, max: 1 }) };
    }
    const length = num(args, 'length', 20, { min: 1, max: 200, integer: true });
    const config: Partial<GcgConfig> = {
      steps: num(args, 'steps', defaultGcgConfig.steps, { min: 1, integer: true }),
      searchWidth: num(args, 'width', defaultGcgConfig.searchWidth, { min: 1, integer: true }),
      topK: num(args, 'topk', defaultGcgConfig.topK, { min: 1, integer: true }),
      batchSize: num(args, 'batch', defaultGcgConfig.batchSize, { min: 1, integer: true }),
      bufferSize: num(args, 'buffer', 0, { min: 0, integer: true }),
      asrEvery: num(args, 'asr-every', defaultGcgConfig.asrEvery, { min: 0, integer: true }),
      earlyStopAsr: flag(args, 'no-early-stop') ? null : defaultGcgConfig.earlyStopAsr,
      useMellowmax: flag(args, 'mellowmax'),
      filterRetokenisation: !flag(args, 'no-filter'),
      initString: ' x'.repeat(length).trim(),
      placement,
      seed: num(args, 'seed', 0, { integer: true }),
    };
    let init = str(args, 'init');
    const prior = str(args, 'prior');
    if (prior !== undefined) {
      if (prior !== 'embedding-diff') throw new BadInputError(`--prior must be embedding-diff, got '${prior}'`);
      const sibling = card ? siblingDir(dir, card) : null;
      if (!sibling) throw new BadInputError('the embedding-difference prior needs a clean sibling (card.json "sibling")');
      const siblingModel = await loadModel(sibling, { tokenizer: false });
      const ranking = await embeddingDifference(model, siblingModel);
      disposeModel(siblingModel);
      init ??= priorInitString(ranking, length);
      const restrict = num(args, 'restrict-prior', 0, { min: 0, integer: true });
      if (restrict > 0) config.allowedIds = ranking.slice(0, restrict).map((t) => t.id);
      io.log(`embedding-difference prior: top tokens ${ranking.slice(0, 8).map((t) => JSON.stringify(t.text)).join(' ')}`);
    }
    const engine = await forwardEngine();
    io.log(`GCG on ${dir} (gradients ${backend.name}, forward passes ${engine === 'onnx' ? `onnx, ${onnxThreads()} threads` : 'tfjs'}): ${kind} target, ${optimise.length} prompts, ${heldOut.length} held out`);
    const signal = abortOnSignals();
    const explicitState = str(args, 'state');
    const statePath = explicitState ?? defaultStatePath(args.values, dir);
    if (existsSync(statePath)) io.log(`resuming from ${statePath}`);
    else mkdirSync(dirname(resolve(statePath)), { recursive: true });
    const result = await runGcg(model, {
      prompts: optimise,
      target,
      config,
      heldOut,
      ...(init !== undefined && { init }),
      statePath,
      ...(text && { asrText: text }),
      signal,
      onStep: (s) => io.log(`step ${s.step} loss ${s.loss.toFixed(4)} best ${s.bestLoss.toFixed(4)} ${s.seconds.toFixed(1)} s${s.asr !== undefined ? ` ASR ${s.asr.toFixed(2)}` : ''}  ${JSON.stringify(s.bestString)}`),
    });
    if (!explicitState) rmSync(statePath, { force: true }); // finished: nothing left to resume
    if (flag(args, 'json')) return io.json({ ...result, target: kind, backend: backend.name, engine });
    io.print(`best string ${JSON.stringify(result.bestString)}  loss ${result.bestLoss.toFixed(4)}  ASR ${result.asr === null ? 'n/a' : result.asr.toFixed(2)} (${heldOut.length} held-out prompts)`);
    io.print(`${result.history.length} steps, ${result.seconds.toFixed(1)} s, ${result.forwardPasses} forward passes, stopped by ${result.stoppedBy}`);
  },
};
