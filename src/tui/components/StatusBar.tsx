// @jsxRuntime automatic (see App.tsx)
/**
 * The top bar: app, model, backend, session and stage on the first line; every job that has a
 * process (or is waiting for one) on the second, with a symbol and a word for its state.
 */
import { Box, Text } from 'ink';
import { duration, statusSymbol, truncate } from '../format.js';
import type { JobRecord, Session, Stage } from '../session/session.js';
import { stages } from '../session/session.js';
import { stageTitles } from './stage-titles.js';
import { recoverBudgetText } from '../state/derive.js';

export function jobSummary(job: JobRecord): string {
  const p = job.progress;
  if (job.kind === 'recover') return `${statusSymbol[job.status]} ${job.label} ${job.status}${p?.detail ? ` ${p.detail}` : ''}${p ? ` ${duration(p.seconds)} of ${recoverBudgetText(job)}` : ''}`;
  const steps = p && p.total > 0 ? ` ${p.step}/${p.total}` : '';
  const rate = p && job.kind === 'gcg' && p.step > 0 ? ` ${(p.seconds / p.step).toFixed(1)} s/step` : '';
  const eta = p && p.step > 0 && p.total > p.step && job.status === 'running' ? ` ETA ${duration(((p.total - p.step) * p.seconds) / p.step)}` : '';
  return `${statusSymbol[job.status]} ${job.label} ${job.status}${steps}${rate}${eta}`;
}

export function StatusBar({ session, stage, width, waiting }: { session: Session; stage: Stage; width: number; waiting: Record<string, number> }) {
  const model = session.modelDir ? session.modelDir.split('/').pop() : 'no model';
  const tag = `[${stages.indexOf(stage) + 1} ${stageTitles[stage]}]`;
  const left = ` triggerfish · ${model} · ${session.backend ?? 'backend: at first job'} · session ${session.id}`;
  const live = session.jobs.filter((j) => j.status === 'running' || j.status === 'paused' || j.status === 'starting');
  const jobs = live.map((j) => (waiting[j.id] ? `… ${j.label} waiting for pid ${waiting[j.id]} to save` : jobSummary(j)));
  const second = jobs.length > 0 ? ` ${jobs.join(' │ ')}` : ' no job running';
  return (
    <Box flexDirection="column" width={width}>
      <Box justifyContent="space-between" width={width}>
        <Text bold>{truncate(left, width - tag.length - 1)}</Text>
        <Text inverse>{tag}</Text>
      </Box>
      <Text>{truncate(second, width)}</Text>
    </Box>
  );
}
