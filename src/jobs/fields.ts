/**
 * A job's settings are described once, as fields: a name, a type, a default and a one-line
 * description. The CLI derives its flags and --help from them, the UI writes specs with them, the
 * suite fills them from its budgets, and the runner checks a spec against them and hashes the
 * fields that shape a run into its state key. A new setting is one new field.
 */
import { BadInputError } from '../errors.js';

interface FieldBase {
  /** One line for --help. */
  description: string;
  /** The CLI flag, when it is not the key in kebab case. */
  flag?: string;
  /**
   * Leaves the field out of the run's state key: it does not change the trajectory (a budget, a
   * schedule of checks, where the state lives), so a run resumed with another value continues.
   */
  resumable?: boolean;
}

export interface NumberField extends FieldBase {
  type: 'number';
  default: number | undefined;
  integer?: boolean;
  min?: number;
  max?: number;
}

export interface StringField extends FieldBase {
  type: 'string';
  default: string | undefined;
  /** The allowed values, when there is a fixed set. */
  choices?: readonly string[];
  /** How --help shows the value, e.g. <dir> (default <value>). */
  placeholder?: string;
}

export interface BooleanField extends FieldBase {
  type: 'boolean';
  default: boolean;
}

/** Comma-separated numbers on the command line. */
export interface NumberListField extends FieldBase {
  type: 'numbers';
  default: number[] | undefined;
}

/** A list of texts: on the command line a file with one per line (# starts a comment). */
export interface LinesField extends FieldBase {
  type: 'lines';
  placeholder?: string;
  default: string[] | undefined;
}

export type Field = NumberField | StringField | BooleanField | NumberListField | LinesField;

type FieldFor<T> = [NonNullable<T>] extends [boolean]
  ? BooleanField
  : [NonNullable<T>] extends [number]
    ? NumberField
    : [NonNullable<T>] extends [string]
      ? StringField
      : [NonNullable<T>] extends [number[]]
        ? NumberListField
        : [NonNullable<T>] extends [string[]]
          ? LinesField
          : never;

/** One field per key of a spec: a setting added to a spec type without its field does not compile. */
export type Fields<S> = { [K in keyof S]-?: FieldFor<S[K]> };

/** "searchWidth" → "search-width" ("R" stays "R"). */
export function kebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a}-${b.toLowerCase()}`);
}

export function flagOf(key: string, field: Field): string {
  return field.flag ?? kebab(key);
}

/** Every field at its default. */
export function defaultsOf<S>(fields: Fields<S>): S {
  const spec: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields) as [string, Field][]) {
    const value = field.default;
    spec[key] = Array.isArray(value) ? [...value] : value;
  }
  return spec as S;
}

/** The fields of some keys only (a front end that offers a few settings). */
export function pickFields<S, K extends keyof S>(fields: Fields<S>, keys: readonly K[]): Fields<Pick<S, K>> {
  return Object.fromEntries(keys.map((k) => [k, fields[k]])) as unknown as Fields<Pick<S, K>>;
}

/** Defaults, then `given` (undefined values in `given` keep the default). */
export function withDefaults<S>(fields: Fields<S>, given: Partial<S>): S {
  const spec = defaultsOf(fields) as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) if (value !== undefined) spec[key] = value;
  return spec as S;
}

/** Checks every value against its field; a wrong one is a one-line error naming its flag. */
export function checkSpec<S>(fields: Fields<S>, spec: S): S {
  const values = spec as Record<string, unknown>;
  for (const [key, field] of Object.entries(fields) as [string, Field][]) {
    const value = values[key];
    const name = `--${flagOf(key, field)}`;
    if (value === undefined) continue;
    if (field.type === 'number') {
      const bad = typeof value !== 'number' || !Number.isFinite(value) || (field.integer && !Number.isInteger(value)) || (field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max);
      if (bad) throw new BadInputError(`${name} ${String(value)} is not ${field.integer ? 'an integer' : 'a number'}${rangeText(field)}`);
    } else if (field.type === 'string') {
      if (typeof value !== 'string') throw new BadInputError(`${name} must be text, got ${JSON.stringify(value)}`);
      if (field.choices && !field.choices.includes(value)) throw new BadInputError(`${name} must be one of ${field.choices.join(', ')}, got '${value}'`);
    } else if (field.type === 'boolean') {
      if (typeof value !== 'boolean') throw new BadInputError(`${name} is a switch (true or false), got ${JSON.stringify(value)}`);
    } else if (field.type === 'numbers') {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw new BadInputError(`${name} must be a list of numbers, e.g. 0,0.5,1`);
    } else if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new BadInputError(`${name} must be a list of texts`);
    }
  }
  return spec;
}

export function rangeText(field: NumberField): string {
  const range = [field.min !== undefined ? `>= ${field.min}` : '', field.max !== undefined ? `<= ${field.max}` : ''].filter(Boolean).join(' and ');
  return range ? ` ${range}` : '';
}

/** The spec's values that shape the run (resumable fields left out), for a state key. */
export function keyedValues<S>(fields: Fields<S>, spec: S): Record<string, unknown> {
  const values = spec as Record<string, unknown>;
  const keyed: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields) as [string, Field][]) if (!field.resumable && values[key] !== undefined) keyed[key] = values[key];
  return keyed;
}
