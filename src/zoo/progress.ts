/** One line of training progress with a bar and an ETA, for front ends to print. */
import type { ProgressRecord } from './dp-trainer.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function progressLine(p: ProgressRecord, width = 24): string {
  const done = p.step / p.steps;
  const filled = Math.round(done * width);
  const perStep = p.seconds / Math.max(1, p.step - p.resumedFrom);
  const eta = (p.steps - p.step) * perStep;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * done).toFixed(1)}% step ${p.step}/${p.steps} loss ${p.loss.toFixed(3)} lr ${p.lr.toExponential(1)} ${perStep.toFixed(2)} s/step eta ${formatDuration(eta)}`;
}
