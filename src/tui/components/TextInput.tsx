// @jsxRuntime automatic (see App.tsx)
/**
 * A one-line text field: typing and pasting append, backspace deletes, enter submits, esc cancels.
 * While it is open the screen's and the global keys are off, so digits and letters are text.
 */
import { Text, useInput } from 'ink';
import { useState } from 'react';
import { truncate } from '../format.js';

export interface TextInputProps {
  label: string;
  initial?: string;
  width: number;
  onSubmit(value: string): void;
  onCancel(): void;
}

export function TextInput({ label, initial = '', width, onSubmit, onCancel }: TextInputProps) {
  const [value, setValue] = useState(initial);
  useInput((input, key) => {
    if (key.return) return onSubmit(value);
    if (key.escape) return onCancel();
    // Several backspaces can arrive as one chunk (a held key, a slow terminal): delete one per byte.
    const erase = key.backspace || key.delete ? 1 : /^[\x7f\b]+$/.test(input) ? input.length : 0;
    if (erase > 0) return setValue((v) => v.slice(0, Math.max(0, v.length - erase)));
    if (key.ctrl && input === 'u') return setValue('');
    if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab) return;
    // Pasted text: newlines become spaces, other control bytes are dropped.
    const text = input.replace(/[\r\n]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '');
    if (text) setValue((v) => v + text);
  });
  const room = width - label.length - 4;
  const shown = value.length > room ? '…' + value.slice(value.length - room + 1) : value;
  return (
    <Text>
      {label} <Text inverse>{`> ${shown}█`}</Text>
      <Text dimColor>{truncate('  enter ok · esc cancel', Math.max(0, room - shown.length))}</Text>
    </Text>
  );
}
