/**
 * Vega-Lite spec → standalone SVG string, in Node with no browser and no canvas: vega's headless SVG
 * renderer. Without node-canvas vega cannot measure text, so widths come from a table of glyph widths
 * (text-width.ts), which errs wide: labels and legends get a little spare room, never overlap.
 * Rendering is deterministic: the clip-path and gradient ids vega numbers from a module-wide counter
 * are reset before each render, so the same spec gives the same bytes in any process.
 * vega and vega-lite would print their warnings; here they are collected instead (the library never
 * prints), and the tests require that every chart compiles without one.
 */
import type { LoggerInterface, Spec as VegaSpec } from 'vega';
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';
import { measureTextWidth } from './text-width.js';
import { plotConfig } from './theme.js';

export type { TopLevelSpec } from 'vega-lite';

// vega measures text through this one hook (not in its type declarations); without node-canvas it
// would guess 0.8 em per character
(vega as unknown as { textMetrics: { width: typeof measureTextWidth } }).textMetrics.width = measureTextWidth;

function collectingLogger(warnings: string[]): LoggerInterface {
  return vega.logger(vega.Warn, undefined, (_method, level, args) => warnings.push(`${level} ${args.map(String).join(' ')}`));
}

/** A Vega-Lite spec compiled to a vega spec, the house theme merged under the spec's own config. */
function compileSpec(spec: TopLevelSpec): { vega: VegaSpec; warnings: string[] } {
  const warnings: string[] = [];
  const compiled = compile({ ...spec, config: { ...plotConfig, ...spec.config } } as TopLevelSpec, { logger: collectingLogger(warnings) });
  return { vega: compiled.spec, warnings };
}

/** A headless vega view of a spec, ready to run or render; finalize it when done. */
export function headlessView(spec: TopLevelSpec, warnings: string[] = []): vega.View {
  const { vega: compiled, warnings: compileWarnings } = compileSpec(spec);
  warnings.push(...compileWarnings);
  return new vega.View(vega.parse(compiled), { renderer: 'none', logger: collectingLogger(warnings) });
}

/** Renders a Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = headlessView(spec);
  try {
    vega.resetSVGDefIds();
    const svg = await view.toSVG();
    return svg.endsWith('\n') ? svg : `${svg}\n`;
  } finally {
    view.finalize();
  }
}
