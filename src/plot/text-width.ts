/**
 * Text widths for layout without a canvas. vega's own fallback guesses 0.8 em per character, which
 * leaves legends and titles with a third of their width empty; this table holds the advance widths
 * (in em) of DejaVu Sans, the widest common fallback for 'Helvetica, Arial, sans-serif' (what Linux
 * viewers draw with): Helvetica and Arial are narrower, so text measured here never overflows.
 * Measured from the font file by scripts/font-widths.py; its bold face averages 1.10 × as wide.
 */
const ascii = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';
// prettier-ignore
const widths = [
  0.318, 0.401, 0.460, 0.838, 0.636, 0.950, 0.780, 0.275, 0.390, 0.390, 0.500, 0.838, 0.318, 0.361, 0.318, 0.337,
  0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.000,
  0.684, 0.686, 0.698, 0.770, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603, 0.787,
  0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.390, 0.337, 0.390, 0.838, 0.500, 0.500,
  0.613, 0.635, 0.550, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612, 0.635, 0.635,
  0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.636, 0.337, 0.636, 0.838,
];
const em = new Map([...ascii].map((c, i) => [c, widths[i]!]));
/** Anything outside ASCII: wider than most (θ 0.61, Σ 0.63, ≥ 0.84 in DejaVu Sans), to stay on the safe side. */
const otherEm = 0.8;
/** DejaVu Sans Bold runs about a tenth wider. */
const boldFactor = 1.1;

function textWidthEm(text: string): number {
  let total = 0;
  for (const c of text) total += em.get(c) ?? otherEm;
  return total;
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
}

/** Drop-in for vega's textMetrics.width(item, line): vega hands it one line at a time. */
export function measureTextWidth(item: TextItem, line?: unknown): number {
  const size = item.fontSize ?? 11;
  if (line == null || !(size > 0)) return 0;
  const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
  return textWidthEm(String(line).trim()) * size * (bold ? boldFactor : 1);
}
