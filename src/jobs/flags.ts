/**
 * Command-line flags derived from a job's fields (fields.ts): one flag per field, with its description
 * and default for --help, parsed back into a spec. A setting added to a spec is a flag at once.
 */
import { BadInputError } from '../errors.js';
import { readPromptFile } from '../prompts/file.js';
import type { Field, Fields, NumberField } from './fields.js';
import { checkSpec, defaultsOf, flagOf, rangeText } from './fields.js';

/** One command-line flag: its parse type, a one-line description and the default --help shows. */
export interface Flag {
  type: 'string' | 'boolean';
  multiple?: boolean;
  description: string;
  /** How --help shows the value, e.g. <dir>. */
  placeholder?: string;
  /** The default as --help shows it (the command applies it). */
  shownDefault?: string;
}

export type Flags = Record<string, Flag>;

/** Parsed flag values, as node:util parseArgs gives them. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** The node:util parseArgs options of a set of flags. */
export function parseOptions(flags: Flags): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  return Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.type, ...(f.multiple && { multiple: true }) }]));
}

/** Parsed values back into an argument list (false and missing flags are left out), to hand on to a child process. */
export function toArgv(values: Record<string, unknown>): string[] {
  return Object.entries(values).flatMap(([key, value]) => (value === undefined || value === false ? [] : value === true ? [`--${key}`] : [`--${key}`, String(value)]));
}

function placeholderOf(field: Field): string {
  if (field.type === 'boolean') return '';
  if (field.type === 'string') return field.placeholder ?? (field.choices ? `<${field.choices.join('|')}>` : '<text>');
  if (field.type === 'numbers') return '<a,b,...>';
  if (field.type === 'lines') return field.placeholder ?? '<file>';
  return field.integer ? '<n>' : '<x>';
}

function shownDefault(field: Field): string | undefined {
  const value = field.default;
  if (value === undefined || value === false) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The command-line flags of a job's fields. */
export function flagsOf<S>(fields: Fields<S>): Flags {
  const flags: Flags = {};
  for (const [key, field] of Object.entries(fields) as [string, Field][]) {
    const shown = shownDefault(field);
    const flag: Flag = { type: field.type === 'boolean' ? 'boolean' : 'string', description: field.description, placeholder: placeholderOf(field) };
    if (shown !== undefined) flag.shownDefault = shown;
    flags[flagOf(key, field)] = flag;
  }
  return flags;
}

function parseNumber(raw: string, name: string, field: NumberField): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new BadInputError(`--${name} ${raw} is not ${field.integer ? 'an integer' : 'a number'}${rangeText(field)}`);
  return value;
}

function parseNumbers(raw: string, name: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v))) throw new BadInputError(`--${name} '${raw}' must be comma-separated numbers, e.g. 0,0.5,1,2`);
  return values;
}

/** A spec from parsed flags: defaults for flags not given, each value checked against its field. */
export function specFromArgs<S>(fields: Fields<S>, args: ParsedArgs): S {
  const spec = defaultsOf(fields) as Record<string, unknown>;
  for (const [key, field] of Object.entries(fields) as [string, Field][]) {
    const name = flagOf(key, field);
    const raw = args.values[name];
    if (raw === undefined) continue;
    if (field.type === 'boolean') spec[key] = raw === true;
    else if (typeof raw !== 'string') continue;
    else if (field.type === 'number') spec[key] = parseNumber(raw, name, field);
    else if (field.type === 'numbers') spec[key] = parseNumbers(raw, name);
    else if (field.type === 'lines') spec[key] = readPromptFile(raw);
    else spec[key] = raw;
  }
  return checkSpec(fields, spec as S);
}
