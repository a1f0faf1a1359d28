/**
 * What the Model screen shows about a folder, read from its small JSON files only (card.json,
 * config.json): the weights are loaded by job processes, never by the UI.
 */
import { relative, resolve } from 'node:path';
import { TriggerfishError } from '../errors.js';
import { readConfig } from '../model/checkpoint.js';
import { parameterCount } from '../model/config.js';
import type { ModelCard } from '../zoo/card.js';
import { listModelDirs, readCard, siblingDir } from '../zoo/card.js';

export interface ModelSummary {
  dir: string;
  name: string;
  card: ModelCard | null;
  arch?: string;
  layers?: number;
  dModel?: number;
  params?: number;
  vocab?: number;
  dtype?: string;
  sibling: string | null;
  /** Why the folder cannot be used, as one line with what to do. */
  error: string | null;
}

function message(err: unknown): string {
  return err instanceof TriggerfishError ? err.message : `cannot read this folder (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
}

export function describeModelDir(dir: string): ModelSummary {
  const abs = resolve(dir);
  const summary: ModelSummary = { dir: abs, name: abs.split('/').pop() ?? abs, card: null, sibling: null, error: null };
  try {
    const c = readConfig(abs);
    const dtype = c.raw.torch_dtype;
    Object.assign(summary, { arch: c.arch, layers: c.nLayers, dModel: c.dModel, params: parameterCount(c), vocab: c.vocabSize, dtype: typeof dtype === 'string' ? dtype : 'float32' });
    summary.card = readCard(abs);
    summary.name = summary.card.name;
    const sibling = siblingDir(abs, summary.card);
    const near = sibling === null ? '' : relative(process.cwd(), sibling);
    summary.sibling = sibling === null ? null : near && !near.startsWith('..') ? near : sibling;
  } catch (err) {
    summary.error = message(err);
  }
  return summary;
}

/** The folders to offer: --model first, then the zoo under models/, without repeats. */
export function modelChoices(root: string, given?: string): ModelSummary[] {
  const dirs = [...(given ? [resolve(given)] : []), ...listModelDirs(root)];
  return [...new Set(dirs)].map(describeModelDir);
}

/** The default pick: the first folder whose card has behaviours. */
export function defaultModel(choices: readonly ModelSummary[]): ModelSummary | null {
  return choices.find((m) => m.card !== null && m.card.behaviours.length > 0) ?? null;
}
