/** A short stable hash of anything JSON can hold (Float32Arrays as plain arrays): the key of a run's state. */
import { createHash } from 'node:crypto';

export function hashKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts, (_, v) => (v instanceof Float32Array ? Array.from(v) : v))).digest('hex').slice(0, 16);
}
