/**
 * A standalone SVG of an objective landscape: for MELBO's and DCT's objective, one strip per group
 * (random vectors per norm in grey, the set's vectors in blue, each probe in red with its label and
 * percentile), objective on a log axis. Stands in until src/plot's landscape chart takes over.
 */
import type { Landscape, LandscapePoint } from './landscape.js';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => String(Number(v.toPrecision(3)));

interface Strip {
  name: string;
  values: number[];
  color: string;
  labels?: string[];
}

export function landscapeSvg(landscape: Landscape, title = 'Objective landscape'): string {
  const W = 720;
  const stripH = 26;
  const panels = (['melbo', 'dct'] as const).map((key) => {
    const of = (p: LandscapePoint) => p[key];
    const strips: Strip[] = [
      ...landscape.random.map((r) => ({ name: `random, norm ${fmt(r.norm)}`, values: r[key], color: '#999' })),
      { name: 'set', values: landscape.vectors.map(of), color: 'steelblue' },
      ...landscape.probes.map((p) => ({ name: p.label, values: [of(p)], color: 'crimson', labels: [`${fmt(key === 'melbo' ? p.melboPercentile : p.dctPercentile)}th pct`] })),
    ];
    return { key, strips };
  });
  const rows = panels.reduce((s, p) => s + p.strips.length + 2, 0);
  const H = 40 + rows * stripH;
  const left = 170;
  const right = 90;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${escape(`${title} (source ${landscape.source} → target ${landscape.target})`)}</text>`,
  ];
  let y = 36;
  for (const panel of panels) {
    const all = panel.strips.flatMap((s) => s.values).filter((v) => v > 0);
    const [lo, hi] = all.length ? [Math.log10(Math.min(...all)), Math.log10(Math.max(...all))] : [0, 1];
    const sx = (v: number) => left + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo || 1)) * (W - left - right);
    parts.push(`<text x="8" y="${y + 12}" font-weight="bold">${panel.key === 'melbo' ? "MELBO's objective Σ‖Δh‖²" : "DCT's objective ‖Δ̄‖"} (log axis, ${fmt(10 ** lo)} … ${fmt(10 ** hi)})</text>`);
    y += stripH;
    for (const strip of panel.strips) {
      parts.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end">${escape(strip.name)}</text>`);
      parts.push(`<line x1="${left}" y1="${y}" x2="${W - right}" y2="${y}" stroke="#eee"/>`);
      strip.values.forEach((v, i) => {
        parts.push(`<circle cx="${sx(v).toFixed(1)}" cy="${y}" r="3" fill="${strip.color}" fill-opacity="0.7"/>`);
        const label = strip.labels?.[i];
        if (label) parts.push(`<text x="${W - right + 6}" y="${y + 4}" fill="${strip.color}">${escape(label)}</text>`);
      });
      y += stripH;
    }
    y += stripH;
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
