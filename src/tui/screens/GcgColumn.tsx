// @jsxRuntime automatic (see App.tsx)
/** One GCG run on the Search screen: state, loss with sparkline, steps and s/step, best string, ASR. */
import { Box, Text } from 'ink';
import { asrText, duration, quoted, sparkline, statusSymbol, truncate } from '../format.js';
import type { JobRecord } from '../session/session.js';

export function GcgColumn({ title, job, focused, width, idle }: { title: string; job: JobRecord | undefined; focused: boolean; width: number; idle: string[] }) {
  const head = `${focused ? '▸' : ' '} ${title}`;
  if (!job) {
    return (
      <Box flexDirection="column" width={width}>
        <Text bold={focused}>{truncate(head, width)}</Text>
        {idle.map((line, i) => <Text key={i}>{truncate(`  ${line}`, width)}</Text>)}
      </Box>
    );
  }
  const p = job.progress;
  const held = job.spec.kind === 'gcg' ? (job.spec.heldOut?.length ?? 0) : 0;
  const lastAsr = job.asrChecks.at(-1);
  const asr = job.result?.kind === 'gcg' ? `${asrText(job.result.asr, held)} final` : lastAsr ? `${asrText(lastAsr.asr, held)} at step ${lastAsr.step}` : `– (every ${job.spec.kind === 'gcg' ? job.spec.asrEvery : 0} steps)`;
  const rate = p && p.step > 0 ? p.seconds / p.step : NaN;
  const eta = p && job.status === 'running' && p.total > p.step ? ` ETA ${duration((p.total - p.step) * rate)}` : '';
  const lines = [
    `${statusSymbol[job.status]} ${job.status} · ${job.id}${job.restarts > 0 ? ` · resumed ×${job.restarts}` : ''}`,
    `loss ${p?.loss?.toFixed(3) ?? '–'} ${sparkline(job.losses, Math.max(4, width - 16))}`,
    `step ${p?.step ?? 0}/${p?.total ?? (job.spec.kind === 'gcg' ? job.spec.steps : 0)} · ${Number.isFinite(rate) ? rate.toFixed(1) : '–'} s/step${eta}`,
    `best ${p?.best !== undefined ? quoted(p.best, width - 7) : '–'}`,
    `ASR ${asr}`,
  ];
  return (
    <Box flexDirection="column" width={width}>
      <Text bold={focused}>{truncate(head, width)}</Text>
      {lines.map((line, i) => <Text key={i}>{truncate(`  ${line}`, width)}</Text>)}
      {job.error && <Text>{truncate(`  ✗ ${job.error}`, width * 2)}</Text>}
    </Box>
  );
}
