/**
 * triggerfish steer landscape|rank: where vectors sit on MELBO's and DCT's objective among random vectors
 * of the same norm, and a set re-ordered by a supervised signal (θ_Y's direction or effect, or log p(Y)).
 *   steer landscape <vectors> --model <dir> [--theta <vectors>] [--random 64] [--svg <file>] [--json]
 *   steer rank <vectors> --model <dir> --by vector|delta|logp [--theta <vectors>] [--text Y] --out <file>
 */
import { BadInputError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import type { LandscapeMark, LandscapeValue } from '../plot/index.js';
import type { VectorSet } from '../steer/index.js';
import type { Landscape } from '../steer/landscape.js';
import { defaultLayers, encodePrompts, disposePromptBatch, loadVectorSet, measureDeltas, saveVectorSet } from '../steer/index.js';
import { objectiveLandscape, sourceOfHook } from '../steer/landscape.js';
import { logProbScores, projectionScores, rankedSet } from '../steer/rank.js';
import type { Flags, Io, ParsedArgs } from './command.js';
import { flag, intList, num, requireStr, str } from './args.js';
import { abortOnSignals } from './signals.js';

const thetaFlags: Flags = {
  theta: { type: 'string', placeholder: '<file>', description: 'a vector file holding the supervised θ_Y (e.g. steer train --kind optimised)' },
  index: { type: 'string', placeholder: '<n>', shownDefault: '0', description: 'which vector of --theta is θ_Y' },
  positions: { type: 'string', placeholder: '<a,b,...>', description: 'steer only at these positions of each prompt (default all)' },
};

export const landscapeFlags: Flags = {
  ...thetaFlags,
  random: { type: 'string', placeholder: '<n>', shownDefault: '64', description: 'random vectors drawn at each norm' },
  svg: { type: 'string', placeholder: '<file>', description: 'write the landscape as SVG' },
};

export const rankFlags: Flags = {
  ...thetaFlags,
  by: { type: 'string', placeholder: 'vector|delta|logp', shownDefault: 'logp', description: "cos with θ_Y's direction (vector) or effect (delta), or log p(Y) when steered" },
  text: { type: 'string', placeholder: '<Y>', description: "Y's text for --by logp (default: the model card's first target)" },
  out: { type: 'string', placeholder: '<file>', description: 'the ranked vector file to write (required)' },
};

export interface SteerHelpers {
  setup(args: ParsedArgs): Promise<{ model: LanguageModel; dir: string }>;
  vectors(args: ParsedArgs, model: LanguageModel): Promise<{ set: VectorSet; file: string }>;
  prompts(args: ParsedArgs): string[];
  targetText(args: ParsedArgs, dir: string): string;
}

async function thetaY(args: ParsedArgs, model: LanguageModel): Promise<Float32Array | undefined> {
  const file = str(args, 'theta');
  if (!file) return undefined;
  const set = await loadVectorSet(file, model, { allowOtherModel: flag(args, 'allow-other-model') });
  return set.vectors[num(args, 'index', 0, { min: 0, max: set.vectors.length - 1, integer: true })];
}

function positions(args: ParsedArgs): number[] | undefined {
  const raw = str(args, 'positions');
  return raw === undefined ? undefined : intList(raw, 'positions');
}

export async function landscapeCommand(args: ParsedArgs, io: Io, h: SteerHelpers): Promise<void> {
  const { model } = await h.setup(args);
  const { set } = await h.vectors(args, model);
  const source = sourceOfHook(set.hook);
  const target = set.targetLayer ?? defaultLayers(model.config.nLayers).target;
  const theta = await thetaY(args, model);
  const probes = theta ? [{ label: 'θ_Y', values: theta }, { label: 'θ_Y at the set\'s norm', values: rescale(theta, Math.hypot(...set.vectors[0]!)) }] : [];
  const where = positions(args);
  const result = await objectiveLandscape(
    model, h.prompts(args), { source, target }, set.vectors.map((values, i) => ({ label: set.meta[i]?.label ?? `#${i}`, values })), probes,
    {
      randomCount: num(args, 'random', 64, { min: 1, integer: true }), ...(where && { positions: where }),
      ...(typeof set.settings['subtractDirect'] === 'boolean' && { subtractDirect: set.settings['subtractDirect'] }),
    },
    { signal: abortOnSignals() },
  );
  const svg = str(args, 'svg');
  if (svg) {
    // vega takes about half a second to load: only when a plot is asked for
    const { landscapeChart, writeFileAtomic } = await import('../plot/index.js');
    const { values, marks } = landscapeRecords(result);
    const subtitle = `source layer ${source} → target layer ${target}; ${result.random[0]?.melbo.length ?? 0} random vectors per norm; marks ranked against the random vectors of their own norm`;
    writeFileAtomic(svg, await landscapeChart(values, marks, { title: 'Objective landscape', subtitle, logX: values.every((v) => v.value > 0) && marks.every((m) => m.value > 0) }));
  }
  if (flag(args, 'json')) return io.json(result);
  const best = (key: 'melboPercentile' | 'dctPercentile') => Math.max(...result.vectors.map((p) => p[key]));
  io.print(`source ${source} → target ${target}; percentiles among ${result.random[0]?.melbo.length ?? 0} random vectors of the same norm`);
  io.print(`  set (${set.kind}, ${set.vectors.length}): best MELBO percentile ${best('melboPercentile').toFixed(0)}, best DCT percentile ${best('dctPercentile').toFixed(0)}`);
  for (const p of result.probes) io.print(`  ${p.label} (norm ${p.norm.toFixed(2)}): MELBO ${p.melboPercentile.toFixed(0)}th, DCT ${p.dctPercentile.toFixed(0)}th percentile`);
}

const randomGroup = (norm: number) => `random, norm ${Number(norm.toPrecision(3))}`;

/** The landscape as src/plot records: a panel per objective, random vectors per norm and the set as groups, probes as marks. */
function landscapeRecords(landscape: Landscape): { values: LandscapeValue[]; marks: LandscapeMark[] } {
  const objectives = [['melbo', "MELBO's objective Σ‖Δh‖²"], ['dct', "DCT's objective ‖Δ̄‖"]] as const;
  const values: LandscapeValue[] = [];
  const marks: LandscapeMark[] = [];
  for (const [key, objective] of objectives) {
    for (const r of landscape.random) for (const value of r[key]) values.push({ objective, group: randomGroup(r.norm), value });
    for (const p of landscape.vectors) values.push({ objective, group: 'the set', value: p[key] });
    for (const p of landscape.probes) marks.push({ objective, label: p.label, value: p[key], against: randomGroup(p.norm) });
  }
  return { values, marks };
}

export async function rankCommand(args: ParsedArgs, io: Io, h: SteerHelpers): Promise<void> {
  const by = str(args, 'by') ?? 'logp';
  const out = requireStr(args, 'out', 'the ranked vector file to write');
  const { model, dir } = await h.setup(args);
  const { set } = await h.vectors(args, model);
  let scores: number[];
  if (by === 'logp') {
    const where = positions(args);
    scores = await logProbScores(model, set, h.prompts(args), h.targetText(args, dir), { signal: abortOnSignals(), ...(where && { positions: where }) });
  } else if (by === 'vector' || by === 'delta') {
    const theta = await thetaY(args, model);
    if (!theta) throw new BadInputError(`--by ${by} needs the supervised vector: --theta <vectors file> (e.g. from steer train --kind optimised)`);
    scores = projectionScores(set, by === 'vector' ? theta : await effectOf(model, set, theta, h.prompts(args)), by);
  } else {
    throw new BadInputError(`--by must be vector, delta or logp, got '${by}'`);
  }
  const ranked = rankedSet(set, scores, by === 'logp' ? 'log p(Y)' : `cos with θ_Y (${by})`);
  saveVectorSet(ranked, out);
  if (flag(args, 'json')) return io.json({ out, by, scores: ranked.meta.map((m, i) => ({ label: m.label ?? `#${i}`, score: m.score })) });
  io.print(`wrote ${set.vectors.length} vectors ranked by ${by} to ${out}; top: ${ranked.meta.slice(0, 5).map((m) => `${m.label} ${m.score!.toFixed(3)}`).join(', ')}`);
}

/** θ's mean last-token shift at the set's target layer (what a set's deltas hold). */
async function effectOf(model: LanguageModel, set: VectorSet, theta: Float32Array, prompts: string[]): Promise<Float32Array> {
  const batch = encodePrompts(model, prompts, { targets: 1 });
  try {
    const site = { hook: set.hook, targetLayer: set.targetLayer ?? defaultLayers(model.config.nLayers).target };
    return (await measureDeltas(model, batch, site, [theta]))[0]!;
  } finally {
    disposePromptBatch(batch);
  }
}

function rescale(v: Float32Array, norm: number): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => (x * norm) / n);
}
