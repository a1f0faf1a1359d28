/** Flags of `steer train --kind dct` → DctConfig (library defaults in src/steer/dct.ts where a flag is absent). */
import type { DctConfig } from '../steer/dct.js';
import { BadInputError } from '../errors.js';
import type { ParsedArgs } from './command.js';
import { intList, num, str } from './args.js';

export function dctConfigFromArgs(args: ParsedArgs, layers: { source: number; target: number; seed: number }): Partial<DctConfig> {
  const variant = str(args, 'variant') ?? 'exponential';
  if (variant !== 'exponential' && variant !== 'quadratic' && variant !== 'linear') throw new BadInputError(`--variant must be exponential, quadratic or linear, got '${variant}'`);
  const positions = str(args, 'positions');
  return {
    variant,
    source: layers.source,
    target: layers.target,
    seed: layers.seed,
    ...(str(args, 'count') !== undefined && { count: num(args, 'count', 0, { min: 1, integer: true }) }),
    ...(str(args, 'R') !== undefined && { R: num(args, 'R', 0, { min: 1e-9 }) }),
    ...(str(args, 'iterations') !== undefined && { iterations: num(args, 'iterations', 10, { min: 0, integer: true }) }),
    ...(positions !== undefined && { positions: intList(positions, 'positions') }),
  };
}
