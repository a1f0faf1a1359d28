// @jsxRuntime automatic
// (Every .tsx file carries this pragma: tsx takes JSX settings only from the tsconfig.json of the
// current directory, so `triggerfish` started anywhere else would compile JSX to React.createElement.)
/**
 * The whole UI: finished log lines printed once (<Static>) above a live panel of status bar,
 * the current stage's screen, the error line and key help. State lives in one reducer; jobs run
 * in child processes and reach it as actions.
 */
import { Box, Static, Text, useApp, useStdout } from 'ink';
import type { Dispatch } from 'react';
import { useEffect, useReducer } from 'react';
import { ErrorBar } from './components/ErrorBar.js';
import { formKeys } from './components/FieldForm.js';
import { KeyHelp } from './components/KeyHelp.js';
import { StatusBar } from './components/StatusBar.js';
import { JobsContext, useJobs } from './hooks/use-jobs.js';
import { useGlobalKeys } from './hooks/use-global-keys.js';
import { usePersistSession, useResumeJobs } from './hooks/use-session-file.js';
import type { ModelSummary } from './model-info.js';
import { BacksampleScreen, backsampleKeys } from './screens/BacksampleScreen.js';
import { ExportScreen, exportKeys } from './screens/ExportScreen.js';
import { HelpScreen } from './screens/HelpScreen.js';
import { ModelScreen, modelKeys } from './screens/ModelScreen.js';
import { RecoverScreen, recoverKeys } from './screens/RecoverScreen.js';
import { SearchScreen, searchKeys } from './screens/SearchScreen.js';
import { SteerScreen, steerKeys } from './screens/SteerScreen.js';
import { VerifyScreen, verifyKeys } from './screens/VerifyScreen.js';
import type { Session } from './session/session.js';
import type { Action } from './state/actions.js';
import { reducer } from './state/reducer.js';
import type { AppState } from './state/state.js';
import { initialState } from './state/state.js';

export interface ViewProps {
  state: AppState;
  dispatch: Dispatch<Action>;
  models: ModelSummary[];
  sessionDir: string;
  width: number;
}

const keysOf = { model: modelKeys, steer: steerKeys, search: searchKeys, backsample: backsampleKeys, recover: recoverKeys, verify: verifyKeys, export: exportKeys };

function Screen({ state, dispatch, models, sessionDir, width }: ViewProps) {
  if (state.help) return <HelpScreen width={width} />;
  switch (state.session.stage) {
    case 'model':
      return <ModelScreen state={state} dispatch={dispatch} models={models} width={width} />;
    case 'steer':
      return <SteerScreen state={state} dispatch={dispatch} width={width} />;
    case 'search':
      return <SearchScreen state={state} dispatch={dispatch} width={width} />;
    case 'backsample':
      return <BacksampleScreen state={state} dispatch={dispatch} width={width} />;
    case 'recover':
      return <RecoverScreen state={state} dispatch={dispatch} width={width} />;
    case 'verify':
      return <VerifyScreen state={state} dispatch={dispatch} width={width} />;
    case 'export':
      return <ExportScreen state={state} dispatch={dispatch} sessionDir={sessionDir} width={width} />;
  }
}

/** Everything on screen, from state alone (tests render this with a stub jobs controller). */
export function AppView(props: ViewProps) {
  const { state, dispatch, width } = props;
  useGlobalKeys(state, dispatch);
  return (
    <>
      <Static items={state.log}>{(line) => <Text key={line.id}>{line.text}</Text>}</Static>
      <Box flexDirection="column" width={width}>
        <StatusBar session={state.session} stage={state.session.stage} width={width} waiting={state.waiting} />
        <Screen {...props} />
        <ErrorBar message={state.error} width={width} />
        {state.quitting ? <Text>{' Stopping jobs (each saves its step)…'}</Text> : <KeyHelp keys={state.help ? '' : state.input === 'form' ? formKeys : keysOf[state.session.stage]} width={width} />}
      </Box>
    </>
  );
}

export interface AppProps {
  session: Session;
  sessionDir: string;
  models: ModelSummary[];
  /** Screen width; the terminal's (at most 100) when not given. */
  columns?: number;
}

export function App({ session, sessionDir, models, columns }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [state, dispatch] = useReducer(reducer, session, (s) => initialState(s, Math.max(0, models.findIndex((m) => m.dir === s.modelDir))));
  usePersistSession(sessionDir, state.session, dispatch);
  const jobs = useJobs(sessionDir, state, dispatch);
  useResumeJobs(jobs, session);
  useEffect(() => {
    if (state.quitting) void jobs.shutdown().then(() => exit());
  }, [state.quitting, jobs, exit]);
  const width = columns ?? Math.min(stdout.columns || 80, 100);
  return (
    <JobsContext.Provider value={jobs}>
      <AppView state={state} dispatch={dispatch} models={models} sessionDir={sessionDir} width={width} />
    </JobsContext.Provider>
  );
}
