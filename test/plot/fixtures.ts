/** Small, fixed data for every plot kind (no randomness: a tiny LCG stands in for noise). */
import type { LandscapeMark, LandscapeValue, LearningRecord, LinePoint, RunOutcome } from '../../src/plot/index.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export const models = ['gpt2-a', 'llama-b', 'qwen2-c'];
export const methods = ['logit', 'activation'];

/** Loss curves: 3 models × 2 methods × 3 seeds × 10 steps, decaying with noise. */
export function lossPoints(): LinePoint[] {
  const noise = lcg(1);
  const points: LinePoint[] = [];
  for (const facet of models) for (const series of methods) for (let seed = 0; seed < 3; seed++) {
    for (let step = 1; step <= 10; step++) points.push({ x: 2 * step + 2, y: Math.exp(-(series === 'logit' ? 0.4 : 0.05) * step) * (1 + 0.2 * noise()), series, facet });
  }
  return points;
}

/** Cumulative success: 'logit' succeeds in 3 of 4 runs (at 12, 22, 22), 'activation' in 1 of 4 (at 32). */
export const outcomes: RunOutcome[] = [
  { series: 'logit', x: 12 }, { series: 'logit', x: 22 }, { series: 'logit', x: 22 }, { series: 'logit', x: null },
  { series: 'activation', x: 32 }, { series: 'activation', x: null }, { series: 'activation', x: null }, { series: 'activation', x: null },
];

export const sweepPoints = [2, 4, 8, 12, 16, 24, 32].map((x, i) => ({ x, y: [0, 0.2, 23.8, 32.4, 47.8, 117.7, 129.2][i]! }));

/** Base pretraining: held-out loss and clean accuracy of two task families over 5 evaluations. */
export function learningRecords(): LearningRecord[] {
  const records: LearningRecord[] = [];
  for (const family of ['arithmetic', 'copy']) for (let step = 0; step <= 2000; step += 500) {
    const progress = step / 2000;
    records.push({ step, family, metric: 'loss', value: (family === 'copy' ? 3 : 4) * (1 - 0.7 * progress) });
    records.push({ step, family, metric: 'accuracy', value: (family === 'copy' ? 0.9 : 0.6) * progress });
  }
  return records;
}

/** 64 random vectors and 16 MELBO vectors under two objectives, with θ_Y and δ_X marked. */
export function landscape(): { values: LandscapeValue[]; marks: LandscapeMark[] } {
  const noise = lcg(7);
  const values: LandscapeValue[] = [];
  for (const objective of ['MELBO objective', 'DCT objective']) {
    for (let i = 0; i < 64; i++) values.push({ objective, group: 'random', value: 1 + noise() });
    for (let i = 0; i < 16; i++) values.push({ objective, group: 'MELBO vectors', value: 4 + 16 * noise() });
  }
  const marks: LandscapeMark[] = [
    { objective: 'MELBO objective', label: 'θ_Y', value: 1.5 },
    { objective: 'MELBO objective', label: 'δ_X', value: 2.5 },
    { objective: 'DCT objective', label: 'θ_Y', value: 12 },
  ];
  return { values, marks };
}
