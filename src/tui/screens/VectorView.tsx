// @jsxRuntime automatic (see App.tsx)
/** One steering vector: its steered completions side by side with their prompts, or its cosines. */
import { Text } from 'ink';
import { truncate } from '../format.js';
import type { BrowsedVector } from '../state/derive.js';

const rows = 4;

export function VectorView({ vector, position, count, marked, cosines, width }: { vector: BrowsedVector; position: number; count: number; marked: boolean; cosines: boolean; width: number }) {
  const n = vector.completions.length;
  const hits = Math.round(vector.hitRate * n);
  const rank = vector.rankedBy !== undefined && vector.score !== undefined ? ` · ${vector.rankedBy} ${vector.score.toPrecision(3)}` : '';
  const head = `── ${position + 1}/${count} ${vector.name} · elicits Y ${hits}/${n} · log p(Y) ${vector.logProb.toFixed(2)}${rank}${marked ? ' · ✓ marked' : ''} `;
  const column = Math.floor(width / 2) - 2;
  return (
    <>
      <Text>{truncate(head + '─'.repeat(Math.max(0, width - head.length)), width)}</Text>
      {cosines
        ? <Text>{truncate(`cosine to the others of ${vector.job}: ${vector.cosines.map((c, i) => `#${i} ${c.toFixed(2)}`).join('  ')}`, width * 2)}</Text>
        : vector.completions.slice(0, rows).map((c, i) => (
            <Text key={i}>{truncate(`${c.shows ? '✓' : ' '} > ${truncate(c.prompt, column).padEnd(column)} ${c.completion}`, width)}</Text>
          ))}
    </>
  );
}
