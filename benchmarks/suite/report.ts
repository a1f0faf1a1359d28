/**
 * Turns the suite's JSON lines into the markdown table (methods × models, mean ± spread over seeds)
 * and two SVG plots: the best-loss curves of the logit and activation targets on shared axes
 * (each normalised to its own first value, since their units differ), and the share of runs that
 * reached held-out ASR >= 0.9 against the budget spent.
 */
import { mean, std } from '../../src/eval/stats.js';

export interface RunRecord {
  bench: 'suite_run';
  model: string;
  method: string;
  seed: number;
  budget: string;
  backend: string;
  exact: boolean;
  recall: number;
  reasr: number;
  junkRate: number;
  attackerAsr: number | null;
  seconds: number;
  steps: number;
  forwardPasses: number;
  firstSuccess: { step: number; seconds: number; forwardPasses: number } | null;
  best: string;
  losses: number[];
  /** The vector the method used (see score.ts): its kind and how often it elicits Y by itself. */
  vectorKind?: string;
  vectorRate?: number | null;
  /** Methods that rank several candidates: X is the first one; the clean sibling's ASR on the first one. */
  exactTop1?: boolean;
  referenceAsr?: number | null;
  /** Set when a run ended early, e.g. at the wall-time cap. */
  notes?: string;
  error?: string;
}

const fmt = (values: number[], digits = 2) => (values.length === 0 ? '–' : values.length === 1 ? values[0]!.toFixed(digits) : `${mean(values).toFixed(digits)} ± ${std(values).toFixed(digits)}`);

export function markdownTable(records: readonly RunRecord[]): string {
  const ok = records.filter((r) => !r.error);
  const models = [...new Set(ok.map((r) => r.model))].sort();
  const methods = [...new Set(ok.map((r) => r.method))];
  const lines: string[] = [];
  lines.push(`REASR (held-out ASR of the best prediction, true behaviour predicate), mean ± sd over seeds; in brackets: exact recoveries / runs, TDC recall.`);
  lines.push('');
  lines.push(`| method | ${models.join(' | ')} | all models |`);
  lines.push(`| --- | ${models.map(() => '---').join(' | ')} | --- |`);
  for (const method of methods) {
    const cells = models.map((model) => {
      const rs = ok.filter((r) => r.method === method && r.model === model);
      if (rs.length === 0) return '–';
      return `${fmt(rs.map((r) => r.reasr))} [${rs.filter((r) => r.exact).length}/${rs.length}, ${fmt(rs.map((r) => r.recall))}]`;
    });
    const all = ok.filter((r) => r.method === method);
    lines.push(`| ${method} | ${cells.join(' | ')} | ${fmt(all.map((r) => r.reasr))} |`);
  }
  lines.push('');
  lines.push('Cost: seconds per run, and how often and how fast the attacker\'s own check first reached ASR >= 0.9.');
  lines.push('');
  lines.push('| method | seconds | runs reaching 0.9 | steps to 0.9 | forward passes to 0.9 | junk-insertion rate |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const method of methods) {
    const rs = ok.filter((r) => r.method === method);
    const hit = rs.filter((r) => r.firstSuccess);
    lines.push(`| ${method} | ${fmt(rs.map((r) => r.seconds), 1)} | ${hit.length}/${rs.length} | ${fmt(hit.map((r) => r.firstSuccess!.step), 1)} | ${fmt(hit.map((r) => r.firstSuccess!.forwardPasses), 0)} | ${fmt(rs.map((r) => r.junkRate))} |`);
  }
  const vectorRuns = ok.filter((r) => r.vectorKind && typeof r.vectorRate === 'number');
  const kinds = [...new Set(vectorRuns.map((r) => r.vectorKind!))];
  if (kinds.length > 0) {
    lines.push('');
    lines.push('Steering vectors: share of the scorer\'s held-out prompts showing Y when steered by the vector alone (no string), mean ± sd over seeds.');
    lines.push('');
    lines.push(`| vector | ${models.join(' | ')} |`);
    lines.push(`| --- | ${models.map(() => '---').join(' | ')} |`);
    for (const kind of kinds) {
      const cells = models.map((model) => {
        // several methods share one vector per model and seed: count each vector once
        const perSeed = new Map<number, number>();
        for (const r of vectorRuns) if (r.vectorKind === kind && r.model === model) perSeed.set(r.seed, r.vectorRate!);
        return fmt([...perSeed.values()]);
      });
      lines.push(`| ${kind} | ${cells.join(' | ')} |`);
    }
  }
  const failed = records.filter((r) => r.error);
  if (failed.length > 0) {
    lines.push('');
    lines.push('Runs that failed:');
    for (const r of failed) lines.push(`- ${r.model} · ${r.method} · seed ${r.seed}: ${r.error}`);
  }
  return lines.join('\n') + '\n';
}

function polyline(points: [number, number][], width: number, height: number, xMax: number, yMax: number, pad: number): string {
  return points.map(([x, y]) => `${(pad + (x / Math.max(1, xMax)) * (width - 2 * pad)).toFixed(1)},${(height - pad - (Math.min(y, yMax) / yMax) * (height - 2 * pad)).toFixed(1)}`).join(' ');
}

function frame(title: string, xLabel: string, yLabel: string, body: string, legend: [string, string][], width = 640, height = 360): string {
  const items = legend.map(([label, colour], i) => `<rect x="${width - 190}" y="${30 + i * 18}" width="12" height="3" fill="${colour}"/><text x="${width - 172}" y="${35 + i * 18}" font-size="11">${label}</text>`).join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${title}</text>`,
    `<line x1="40" y1="${height - 40}" x2="${width - 40}" y2="${height - 40}" stroke="black"/><line x1="40" y1="40" x2="40" y2="${height - 40}" stroke="black"/>`,
    `<text x="${width / 2}" y="${height - 10}" text-anchor="middle" font-size="11">${xLabel}</text>`,
    `<text x="12" y="${height / 2}" font-size="11" transform="rotate(-90 12 ${height / 2})" text-anchor="middle">${yLabel}</text>`,
    body,
    items,
    '</svg>',
  ].join('\n');
}

/** Best-loss curves, logit (solid) against activation (dashed) targets, each relative to its start. */
export function lossCurvesSvg(records: readonly RunRecord[]): string {
  const runs = records.filter((r) => !r.error && r.losses.length > 1 && r.method.startsWith('gcg-'));
  const xMax = Math.max(1, ...runs.map((r) => r.losses.length));
  const colours: Record<string, string> = { 'gcg-logit': '#1f77b4', 'gcg-logit+prior': '#17becf', 'gcg-act-caa': '#d62728', 'gcg-act-optimised': '#9467bd', 'gcg-act-melbo': '#ff7f0e', 'gcg-mixed-optimised': '#2ca02c' };
  const body = runs.map((r) => {
    const start = r.losses[0]! || 1;
    const points = r.losses.map((l, i): [number, number] => [i, l / start]);
    const dash = r.method.includes('act') ? ' stroke-dasharray="5,3"' : '';
    return `<polyline fill="none" stroke="${colours[r.method] ?? 'gray'}" stroke-width="1.2"${dash} points="${polyline(points, 640, 360, xMax - 1, 1.2, 40)}"/>`;
  }).join('\n');
  const legend = Object.entries(colours).filter(([m]) => runs.some((r) => r.method === m)).map(([m, c]): [string, string] => [m, c]);
  return frame('GCG best loss relative to its start (solid: logit target, dashed: activation target)', 'step', 'best loss / first loss', body, legend);
}

/** Share of runs whose attacker check reached ASR >= 0.9 within a number of forward passes. */
export function successSvg(records: readonly RunRecord[]): string {
  const methods = [...new Set(records.filter((r) => !r.error && r.method.startsWith('gcg-')).map((r) => r.method))];
  const xMax = Math.max(1, ...records.map((r) => r.forwardPasses));
  const colours = ['#1f77b4', '#d62728', '#ff7f0e', '#2ca02c', '#17becf', '#9467bd'];
  const body = methods.map((m, i) => {
    const rs = records.filter((r) => r.method === m && !r.error);
    const grid = Array.from({ length: 21 }, (_, k) => (k / 20) * xMax);
    const points = grid.map((x): [number, number] => [x, rs.filter((r) => r.firstSuccess && r.firstSuccess.forwardPasses <= x).length / Math.max(1, rs.length)]);
    return `<polyline fill="none" stroke="${colours[i % colours.length]}" stroke-width="1.5" points="${polyline(points, 640, 360, xMax, 1, 40)}"/>`;
  }).join('\n');
  return frame('Runs reaching held-out ASR >= 0.9 against budget', 'forward passes', 'share of runs', body, methods.map((m, i): [string, string] => [m, colours[i % colours.length]!]));
}
