/**
 * How one job's record changes with each event from its process. Returns the new record and,
 * for events worth keeping, a finished log line (printed once above the live panel).
 */
import { asrText, quoted } from '../format.js';
import type { JobPhase, JobResult, RecoverOutcome } from '../jobs/protocol.js';
import type { JobProgress, JobRecord } from '../session/session.js';
import type { Action } from './actions.js';

export type JobAction = Extract<Action, { id: string }>;

const live = new Set(['starting', 'running', 'paused']);

function recoverLine(name: string, r: RecoverOutcome): string {
  const top = r.candidates[0];
  const head = `✓ ${name} ${Math.round(r.seconds)} s, ${r.candidates.length} ranked`;
  if (!top) return head;
  const e = top.evidence;
  const evidence = `ASR ${e.asrSuspect.toFixed(2)}, ref ${e.asrReference === null ? '–' : e.asrReference.toFixed(2)}`;
  return r.trigger !== null ? `${head}: trigger ${quoted(top.text, 20)} (${evidence})` : `${head}: no trigger; #1 ${quoted(top.text, 16)} (${evidence})${top.universal ? ' ⚠ universal' : ''}`;
}

/** A phase's record replaces the one of the same name (a resumed run reports each again). */
function withPhase(phases: readonly JobPhase[] | undefined, phase: JobPhase): JobPhase[] {
  const list = [...(phases ?? [])];
  const at = list.findIndex((p) => p.name === phase.name);
  if (at >= 0) list[at] = phase;
  else list.push(phase);
  return list;
}

/** recover's progress: stage-local steps (no loss history, no ASR checks); each string its evidence measured is kept. */
function recoverProgress(job: JobRecord, p: JobProgress): JobRecord {
  if (p.detail !== 'evidence' || p.best === undefined || p.asr === undefined) return { ...job, progress: p };
  const found = [...(job.found ?? []).filter((f) => f.text !== p.best), { text: p.best, asr: p.asr }];
  return { ...job, progress: p, found };
}

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
    case 'recover':
      return recoverLine(name, r);
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
    case 'job-phase': {
      const ph = action.phase;
      const said = ph.status === 'done' || ph.status === 'skipped' ? `${ph.status === 'done' ? '✓' : '–'} ${name} ${ph.name} ${ph.status} at ${Math.round(ph.seconds)} s${ph.note ? ` (${ph.note})` : ''}` : undefined;
      return { job: { ...job, phases: withPhase(job.phases, ph) }, ...(said && { line: said }) };
    }
    case 'job-progress': {
      const p = action.progress;
      if (job.kind === 'recover') return { job: recoverProgress(job, p) };
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
