// @jsxRuntime automatic (see App.tsx)
/**
 * Stage 2: steering vectors. s trains a supervised vector (optimised for log p(Y)), u unsupervised ones (MELBO),
 * each as a job; finished vectors are browsed with their steered completions, marked when they show
 * Y (the activation target of Search aims at a marked vector's δ), and compared by cosine.
 */
import { Text, useInput } from 'ink';
import type { Dispatch } from 'react';
import { useState } from 'react';
import { Panel } from '../components/Panel.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { truncate } from '../format.js';
import { useJobsController } from '../hooks/use-jobs.js';
import { gcgSpec, steerSpec } from '../jobs/specs.js';
import type { Action } from '../state/actions.js';
import { isMarked, isRunning, steerVectors } from '../state/derive.js';
import type { AppState } from '../state/state.js';
import { VectorView } from './VectorView.js';

export const steerKeys = 's supervised · u unsupervised · ←→ browse · m mark as Y · c cosines · g GCG on it · space pause · esc stop · r restart';

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
      if (char === 's' || char === 'u') {
        if (steerJobs.some(isRunning)) return dispatch({ type: 'error', message: 'a steer job is running; wait for it, or stop it with esc' });
        jobs.start('steer', (s, id) => steerSpec(s, id, char === 's' ? 'supervised' : 'unsupervised'));
      } else if (key.leftArrow) dispatch({ type: 'cursor', name: 'steer', value: Math.max(0, at - 1) });
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
  return (
    <Panel title="2 Steer" width={width}>
      <Text>{truncate(`s supervised (log p(Y), R ${s.supervisedRadius}) · u unsupervised (MELBO: ${s.vectors} × ${s.vectorSteps} steps, R ${s.radius})`, inner)}</Text>
      {steerJobs.slice(-3).map((job) => <ProgressLine key={job.id} job={job} width={inner} />)}
      {steerJobs.at(-1)?.error && <Text>{truncate(`✗ ${steerJobs.at(-1)!.error}`, inner * 2)}</Text>}
      <Text>{truncate(`Vectors: ${vectors.length} · marked as showing Y: ${session.marked.length === 0 ? 'none' : session.marked.map((m) => m.label).join(', ')}`, inner)}</Text>
      {browsed ? <VectorView vector={browsed} position={at} count={vectors.length} marked={isMarked(session, browsed)} cosines={cosines} width={inner} /> : <Text>{'No vectors yet: s or u trains some.'}</Text>}
    </Panel>
  );
}
