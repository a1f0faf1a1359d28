/**
 * Which job layer runner (src/jobs) runs a UI job spec in the job process, with what the UI adds:
 * the job folder's files, progress thinned to a few events a second, a checkpoint at every event
 * (job-main.ts: how a cancel is noticed mid-run), and the result in the shape the session keeps.
 * A new kind of job plugs in here: a spec in protocol.ts, a case below, and a screen that starts it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { runBacksampleJob } from '../../jobs/backsample.js';
import type { JobEvent as RunnerEvent, RunOptions } from '../../jobs/common.js';
import { gcgProgress, runGcgJob } from '../../jobs/gcg.js';
import { runSteerJob } from '../../jobs/steer.js';
import { runVerifyJob } from '../../jobs/verify.js';
import type { GcgStep } from '../../gcg/result.js';
import { vectorCosines } from '../../steer/index.js';
import type { JobContext } from './job-context.js';
import type { JobResult, JobSpec, VectorSummary } from './protocol.js';
import { jobLayerSpec } from './protocol.js';
import { runRecover } from './recover-runner.js';

// A progress event per MELBO step would be thousands of UI updates; a few per second are plenty.
const progressEveryMs = 250;
// Backsample candidates kept in the result (the session file keeps every job's result).
const keepCandidates = 20;

/** The steps a state file holds (empty when there is none or it cannot be read: the runner then reports why). */
export function savedSteps(stateFile: string): GcgStep[] {
  if (!existsSync(stateFile)) return [];
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { history?: GcgStep[] };
    return Array.isArray(state.history) ? state.history : [];
  } catch {
    return [];
  }
}

/** Run options that forward events (progress at most every 250 ms, except each phase's last) and check for a cancel. */
function forward({ emit, signal, checkpoint }: JobContext, throttle: boolean): RunOptions {
  let last = 0;
  const onEvent = (e: RunnerEvent) => {
    checkpoint();
    if (e.type === 'progress' && throttle && e.step !== e.total && performance.now() - last < progressEveryMs) return;
    last = performance.now();
    emit(e);
  };
  return { signal, onEvent };
}

export function runnerFor(spec: JobSpec): (context: JobContext) => Promise<JobResult> {
  switch (spec.kind) {
    case 'gcg':
      return async (context) => {
        // past steps of a resumed run first, so that the UI's loss history is whole even if it missed some
        for (const step of savedSteps(context.files.state)) context.emit(gcgProgress(step, spec.steps));
        const { result } = await runGcgJob({ ...jobLayerSpec(spec), state: context.files.state }, forward(context, false));
        const { bestString, bestLoss, asr, seconds, stoppedBy, samples } = result;
        return { kind: 'gcg', bestString, bestLoss, asr, steps: result.history.length, seconds, stoppedBy, samples };
      };
    case 'verify':
      return async (context) => {
        const { candidate, asr, completions } = await runVerifyJob(jobLayerSpec(spec), forward(context, false));
        return { kind: 'verify', text: candidate, asr, completions };
      };
    case 'steer':
      return async (context) => {
        const { set, scores } = await runSteerJob({ ...jobLayerSpec(spec), out: context.files.vectors }, forward(context, true));
        const y = spec.text ?? '';
        const rankedBy = set.settings.rankedBy;
        const vectors: VectorSummary[] = (scores ?? [])
          .map((s) => ({
            index: s.index, label: s.label ?? `#${s.index}`, hitRate: s.hitRate, logProb: s.logProb,
            ...(set.meta[s.index]?.score !== undefined && { score: set.meta[s.index]!.score! }),
            completions: s.completions.map((completion, i) => ({ prompt: spec.scorePrompts?.[i] ?? '', completion, shows: completion.includes(y) })),
          }))
          .sort((a, b) => a.index - b.index);
        return {
          kind: 'steer', method: spec.method, file: context.files.vectors, hook: set.hook, targetLayer: set.targetLayer ?? null, vectors, cosines: vectorCosines(set),
          ...(typeof rankedBy === 'string' && { rankedBy }),
        };
      };
    case 'backsample':
      return async (context) => {
        const { report } = await runBacksampleJob(jobLayerSpec(spec), forward(context, true));
        const candidates = report.candidates.slice(0, keepCandidates).map((c) => ({
          text: c.text, asr: c.asr, ...(c.placement !== undefined && { placement: typeof c.placement === 'string' ? c.placement : 'template' }),
          score: c.score, steered: `${c.steeredCount}/${c.steeredTotal}`, unsteered: `${c.unsteeredCount}/${c.unsteeredTotal}`,
        }));
        return { kind: 'backsample', candidates, gcgInit: report.gcgInit, seconds: report.timings.totalSeconds };
      };
    case 'recover':
      return (context) => runRecover(spec, context, forward(context, true));
  }
}
