/**
 * How one job's record changes with each event from its process. Returns the new record and,
 * for events worth keeping, a finished log line (printed once above the live panel).
 */
import { asrText, quoted } from '../format.js';
import type { JobResult } from '../jobs/protocol.js';
import type { JobRecord } from '../session/session.js';
import type { Action } from './actions.js';

export type JobAction = Extract<Action, { id: string }>;

const live = new Set(['starting', 'running', 'paused']);

function resultLine(name: string, r: JobResult, held: number): string {
  switch (r.kind) {
    case 'gcg':
      return `✓ ${name} done: ${quoted(r.bestString, 34)} loss ${r.bestLoss.toFixed(3)} ASR ${asrText(r.asr, held)}`;
    case 'verify':
      return `✓ verify ${quoted(r.text, 34)}: ASR ${asrText(r.asr, r.completions.length)}`;
    case 'steer': {
      const best = [...r.vectors].sort((a, b) => b.hitRate - a.hitRate)[0];
      const n = best?.completions.length ?? 0;
      return `✓ ${name} done: ${r.vectors.length} vector(s)${best ? `, best ${best.label} elicits Y on ${Math.round(best.hitRate * n)}/${n}` : ''}`;
    }
    case 'backsample': {
      const top = r.candidates[0];
      return `✓ ${name} done: ${r.candidates.length} candidate(s)${top ? `, top ${quoted(top.text, 24)} ASR ${top.asr === null ? '–' : top.asr.toFixed(2)}` : ''}`;
    }
  }
}

export function jobReducer(job: JobRecord, action: JobAction, quitting: boolean): { job: JobRecord; line?: string } {
  const name = `${job.label} (${job.id})`;
  const held = job.spec.kind === 'gcg' ? (job.spec.heldOut?.length ?? 0) : 0;
  switch (action.type) {
    case 'job-restarting':
      return { job: { ...job, status: 'starting', restarts: job.restarts + 1, error: undefined } };
    case 'job-started':
      return {
        job: { ...job, status: 'running' },
        ...(action.resumedFrom !== null && { line: `↻ ${name} resumed from step ${action.resumedFrom} on ${action.backend}` }),
      };
    case 'job-log':
      return { job };
    case 'job-progress': {
      const p = action.progress;
      const losses = job.losses.slice();
      if (p.loss !== undefined) losses[p.step - 1] = p.loss;
      const fresh = p.asr !== undefined && !job.asrChecks.some((c) => c.step === p.step);
      const asrChecks = fresh ? [...job.asrChecks, { step: p.step, asr: p.asr! }] : job.asrChecks;
      return {
        job: { ...job, progress: p, losses, asrChecks },
        ...(fresh && { line: `${p.asr! > 0 ? '✓' : '·'} ${name} step ${p.step}: ASR ${asrText(p.asr, held)} for ${quoted(p.best ?? '', 30)}` }),
      };
    }
    case 'job-result':
      return { job: { ...job, result: action.result }, line: resultLine(name, action.result, held) };
    case 'job-error':
      return { job: { ...job, error: action.message }, line: `✗ ${name}: ${action.message}` };
    case 'job-end': {
      // Quitting interrupts rather than cancels: the next session resume starts it again.
      const status = job.status === 'interrupted' && action.status === 'cancelled' ? 'interrupted' : action.status;
      return { job: { ...job, status }, ...(status === 'cancelled' && { line: `■ ${name} stopped at step ${job.progress?.step ?? 0}; r restarts it from there` }) };
    }
    case 'job-exit': {
      if (!live.has(job.status)) return { job };
      if (quitting) return { job: { ...job, status: 'interrupted' } };
      const how = action.signal ? `was killed by ${action.signal}` : `exited with code ${action.code}`;
      const error = `the job process ${how}${action.detail ? `: ${action.detail}` : ''}; r starts it again`;
      return { job: { ...job, status: 'failed', error }, line: `✗ ${name}: ${error}` };
    }
    case 'job-paused':
      if (!live.has(job.status)) return { job };
      return { job: { ...job, status: action.paused ? 'paused' : 'running' } };
    case 'job-stopping':
      return { job, line: `… stopping ${name} after its current step` };
  }
}
