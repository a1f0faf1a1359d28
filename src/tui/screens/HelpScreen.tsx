// @jsxRuntime automatic (see App.tsx)
/** ? : the keys, and what pausing and quitting do to running jobs. */
import { Text } from 'ink';
import { Panel } from '../components/Panel.js';

const lines = [
  '1-7        go to a stage: Model Steer Search Backsample Recover Verify Export',
  'space      pause / continue the focused job. Pausing stops its process',
  '           (SIGSTOP): it keeps its memory and uses no CPU until continued.',
  'esc        stop the focused job after its current step (its state is saved;',
  '           r starts it again from there)',
  'o          the stage\'s settings form (Recover; DCT on Steer): ↑↓ a setting,',
  '           enter types or switches it, an empty value restores its default',
  'x          dismiss the error line',
  'q          quit: running jobs save their step and stop; the next triggerfish',
  '           offers to resume this session and starts them again',
  'Jobs run in their own processes, so screens stay live while they compute.',
  'Everything is saved in the session folder after every change.',
];

export function HelpScreen({ width }: { width: number }) {
  return (
    <Panel title="Help (? closes)" width={width}>
      {lines.map((l, i) => <Text key={i}>{l}</Text>)}
    </Panel>
  );
}
