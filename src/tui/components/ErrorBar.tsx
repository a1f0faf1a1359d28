// @jsxRuntime automatic (see App.tsx)
/** The last error as text (never a stack trace), marked by a symbol as well as colour. */
import { Text } from 'ink';
import { truncate } from '../format.js';

export function ErrorBar({ message, width }: { message: string | null; width: number }) {
  if (!message) return null;
  return <Text color="red">{truncate(` ✗ ${message} (x dismisses)`, width * 2)}</Text>;
}
