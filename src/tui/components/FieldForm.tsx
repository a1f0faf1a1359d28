// @jsxRuntime automatic (see App.tsx)
/**
 * A stage's settings form, one row per job field (src/tui/session/forms.ts): ↑↓ choose a row, enter
 * switches an on/off setting, steps through a setting's choices or opens a text field for a value,
 * backspace restores the default, esc closes. The selected row's description shows below.
 */
import { Text, useInput } from 'ink';
import type { Dispatch } from 'react';
import { userMessage } from '../errors.js';
import { truncate } from '../format.js';
import type { FormName } from '../session/forms.js';
import { formFields, nextChoice, parseFormText, showValue } from '../session/forms.js';
import type { Action } from '../state/actions.js';
import type { AppState } from '../state/state.js';
import { TextInput } from './TextInput.js';

/** The key help while a form is open (App shows it instead of the stage's). */
export const formKeys = '↑↓ setting · enter type or switch it · ⌫ default · esc done';

export interface FieldFormProps {
  form: FormName;
  state: AppState;
  dispatch: Dispatch<Action>;
  /** What an unset row shows instead of the field's own default (e.g. the card's reference). */
  defaults?: Record<string, string>;
  width: number;
}

export function FieldForm({ form, state, dispatch, defaults = {}, width }: FieldFormProps) {
  const fields = formFields[form];
  const keys = Object.keys(fields);
  const at = Math.min(state.cursor.form, keys.length - 1);
  const key = keys[at]!;
  const values = state.session.forms[form];

  useInput(
    (char, k) => {
      if (k.upArrow) dispatch({ type: 'cursor', name: 'form', value: Math.max(0, at - 1) });
      else if (k.downArrow) dispatch({ type: 'cursor', name: 'form', value: Math.min(keys.length - 1, at + 1) });
      else if (k.escape || char === 'o') dispatch({ type: 'input-close' });
      else if (k.backspace || k.delete) dispatch({ type: 'form-set', form, key, value: null });
      else if (k.return) {
        const next = nextChoice(form, key, values[key]);
        dispatch(next === null ? { type: 'input-open', field: 'form-edit' } : { type: 'form-set', form, key, value: next });
      }
    },
    { isActive: state.input === 'form' && !state.quitting },
  );

  const submit = (text: string) => {
    try {
      dispatch({ type: 'form-set', form, key, value: parseFormText(form, key, text) });
    } catch (err) {
      dispatch({ type: 'error', message: userMessage(err) });
    }
  };
  const shown = (name: string) => {
    if (values[name] !== undefined) return showValue(values[name]);
    const fallback = defaults[name] ?? (fields[name]!.default === undefined ? 'default' : showValue(fields[name]!.default as boolean | number | string));
    return `(${fallback})`;
  };
  const valueWidth = Math.max(12, Math.floor(width / 2) - 14);
  return (
    <>
      {keys.map((name, i) => (
        <Text key={name} bold={i === at}>
          {truncate(`${i === at ? '▸' : ' '} ${name.padEnd(11)} ${truncate(shown(name), valueWidth).padEnd(valueWidth)} ${fields[name]!.description}`, width)}
        </Text>
      ))}
      {state.input === 'form-edit' ? (
        <TextInput label={`${key}:`} initial={showValue(values[key])} width={width} onCancel={() => dispatch({ type: 'input-open', field: 'form' })} onSubmit={submit} />
      ) : (
        <Text dimColor>{truncate(`${key}: ${fields[key]!.description}`, width * 2)}</Text>
      )}
    </>
  );
}
