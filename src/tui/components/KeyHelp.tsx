// @jsxRuntime automatic (see App.tsx)
/** The bottom line: this screen's keys, then the keys that work everywhere (wrapping to a second line). */
import { Text } from 'ink';
import { truncate } from '../format.js';
import { stages } from '../session/session.js';

export function KeyHelp({ keys, width }: { keys: string; width: number }) {
  const global = `1-${stages.length} stage · ? help · q quit`;
  return <Text dimColor>{truncate(` ${keys ? `${keys} · ` : ''}${global}`, 2 * width - 2)}</Text>;
}
