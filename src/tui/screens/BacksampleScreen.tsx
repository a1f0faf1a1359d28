// @jsxRuntime automatic (see App.tsx)
/**
 * Stage 4: backward sampling. b samples turns with θ_clean + α·θ_Y, θ_Y being the vector marked
 * last on Steer, and ranks the strings over-represented against α = 0; the top ones come with their
 * ASR. Enter verifies the chosen candidate on Verify.
 */
import { Text, useInput } from 'ink';
import type { Dispatch } from 'react';
import { Panel } from '../components/Panel.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { asrText, quoted, truncate } from '../format.js';
import { useJobsController } from '../hooks/use-jobs.js';
import { backsampleSpec, verifySpec } from '../jobs/specs.js';
import type { Action } from '../state/actions.js';
import { isRunning, latestOfKind } from '../state/derive.js';
import type { AppState } from '../state/state.js';

export const backsampleKeys = 'b sample · ↑↓ candidate · enter verify it · space pause · esc stop · r restart';

const rows = 6;

export function BacksampleScreen({ state, dispatch, width }: { state: AppState; dispatch: Dispatch<Action>; width: number }) {
  const jobs = useJobsController();
  const inner = width - 4;
  const { session } = state;
  const job = latestOfKind(session, 'backsample');
  const theta = session.marked.at(-1);
  const ranked = job?.result?.kind === 'backsample' ? job.result.candidates : [];
  const at = Math.min(state.cursor.backsample, Math.max(0, ranked.length - 1));
  const held = job?.spec.kind === 'backsample' ? (job.spec.heldOut?.length ?? 0) : 0;

  useInput(
    (char, key) => {
      if (char === 'b') {
        if (!theta) return dispatch({ type: 'error', message: 'backward sampling needs θ_Y: mark a vector that shows Y on the Steer screen (2)' });
        if (!isRunning(job)) jobs.start('backsample', (s, id) => backsampleSpec(s, id, theta));
      } else if (key.upArrow) dispatch({ type: 'cursor', name: 'backsample', value: Math.max(0, at - 1) });
      else if (key.downArrow) dispatch({ type: 'cursor', name: 'backsample', value: Math.min(ranked.length - 1, at + 1) });
      else if (key.return && ranked[at]) {
        jobs.start('verify', (s, id) => verifySpec(s, id, ranked[at]!.text));
        dispatch({ type: 'go', stage: 'verify' });
      } else if (!job) return;
      else if (char === ' ') jobs.togglePause(job.id);
      else if (key.escape) jobs.cancel(job.id);
      else if (char === 'r' && !isRunning(job) && job.status !== 'finished') jobs.restart(job.id);
    },
    { isActive: state.input === null && !state.quitting },
  );

  const s = session.settings;
  const first = Math.min(Math.max(0, at - rows + 1), Math.max(0, ranked.length - rows));
  return (
    <Panel title="4 Backsample" width={width}>
      <Text>{truncate(`θ_Y: ${theta ? theta.label : 'none marked (Steer, 2)'} · θ_clean ${s.cleanSteps} steps · ${s.samples} turns per α · α 0, 0.5, 1, 2, 4`, inner)}</Text>
      {job && <ProgressLine job={job} width={inner} />}
      {job?.error && <Text>{truncate(`✗ ${job.error}`, inner * 2)}</Text>}
      <Text>{job?.result ? `Ranked candidates (${ranked.length}): turns with it, steered vs α = 0; ASR for the top ${s.verifyTop}` : 'No candidates yet: b samples some.'}</Text>
      {ranked.slice(first, first + rows).map((c, i) => (
        <Text key={c.text}>
          {truncate(`${first + i === at ? '▸' : ' '} ${quoted(c.text, 22).padEnd(24)} ASR ${c.asr === null ? '–' : asrText(c.asr, held)}${c.placement ? ` ${c.placement}` : ''} · ${c.steered} vs ${c.unsteered} · score ${c.score.toFixed(1)}`, inner)}
        </Text>
      ))}
    </Panel>
  );
}
