// @jsxRuntime automatic (see App.tsx)
/** Shown when an unfinished session exists: resume it, or start a new one. */
import { Text, useInput } from 'ink';
import { relative } from 'node:path';
import { Panel } from '../components/Panel.js';
import { truncate } from '../format.js';
import { isLive } from '../jobs/specs.js';
import type { Session } from '../session/session.js';
import { stageTitles } from '../components/stage-titles.js';

export interface ResumeProps {
  dir: string;
  session: Session;
  width: number;
  onResume(): void;
  onNew(): void;
  onQuit(): void;
}

export function ResumeScreen({ dir, session, width, onResume, onNew, onQuit }: ResumeProps) {
  useInput((char, key) => {
    if (key.return || char === 'r') onResume();
    else if (char === 'n') onNew();
    else if (char === 'q' || key.escape || (key.ctrl && char === 'c')) onQuit();
  });
  const inner = width - 4;
  const live = session.jobs.filter(isLive).length;
  const model = session.modelDir?.split('/').pop() ?? 'no model';
  return (
    <Panel title="triggerfish · resume?" width={width}>
      <Text>{truncate(`Unfinished session ${session.id} (${relative(process.cwd(), dir) || dir})`, inner)}</Text>
      <Text>{truncate(`model ${model} · Y "${session.target}" · last at ${stageTitles[session.stage]}`, inner)}</Text>
      <Text>{`${session.jobs.length} job(s)${live > 0 ? `, ${live} to start again where they stopped` : ''}`}</Text>
      <Text> </Text>
      <Text>{'enter resume it · n new session · q quit'}</Text>
    </Panel>
  );
}
