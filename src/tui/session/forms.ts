/**
 * The stages' settings forms, made from the job layer's field descriptors (src/jobs/fields.ts): the
 * Recover stage offers the recover job's settings, the Steer stage DCT's main ones. A typed value is
 * checked against its field (type, range, choices) before it is kept; an empty one unsets it.
 */
import { BadInputError } from '../../errors.js';
import type { Field } from '../../jobs/fields.js';
import { pickFields, rangeText } from '../../jobs/fields.js';
import { parseBudget, recoverFields } from '../../jobs/recover.js';
import { steerFields } from '../../jobs/steer.js';
import type { FormValue, SessionForms } from './session.js';

export type FormName = keyof SessionForms;

const recoverKeys = ['reference', 'text', 'budget', 'threshold', 'maxTokens', 'siblings', 'seed', 'noContrast', 'noPrior', 'noLeak', 'noMinimise', 'noGcg', 'noReassemble'] as const;
const dctKeys = ['variant', 'features', 'dctR', 'iterations'] as const;

export const formFields: Record<FormName, Record<string, Field>> = {
  recover: pickFields(recoverFields, recoverKeys),
  dct: pickFields(steerFields, dctKeys),
};

/** Forms of a new session: nothing set, except that quick sessions (TRIGGERFISH_TUI_QUICK) keep runs to seconds. */
export function sessionForms(quick: boolean): SessionForms {
  return quick ? { recover: { budget: '15s' }, dct: { features: 4, iterations: 3 } } : { recover: {}, dct: {} };
}

export const emptyForms = (): SessionForms => ({ recover: {}, dct: {} });

/** Checks a value against its field; throws a BadInputError naming the setting and what it takes. */
export function checkFormValue(form: FormName, key: string, value: FormValue): FormValue {
  const field = formFields[form][key];
  if (!field) throw new BadInputError(`${key} is not a setting of the ${form} form`);
  if (field.type === 'number') {
    const bad = typeof value !== 'number' || !Number.isFinite(value) || (field.integer && !Number.isInteger(value)) || (field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max);
    if (bad) throw new BadInputError(`${key} must be ${field.integer ? 'an integer' : 'a number'}${rangeText(field)}, got ${String(value)}`);
  } else if (field.type === 'boolean') {
    if (typeof value !== 'boolean') throw new BadInputError(`${key} is on or off, got ${String(value)}`);
  } else if (field.type === 'string') {
    if (typeof value !== 'string') throw new BadInputError(`${key} must be text, got ${String(value)}`);
    if (field.choices && !field.choices.includes(value)) throw new BadInputError(`${key} must be one of ${field.choices.join(', ')}, got '${value}'`);
    if (form === 'recover' && key === 'budget') parseBudget(value);
  } else throw new BadInputError(`${key} cannot be set on a form`);
  return value;
}

/** Typed text as a field's value: null (unset) when empty, a number for a number field. */
export function parseFormText(form: FormName, key: string, text: string): FormValue | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const field = formFields[form][key];
  return checkFormValue(form, key, field?.type === 'number' ? Number(trimmed) : trimmed);
}

/** What enter does on a row without typing: switches a boolean, steps through a field's choices; null: type a value. */
export function nextChoice(form: FormName, key: string, current: FormValue | undefined): FormValue | null {
  const field = formFields[form][key];
  if (field?.type === 'boolean') return !(current ?? field.default);
  if (field?.type === 'string' && field.choices) {
    const at = field.choices.indexOf(String(current ?? field.default));
    return field.choices[(at + 1) % field.choices.length]!;
  }
  return null;
}

/** A value shown in a form row or a settings line. */
export function showValue(value: FormValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}
