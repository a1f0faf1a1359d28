// @jsxRuntime automatic (see App.tsx)
/** Stage 7: write results.json, report.md and the marked vectors into the session folder. */
import { Text, useInput } from 'ink';
import type { Dispatch } from 'react';
import { relative } from 'node:path';
import { Panel } from '../components/Panel.js';
import { userMessage } from '../errors.js';
import { truncate } from '../format.js';
import { exportSession } from '../export/write.js';
import type { Action } from '../state/actions.js';
import { candidates } from '../state/derive.js';
import type { AppState } from '../state/state.js';

export const exportKeys = 'e or enter export';

export function ExportScreen({ state, dispatch, sessionDir, width }: { state: AppState; dispatch: Dispatch<Action>; sessionDir: string; width: number }) {
  const inner = width - 4;
  const { session } = state;
  const where = relative(process.cwd(), sessionDir) || sessionDir;
  useInput(
    (char, key) => {
      if (char !== 'e' && !key.return) return;
      try {
        dispatch({ type: 'exported', files: exportSession(sessionDir, session) });
      } catch (err) {
        dispatch({ type: 'error', message: userMessage(err) });
      }
    },
    { isActive: state.input === null && !state.quitting },
  );
  const gcg = session.jobs.filter((j) => j.kind === 'gcg').length;
  const recover = session.jobs.filter((j) => j.kind === 'recover').length;
  const verified = session.jobs.filter((j) => j.kind === 'verify' && j.result).length;
  return (
    <Panel title="7 Export" width={width}>
      <Text>{truncate(`Writes into ${where}/export/:`, inner)}</Text>
      <Text>{truncate(`  results.json  ${gcg} GCG + ${recover} recover runs, ${candidates(session).length} candidate(s), ${verified} check(s)`, inner)}</Text>
      <Text>{'  report.md     the same as a readable report'}</Text>
      <Text>{`  vectors/      ${session.marked.length === 0 ? 'no marked vectors to copy' : `${session.marked.length} marked vector(s)`}`}</Text>
      <Text>{session.exported.length === 0 ? 'Not exported yet.' : '✓ Exported:'}</Text>
      {session.exported.map((f) => <Text key={f}>{truncate(`  ${relative(process.cwd(), f) || f}`, inner)}</Text>)}
    </Panel>
  );
}
