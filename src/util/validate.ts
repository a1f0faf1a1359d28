/**
 * Typed readers for the fields of files triggerfish reads (config.json, tokenizer.json, card.json, specs,
 * state and session files). Each failure is one BadFileError line: the file, the field, what is wrong and
 * what to do. A field that is present with the wrong type is refused, never replaced by a default.
 */
import { freemem, totalmem } from 'node:os';
import { BadFileError } from '../errors.js';
import { printable } from './printable.js';

export { printable };

export type Json = Record<string, unknown>;

export function isRecord(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A file's fields, with the advice every refusal of this file ends with. */
export interface FieldSource {
  file: string;
  /** "restore config.json from the model's source", ... */
  fix: string;
}

export function fieldError(src: FieldSource, field: string, problem: string): BadFileError {
  return new BadFileError(src.file, `${field} ${problem}; ${src.fix}`);
}

/** A JSON value in a message: cut short (a hostile file may hold megabytes in one field), non-printables escaped. */
export function show(x: unknown): string {
  let text: string;
  try {
    text = x === undefined ? 'missing' : (JSON.stringify(x) ?? String(x));
  } catch {
    text = String(x);
  }
  text = printable(text);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export interface IntRange {
  min: number;
  max: number;
}

/** An integer field in [min, max]; absent (or null when nullable) gives the fallback, when there is one. */
export function intField(src: FieldSource, obj: Json, key: string, range: IntRange, fallback?: number, where = ''): number {
  const value = obj[key];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw fieldError(src, where + key, `must be an integer from ${range.min} to ${range.max}, got ${show(value)}`);
  }
  return value;
}

export interface RealRange {
  min: number;
  max: number;
  /** The minimum itself is not allowed (e.g. eps > 0). */
  above?: boolean;
}

export function realField(src: FieldSource, obj: Json, key: string, range: RealRange, fallback?: number, where = ''): number {
  const value = obj[key];
  if (value === undefined && fallback !== undefined) return fallback;
  const low = range.above ? (value as number) <= range.min : (value as number) < range.min;
  if (typeof value !== 'number' || !Number.isFinite(value) || low || value > range.max) {
    throw fieldError(src, where + key, `must be a number ${range.above ? 'above' : 'from'} ${range.min} ${range.above ? 'and at most' : 'to'} ${range.max}, got ${show(value)}`);
  }
  return value;
}

export function boolField(src: FieldSource, obj: Json, key: string, fallback?: boolean, where = ''): boolean {
  const value = obj[key];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'boolean') throw fieldError(src, where + key, `must be true or false, got ${show(value)}`);
  return value;
}

export function stringField(src: FieldSource, obj: Json, key: string, options: { nonEmpty?: boolean; fallback?: string } = {}, where = ''): string {
  const value = obj[key];
  if (value === undefined && options.fallback !== undefined) return options.fallback;
  if (typeof value !== 'string' || (options.nonEmpty && value === '')) {
    throw fieldError(src, where + key, `must be a${options.nonEmpty ? ' non-empty' : ''} string, got ${show(value)}`);
  }
  return value;
}

export function arrayField(src: FieldSource, obj: Json, key: string, where = ''): unknown[] {
  const value = obj[key];
  if (!Array.isArray(value)) throw fieldError(src, where + key, `must be a list, got ${show(value)}`);
  return value;
}

export function recordField(src: FieldSource, obj: Json, key: string, where = ''): Json {
  const value = obj[key];
  if (!isRecord(value)) throw fieldError(src, where + key, `must be an object, got ${show(value)}`);
  return value;
}

/** Bytes this process may plan to allocate: what the machine has free now, and never more than 3/4 of all of it. */
export function memoryBudgetBytes(): number {
  return Math.min(freemem(), 0.75 * totalmem());
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

/**
 * Refuses work whose planned allocation does not fit in memory, before anything is allocated.
 * `what` says what needs the bytes ("loading 7.0B parameters in f32"), `fix` what to do instead.
 */
export function checkMemoryBudget(file: string, what: string, bytes: number, fix: string): void {
  const budget = memoryBudgetBytes();
  if (!(bytes <= budget)) {
    throw new BadFileError(file, `${what} needs about ${formatBytes(bytes)} but this machine has ${formatBytes(budget)} to spare; ${fix}`);
  }
}
