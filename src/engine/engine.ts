/**
 * Which engine runs forward-only work (candidate scoring, generation, evaluation): ONNX Runtime by
 * default where it loads, tfjs otherwise. Gradients always run on tfjs.
 * TRIGGERFISH_ENGINE=tfjs|onnx (or the CLI's --engine) forces one; a forced onnx that cannot load is an error.
 */
import { BadInputError } from '../errors.js';
import { loadOrt } from './onnx-session.js';

export type EngineName = 'tfjs' | 'onnx';
export const engineNames: readonly EngineName[] = ['tfjs', 'onnx'];

let forced: EngineName | undefined;
let chosen: EngineName | undefined;

export function parseEngine(value: string | undefined, source = 'TRIGGERFISH_ENGINE'): EngineName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((engineNames as readonly string[]).includes(value)) return value as EngineName;
  throw new BadInputError(`${source} must be one of ${engineNames.join(', ')}, got '${value}'`);
}

/** Forces an engine for the rest of the process (--engine); undefined goes back to the default. */
export function setEngine(name: EngineName | undefined): void {
  forced = name;
  chosen = undefined;
}

/** The engine forward work uses: forced, else onnx when ONNX Runtime loads, else tfjs. */
export async function forwardEngine(): Promise<EngineName> {
  const want = forced ?? parseEngine(process.env.TRIGGERFISH_ENGINE);
  if (want === 'tfjs') return 'tfjs';
  if (want === 'onnx') {
    await loadOrt(); // a forced engine that cannot load is an error, not a silent fallback
    return 'onnx';
  }
  if (chosen) return chosen;
  chosen = await loadOrt().then(
    () => 'onnx' as const,
    () => 'tfjs' as const,
  );
  return chosen;
}
