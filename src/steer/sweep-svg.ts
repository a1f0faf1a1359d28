/** A small standalone SVG of a sweep curve (axes, labels, points, the knee marked); no dependencies. */
import type { Knee } from './knee.js';

export interface SvgOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Plot x on a log2 scale (radius grids are geometric). */
  logX?: boolean;
  width?: number;
  height?: number;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3))));

export function sweepSvg(points: readonly { x: number; y: number }[], knee: Knee | null, options: SvgOptions = {}): string {
  const W = options.width ?? 480;
  const H = options.height ?? 320;
  const m = { left: 64, right: 16, top: options.title ? 32 : 16, bottom: 48 };
  const tx = (x: number) => (options.logX ? Math.log2(x) : x);
  const xs = points.map((p) => tx(p.x));
  const ys = points.map((p) => p.y);
  const [xMin, xMax] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const [yMin, yMax] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const sx = (x: number) => m.left + ((x - xMin) / (xMax - xMin || 1)) * (W - m.left - m.right);
  const sy = (y: number) => H - m.bottom - ((y - yMin) / (yMax - yMin || 1)) * (H - m.top - m.bottom);
  const px = (p: { x: number; y: number }) => `${sx(tx(p.x)).toFixed(1)},${sy(p.y).toFixed(1)}`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`,
  ];
  if (options.title) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${escape(options.title)}</text>`);
  for (const p of points) {
    parts.push(`<text x="${sx(tx(p.x)).toFixed(1)}" y="${H - m.bottom + 14}" text-anchor="middle">${fmt(p.x)}</text>`);
  }
  for (const y of [yMin, (yMin + yMax) / 2, yMax]) {
    parts.push(`<text x="${m.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`);
  }
  parts.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 12}" text-anchor="middle">${escape(options.xLabel ?? 'R')}</text>`);
  parts.push(`<text x="14" y="${(m.top + H - m.bottom) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(m.top + H - m.bottom) / 2})">${escape(options.yLabel ?? 'diversity')}</text>`);
  if (points.length > 1) parts.push(`<polyline points="${points.map(px).join(' ')}" fill="none" stroke="steelblue" stroke-width="1.5"/>`);
  for (const p of points) {
    const [cx, cy] = px(p).split(',');
    parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="steelblue"/>`);
  }
  if (knee) {
    const [cx, cy] = px(knee).split(',');
    parts.push(`<circle class="knee" cx="${cx}" cy="${cy}" r="7" fill="none" stroke="crimson" stroke-width="2"/>`);
    parts.push(`<text x="${cx}" y="${(Number(cy) - 11).toFixed(1)}" text-anchor="middle" fill="crimson">knee ${fmt(knee.x)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
