/** Typed readers for parsed flags: each failure is a one-line BadInputError naming the flag. */
import { BadInputError } from '../errors.js';
import type { ParsedArgs } from './command.js';

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requireStr(args: ParsedArgs, name: string, what: string): string {
  const v = str(args, name);
  if (v === undefined || v === '') throw new BadInputError(`--${name} is required: ${what}`);
  return v;
}

export function strList(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function num(args: ParsedArgs, name: string, fallback: number, check: { min?: number; max?: number; integer?: boolean } = {}): number {
  const raw = str(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const bad =
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    (check.integer && !Number.isInteger(value)) ||
    (check.min !== undefined && value < check.min) ||
    (check.max !== undefined && value > check.max);
  if (bad) {
    const range = [check.min !== undefined ? `>= ${check.min}` : '', check.max !== undefined ? `<= ${check.max}` : ''].filter(Boolean).join(' and ');
    throw new BadInputError(`--${name} ${raw} is not ${check.integer ? 'an integer' : 'a number'}${range ? ' ' + range : ''}`);
  }
  return value;
}

/** "1,2,3" -> [1, 2, 3], each a non-negative integer. */
export function intList(raw: string, name: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === '') || values.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new BadInputError(`--${name} '${raw}' must be comma-separated non-negative integers, e.g. 1,2,3`);
  }
  return values;
}

export function onePositional(args: ParsedArgs, what: string, usage: string): string {
  const [first, ...rest] = args.positionals;
  if (!first) throw new BadInputError(`missing ${what}; usage: ${usage}`);
  if (rest.length > 0) throw new BadInputError(`unexpected argument '${rest[0]}'; usage: ${usage}`);
  return first;
}
