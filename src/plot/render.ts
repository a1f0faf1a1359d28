/**
 * Vega-Lite spec → standalone SVG string, in Node with no browser and no canvas: vega's headless SVG
 * renderer. Without node-canvas vega cannot measure text, so widths come from a table of glyph widths
 * (text-width.ts), which errs wide: labels and legends get a little spare room, never overlap.
 * Rendering is deterministic: the clip-path and gradient ids vega numbers from a module-wide counter
 * are reset before each render, so the same spec gives the same bytes in any process.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { parse, resetSVGDefIds, textMetrics, View } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';
import { measureTextWidth } from './text-width.js';
import { plotConfig } from './theme.js';

// vega measures text through this one hook; without node-canvas it would guess 0.8 em per character
textMetrics.width = measureTextWidth as typeof textMetrics.width;

export type { TopLevelSpec } from 'vega-lite';

/** Renders a Vega-Lite spec (the house theme merged under its own config) to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const withTheme = { ...spec, config: { ...plotConfig, ...spec.config } } as TopLevelSpec;
  const vega = compile(withTheme).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  try {
    resetSVGDefIds();
    const svg = await view.toSVG();
    return svg.endsWith('\n') ? svg : `${svg}\n`;
  } finally {
    view.finalize();
  }
}

/** Writes a file whole or not at all: a temp file beside it, then a rename. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Renders a spec and writes the SVG atomically; returns the SVG. */
export async function writeSvg(file: string, spec: TopLevelSpec): Promise<string> {
  const svg = await renderSvg(spec);
  writeFileAtomic(file, svg);
  return svg;
}
