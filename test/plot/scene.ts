/** Test helpers: where things landed in a rendered plot (vega's scenegraph, absolute pixels) and what its SVG says. */
import type { TopLevelSpec } from '../../src/plot/index.js';
import { headlessView } from '../../src/plot/index.js';

export interface Box {
  role: string;
  marktype: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

interface SceneMark {
  role: string;
  marktype: string;
  bounds: { x1: number; y1: number; x2: number; y2: number };
  items: SceneItem[];
}
interface SceneItem {
  x?: number;
  y?: number;
  items?: SceneMark[];
}

/** Every mark of the rendered spec with its bounds in the SVG's coordinates, and what vega-lite and vega warned. */
export async function sceneBoxes(spec: TopLevelSpec): Promise<{ boxes: Box[]; warnings: string[] }> {
  const warnings: string[] = [];
  const view = headlessView(spec, warnings);
  await view.runAsync();
  const boxes: Box[] = [];
  const walk = (mark: SceneMark, ox: number, oy: number) => {
    const b = mark.bounds;
    if (Number.isFinite(b.x1)) boxes.push({ role: mark.role, marktype: mark.marktype, x1: b.x1 + ox, y1: b.y1 + oy, x2: b.x2 + ox, y2: b.y2 + oy });
    if (mark.marktype !== 'group') return;
    for (const item of mark.items) for (const child of item.items ?? []) walk(child, ox + (item.x ?? 0), oy + (item.y ?? 0));
  };
  walk((view.scenegraph() as unknown as { root: SceneMark }).root, 0, 0);
  view.finalize();
  return { boxes, warnings };
}

/** The text of every <text> element of a class, e.g. 'role-axis-title'. */
export function textsOf(svg: string, role: string): string[] {
  const out: string[] = [];
  const groups = svg.split(`class="mark-text ${role}`).slice(1);
  for (const g of groups) {
    const body = g.slice(0, g.indexOf('</g>'));
    for (const m of body.matchAll(/<text[^>]*>([^<]*)<\/text>/g)) out.push(decode(m[1]!));
  }
  return out;
}

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The corner points of the line paths drawn for data (mark-line role-mark), one array per path. */
export function linePaths(svg: string): [number, number][][] {
  const paths: [number, number][][] = [];
  for (const group of svg.split('class="mark-line role-mark').slice(1)) {
    const body = group.slice(0, group.indexOf('</g>'));
    for (const m of body.matchAll(/ d="M([^"]+)"/g)) paths.push(m[1]!.split('L').map((p) => p.split(',').map(Number) as [number, number]));
  }
  return paths;
}
