// @jsxRuntime automatic (see App.tsx)
/** A bordered box with its title in the top border, as in the sketches: ┌ Title ─────┐ */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

export function Panel({ title, width, children }: { title: string; width: number; children: ReactNode }) {
  const label = ` ${title} `;
  const rule = '─'.repeat(Math.max(0, width - 3 - label.length));
  return (
    <Box flexDirection="column" width={width}>
      <Text>{`┌─${label}${rule}┐`}</Text>
      <Box flexDirection="column" borderStyle="single" borderTop={false} paddingX={1} width={width}>
        {children}
      </Box>
    </Box>
  );
}
