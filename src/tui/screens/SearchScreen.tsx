// @jsxRuntime automatic (see App.tsx)
/**
 * Stage 3: GCG aimed at the logits of Y, at the δ of a marked steering vector, or both at once
 * (two job processes side by side). Keys act on the focused column.
 */
import { Box, Text, useInput } from 'ink';
import type { Dispatch } from 'react';
import { Panel } from '../components/Panel.js';
import { truncate } from '../format.js';
import { useJobsController } from '../hooks/use-jobs.js';
import { gcgSpec } from '../jobs/specs.js';
import type { Action } from '../state/actions.js';
import { candidates, isRunning, searchColumns } from '../state/derive.js';
import type { AppState } from '../state/state.js';
import { GcgColumn } from './GcgColumn.js';

export const searchKeys = 'l logit · a activation · g both · tab column · space pause · esc stop · r restart · v verify best';

export function SearchScreen({ state, dispatch, width }: { state: AppState; dispatch: Dispatch<Action>; width: number }) {
  const jobs = useJobsController();
  const { session } = state;
  const columns = searchColumns(session);
  // The vector marked last is the one the user is looking at.
  const marked = session.marked.at(-1);
  const focusedJob = state.cursor.search === 0 ? columns.logit : columns.activation;

  const startLogit = () => !isRunning(columns.logit) && jobs.start('gcg', (s, id) => gcgSpec(s, id, 'logit'));
  const startActivation = () => {
    if (!marked) return dispatch({ type: 'error', message: 'the activation target needs a vector marked on the Steer screen (2): train some, then m on one that shows Y' });
    if (!isRunning(columns.activation)) jobs.start('gcg', (s, id) => gcgSpec(s, id, marked));
  };

  useInput(
    (char, key) => {
      if (char === 'l') startLogit();
      else if (char === 'a') startActivation();
      else if (char === 'g') {
        startLogit();
        if (marked) startActivation();
      } else if (key.tab || key.leftArrow || key.rightArrow) dispatch({ type: 'cursor', name: 'search', value: 1 - state.cursor.search });
      else if (!focusedJob) return;
      else if (char === ' ') jobs.togglePause(focusedJob.id);
      else if (key.escape) jobs.cancel(focusedJob.id);
      else if (char === 'r' && !isRunning(focusedJob) && focusedJob.status !== 'finished') jobs.restart(focusedJob.id);
      else if (char === 'v') {
        const best = focusedJob.result?.kind === 'gcg' ? focusedJob.result.bestString : focusedJob.progress?.best;
        const index = candidates(session).findIndex((c) => c.text === best);
        dispatch({ type: 'cursor', name: 'verify', value: Math.max(0, index) });
        dispatch({ type: 'go', stage: 'verify' });
      }
    },
    { isActive: state.input === null && !state.quitting },
  );

  const half = Math.floor((width - 5) / 2);
  const activationJob = columns.activation?.spec;
  const activationOn = activationJob?.kind === 'gcg' && activationJob.target === 'activation' ? activationJob.label.replace(/^GCG act /, '') : marked?.label;
  const s = session.settings;
  const activationIdle = marked ? ['not started', 'a starts it'] : ['needs a vector marked', 'on Steer (2)'];
  return (
    <Panel title="3 Search (GCG)" width={width}>
      <Text>{truncate(`${s.steps} steps × ${s.searchWidth} candidates (top-${s.topK}) · ${session.prompts.optimise.length} prompts · Y "${session.target}"`, width - 4)}</Text>
      <Box>
        <GcgColumn title="logit target" job={columns.logit} focused={state.cursor.search === 0} width={half} idle={['not started', 'l starts it']} />
        <Text> │ </Text>
        <GcgColumn title={`activation target${activationOn ? ` (${activationOn})` : ''}`} job={columns.activation} focused={state.cursor.search === 1} width={half} idle={activationIdle} />
      </Box>
    </Panel>
  );
}
