/** Keys that work on every screen while no text field is open: stage digits, help, quit, dismiss. */
import { useInput } from 'ink';
import type { Dispatch } from 'react';
import { stages } from '../session/session.js';
import type { Action } from '../state/actions.js';
import type { AppState } from '../state/state.js';

export function useGlobalKeys(state: AppState, dispatch: Dispatch<Action>): void {
  useInput(
    (char, key) => {
      const stage = stages[Number(char) - 1];
      if (/^[1-9]$/.test(char) && stage) dispatch({ type: 'go', stage });
      else if (char === '?') dispatch({ type: 'help-toggle' });
      else if (char === 'x') dispatch({ type: 'error-clear' });
      else if (char === 'q' || (key.ctrl && char === 'c')) dispatch({ type: 'quit' });
    },
    { isActive: state.input === null && !state.quitting },
  );
}
