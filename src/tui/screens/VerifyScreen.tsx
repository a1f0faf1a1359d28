// @jsxRuntime automatic (see App.tsx)
/**
 * Stage 6: check a candidate — one found by GCG, Backsample or Recover, or any typed string — by placing it into the
 * held-out prompts, completing, and counting completions that show Y.
 */
import { Text, useInput } from 'ink';
import type { Dispatch } from 'react';
import { Panel } from '../components/Panel.js';
import { TextInput } from '../components/TextInput.js';
import { asrText, quoted, statusSymbol, truncate } from '../format.js';
import { useJobsController } from '../hooks/use-jobs.js';
import { verifySpec } from '../jobs/specs.js';
import type { Action } from '../state/actions.js';
import { candidates, isRunning, latestOfKind } from '../state/derive.js';
import type { AppState } from '../state/state.js';

export const verifyKeys = '↑↓ candidate · enter verify it · t type a string · esc stop';

const candidateRows = 3;
const completionRows = 5;

export function VerifyScreen({ state, dispatch, width }: { state: AppState; dispatch: Dispatch<Action>; width: number }) {
  const jobs = useJobsController();
  const inner = width - 4;
  const list = candidates(state.session);
  const at = Math.min(state.cursor.verify, Math.max(0, list.length - 1));
  const last = latestOfKind(state.session, 'verify');
  const verify = (text: string, placement?: 'prefix' | 'suffix') => {
    dispatch({ type: 'input-close' });
    jobs.start('verify', (s, id) => verifySpec(s, id, text, placement));
  };

  useInput(
    (char, key) => {
      if (key.upArrow) dispatch({ type: 'cursor', name: 'verify', value: Math.max(0, at - 1) });
      else if (key.downArrow) dispatch({ type: 'cursor', name: 'verify', value: Math.min(list.length - 1, at + 1) });
      else if (key.return && list[at]) verify(list[at].text, list[at].placement);
      else if (char === 't') dispatch({ type: 'input-open', field: 'verify' });
      else if (key.escape && last && isRunning(last)) jobs.cancel(last.id);
    },
    { isActive: state.input === null && !state.quitting },
  );

  const first = Math.min(Math.max(0, at - candidateRows + 1), Math.max(0, list.length - candidateRows));
  const result = last?.result?.kind === 'verify' ? last.result : undefined;
  const text = last?.spec.kind === 'verify' ? (last.spec.candidate ?? '') : '';
  const where = last?.spec.kind === 'verify' && last.spec.placement === 'prefix' ? ' before each prompt' : '';
  const held = last?.spec.kind === 'verify' ? (last.spec.heldOut?.length ?? 0) : 0;
  return (
    <Panel title="6 Verify" width={width}>
      <Text>{list.length === 0 ? 'No candidates yet (Search 3, Backsample 4, Recover 5); t types any string.' : `Candidates (${list.length}):`}</Text>
      {list.slice(first, first + candidateRows).map((c, i) => (
        <Text key={c.text}>{truncate(`${first + i === at ? '▸' : ' '} ${quoted(c.text, 34).padEnd(36)} ${c.source}${c.loss !== undefined ? ` · loss ${c.loss.toFixed(3)}` : ''}`, inner)}</Text>
      ))}
      {state.input === 'verify' ? (
        <TextInput label="String:" width={inner} onCancel={() => dispatch({ type: 'input-close' })} onSubmit={verify} />
      ) : (
        <Text>{`Held-out prompts: ${Math.min(state.session.prompts.heldOut.length, state.session.settings.heldOutLimit)} · Y = "${truncate(state.session.target, 40)}"`}</Text>
      )}
      {last && (
        <Text>
          {truncate(`${statusSymbol[last.status]} ${quoted(text, 30)}${where} ${last.status}${last.progress ? ` ${last.progress.step}/${last.progress.total}` : ''}${result ? ` · ASR ${asrText(result.asr, held)}` : ''}`, inner)}
        </Text>
      )}
      {last?.error && <Text>{truncate(`✗ ${last.error}`, inner * 2)}</Text>}
      {result?.completions.slice(0, completionRows).map((c, i) => (
        <Text key={i}>{truncate(`${c.shows ? '✓ Y ' : '✗ – '} ${c.prompt} → ${c.completion}`, inner)}</Text>
      ))}
    </Panel>
  );
}
