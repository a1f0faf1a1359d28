// @jsxRuntime automatic (see App.tsx)
/** A running job in one line: symbol, bar with percentage, steps, loss with sparkline, ETA. */
import { Text } from 'ink';
import { bar, duration, sparkline, statusSymbol, truncate } from '../format.js';
import type { JobRecord } from '../session/session.js';

export function ProgressLine({ job, width }: { job: JobRecord; width: number }) {
  const p = job.progress;
  const head = `${statusSymbol[job.status]} ${job.label} ${job.id}${p?.detail ? ` ${p.detail}` : ''}`;
  if (!p || p.total === 0) return <Text>{truncate(`${head} ${job.status}`, width)}</Text>;
  const rate = p.step > 0 ? p.seconds / p.step : NaN;
  const eta = job.status === 'running' && p.total > p.step && Number.isFinite(rate) ? ` ETA ${duration((p.total - p.step) * rate)}` : '';
  const loss = p.loss !== undefined ? ` loss ${p.loss.toFixed(1)} ${sparkline(job.losses, 8)}` : '';
  return <Text>{truncate(`${head} ${bar(p.step / p.total, 10)} ${p.step}/${p.total}${loss}${eta}`, width)}</Text>;
}
