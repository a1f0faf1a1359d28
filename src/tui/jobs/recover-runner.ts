/**
 * The recover job in a job process: the pipeline's stages become phase events (the screen lists
 * them with their status), progress carries the budget's clock (seconds over every run of a resumed
 * job) and the phase it belongs to, and the result keeps every measured candidate with its evidence.
 * The state file lives in the job folder, so a stopped or interrupted job continues where it was.
 */
import type { RunOptions } from '../../jobs/common.js';
import { runRecoverJob } from '../../jobs/recover.js';
import type { RecoverEvent } from '../../recover/options.js';
import type { JobContext } from './job-context.js';
import type { JobPhase, RecoverJobSpec, RecoverOutcome } from './protocol.js';
import { jobLayerSpec } from './protocol.js';

/** A stage event's phase name: growing runs once per placement (its note); `singles` is a step inside growing. */
function phaseName(event: Extract<RecoverEvent, { kind: 'stage' }>): string | null {
  if (event.stage === 'singles' || event.stage === 'orderings') return null;
  return event.stage === 'grow' ? `grow ${event.note ?? ''}`.trim() : event.stage;
}

export async function runRecover(spec: RecoverJobSpec, context: JobContext, forwarded: RunOptions): Promise<RecoverOutcome> {
  // The pipeline's clock as of its last stage event, and when that came: progress events get seconds from it.
  let clock = { seconds: 0, at: performance.now() };
  let current = 'load';
  const onRecoverEvent = (e: RecoverEvent) => {
    if (e.kind !== 'stage') return;
    clock = { seconds: e.seconds, at: performance.now() };
    const name = phaseName(e);
    if (name === null) return;
    if (e.status === 'start') current = name;
    const phase: JobPhase = { name, status: e.status, seconds: e.seconds, ...(e.note && e.stage !== 'grow' && { note: e.note }) };
    context.checkpoint();
    context.emit({ type: 'phase', ...phase });
  };
  const onEvent: RunOptions['onEvent'] = (e) => {
    if (e.type !== 'progress') return forwarded.onEvent?.(e);
    const progress = { ...e, seconds: clock.seconds + (performance.now() - clock.at) / 1000, detail: current };
    if (current !== 'evidence') return forwarded.onEvent?.(progress);
    // each measured candidate, unthrottled: the screen lists them as they come
    context.checkpoint();
    context.emit(progress);
  };
  const { result } = await runRecoverJob({ ...jobLayerSpec(spec), state: context.files.state }, { ...forwarded, onEvent, onRecoverEvent });
  return {
    kind: 'recover',
    candidates: result.candidates,
    trigger: result.trigger?.text ?? null,
    reference: result.reference,
    siblings: result.siblings.length,
    priorMethod: result.priorMethod,
    unmeasured: result.unmeasured.length,
    threshold: spec.threshold,
    stoppedBy: result.stoppedBy,
    seconds: result.seconds,
    notes: result.notes,
  };
}
