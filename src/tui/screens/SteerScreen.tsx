// @jsxRuntime automatic (see App.tsx)
/**
 * Stage 2: steering vectors. s trains a supervised vector (optimised for log p(Y)), u unsupervised ones (MELBO),
 * d DCT features (o sets DCT's main settings), each as a job; finished vectors are browsed with their
 * steered completions (a ranked set, as DCT's, in rank order with its score), marked when they show
 * Y (the activation target of Search aims at a marked vector's δ), and compared by cosine.
 */
import { Text, useInput } from 'ink';
import type { Dispatch } from 'react';
import { useState } from 'react';
import { FieldForm } from '../components/FieldForm.js';
import { Panel } from '../components/Panel.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { truncate } from '../format.js';
import { useJobsController } from '../hooks/use-jobs.js';
import { gcgSpec, steerSpec } from '../jobs/specs.js';
import type { SteerMethod } from '../jobs/specs.js';
import { showValue } from '../session/forms.js';
import type { Action } from '../state/actions.js';
import { isMarked, isRunning, steerVectors } from '../state/derive.js';
import type { BrowsedVector } from '../state/derive.js';
import type { AppState } from '../state/state.js';
import { VectorView } from './VectorView.js';

export const steerKeys = 's supervised · u MELBO · d DCT · o its settings · ←→ browse · m mark Y · c cosines · g GCG · space pause · esc stop · r restart';

const methodOf: Record<string, SteerMethod> = { s: 'supervised', u: 'unsupervised', d: 'dct' };

/** A ranked set's (DCT's) top features with score and hits: the ones nearest to what it is ranked by first. */
function rankLine(vectors: BrowsedVector[], browsed: BrowsedVector | undefined): string | null {
  if (browsed?.rankedBy === undefined) return null;
  const set = vectors.filter((v) => v.job === browsed.job).slice(0, 6);
  const shown = set.map((v) => `#${v.index} ${v.score?.toPrecision(3) ?? '–'} Y ${Math.round(v.hitRate * v.completions.length)}/${v.completions.length}`);
  return `${browsed.job} ranked by ${browsed.rankedBy}: ${shown.join(' · ')}`;
}

/** DCT's settings as set on its form, unset ones at the job's defaults (calibrated R, min(512, d_model) features). */
function dctText(values: Record<string, string | number | boolean>): string {
  const features = values.features === undefined ? 'min(512, d_model)' : showValue(values.features);
  const R = values.dctR === undefined ? 'calibrated' : showValue(values.dctR);
  return `DCT: ${features} features, ${showValue(values.variant ?? 'exponential')}, R ${R}`;
}

export function SteerScreen({ state, dispatch, width }: { state: AppState; dispatch: Dispatch<Action>; width: number }) {
  const jobs = useJobsController();
  const [cosines, setCosines] = useState(false);
  const inner = width - 4;
  const { session } = state;
  const steerJobs = session.jobs.filter((j) => j.kind === 'steer');
  const latest = steerJobs.at(-1);
  const vectors = steerVectors(session);
  const at = Math.min(state.cursor.steer, Math.max(0, vectors.length - 1));
  const browsed = vectors[at];
  const ref = browsed && { file: browsed.file, index: browsed.index, label: `${browsed.job}#${browsed.index}` };

  useInput(
    (char, key) => {
      const method = methodOf[char];
      if (method) {
        if (steerJobs.some(isRunning)) return dispatch({ type: 'error', message: 'a steer job is running; wait for it, or stop it with esc' });
        jobs.start('steer', (s, id) => steerSpec(s, id, method));
      } else if (char === 'o') dispatch({ type: 'input-open', field: 'form' });
      else if (key.leftArrow) dispatch({ type: 'cursor', name: 'steer', value: Math.max(0, at - 1) });
      else if (key.rightArrow) dispatch({ type: 'cursor', name: 'steer', value: Math.min(vectors.length - 1, at + 1) });
      else if (char === 'c') setCosines((c) => !c);
      else if (char === 'm' && ref) dispatch({ type: 'mark-toggle', vector: ref });
      else if (char === 'g' && ref) {
        if (!isMarked(session, ref)) dispatch({ type: 'mark-toggle', vector: ref });
        jobs.start('gcg', (s, id) => gcgSpec(s, id, ref));
        dispatch({ type: 'cursor', name: 'search', value: 1 });
        dispatch({ type: 'go', stage: 'search' });
      } else if (!latest) return;
      else if (char === ' ') jobs.togglePause(latest.id);
      else if (key.escape) jobs.cancel(latest.id);
      else if (char === 'r' && !isRunning(latest) && latest.status !== 'finished') jobs.restart(latest.id);
    },
    { isActive: state.input === null && !state.quitting },
  );

  const s = session.settings;
  const formOpen = state.input === 'form' || state.input === 'form-edit';
  return (
    <Panel title="2 Steer" width={width}>
      <Text>{truncate(`s supervised (log p(Y), R ${s.supervisedRelativeRadius}×‖h‖) · u unsupervised (MELBO: ${s.vectors} × ${s.vectorSteps} steps, R ${s.radius})`, inner)}</Text>
      <Text>{truncate(`d unsupervised (${dctText(session.forms.dct)}; o to change)`, inner)}</Text>
      {formOpen && <FieldForm form="dct" state={state} dispatch={dispatch} defaults={{ features: 'min(512, d_model)', dctR: 'calibrated' }} width={inner} />}
      {steerJobs.slice(-3).map((job) => <ProgressLine key={job.id} job={job} width={inner} />)}
      {steerJobs.at(-1)?.error && <Text>{truncate(`✗ ${steerJobs.at(-1)!.error}`, inner * 2)}</Text>}
      {!formOpen && rankLine(vectors, browsed) && <Text>{truncate(rankLine(vectors, browsed)!, inner)}</Text>}
      <Text>{truncate(`Vectors: ${vectors.length} · marked as showing Y: ${session.marked.length === 0 ? 'none' : session.marked.map((m) => m.label).join(', ')}`, inner)}</Text>
      {formOpen ? null : browsed ? <VectorView vector={browsed} position={at} count={vectors.length} marked={isMarked(session, browsed)} cosines={cosines} width={inner} /> : <Text>{'No vectors yet: s, u or d trains some.'}</Text>}
    </Panel>
  );
}
