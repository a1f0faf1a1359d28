/** GCG's buffer of best strings (nanoGCG's AttackBuffer). */
import type { BufferEntry } from './state.js';

/**
 * With size 0 the current string always moves to the step's best candidate; with size B the B best
 * strings are kept, best first, and the best of them is mutated next.
 */
export function updateBuffer(buffer: BufferEntry[], candidate: BufferEntry, size: number): BufferEntry[] {
  if (size === 0) return [candidate];
  const worst = buffer[buffer.length - 1]!;
  if (buffer.length >= size && candidate.loss >= worst.loss) return buffer;
  return [...buffer, candidate].sort((a, b) => a.loss - b.loss).slice(0, size);
}
