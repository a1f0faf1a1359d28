// @jsxRuntime automatic (see App.tsx)
/**
 * Stage 5: recover, the pipeline that turns strings that work into the trigger (src/recover): token
 * priors from the reference, leak sampling, short strings grown and minimised, every candidate ranked
 * with its evidence. o opens its settings (the recover job's fields), s starts it as a job; the
 * phases and the budget used show while it runs, the ranked candidates when it is done, and enter
 * sends the chosen one to Verify. A stopped or interrupted run continues from its state file (r).
 */
import { Text, useInput } from 'ink';
import type { Dispatch } from 'react';
import { useMemo } from 'react';
import { relative } from 'node:path';
import { recoverFields } from '../../jobs/recover.js';
import { inputsFromCard } from '../../jobs/recover-card.js';
import { FieldForm } from '../components/FieldForm.js';
import { Panel } from '../components/Panel.js';
import { bar, duration, quoted, statusSymbol, truncate } from '../format.js';
import { useJobsController } from '../hooks/use-jobs.js';
import type { JobPhase } from '../jobs/protocol.js';
import { recoverSpec, verifySpec } from '../jobs/specs.js';
import { showValue } from '../session/forms.js';
import type { JobRecord, Session } from '../session/session.js';
import type { Action } from '../state/actions.js';
import { isRunning, latestOfKind, recoverBudget, recoverPhases, verifyPlacement } from '../state/derive.js';
import type { AppState } from '../state/state.js';
import { RecoverTable } from './RecoverTable.js';

export const recoverKeys = 's start · o settings · ↑↓ candidate · enter verify it · space pause · esc stop · r restart';

// A phase not begun shows its name alone; skipped ones say why in the log above.
const phaseSymbol: Record<JobPhase['status'], string> = { start: '▶', done: '✓', skipped: '–', resumed: '↻' };
// "grow prefix ✓  suffix ✓": the second growing phase without its verb, so that all seven fit 76 columns
const phaseLabel = (name: string) => (name === 'grow suffix' ? 'suffix' : name);

const near = (dir: string) => {
  const r = relative(process.cwd(), dir);
  return r && !r.startsWith('..') ? r : dir;
};

/** The reference and Y the job takes when the form leaves them unset (the card's; read from card.json only). */
function cardDefaults(session: Session): Record<string, string> {
  if (!session.modelDir) return {};
  try {
    const inputs = inputsFromCard({ model: session.modelDir });
    return {
      reference: inputs.reference ? `card: ${near(inputs.reference)}` : 'none on the card',
      siblings: (inputs.siblings ?? []).length > 0 ? `card: ${inputs.siblings!.length}` : 'none',
      text: session.targetEdited || !inputs.target ? `Model screen: ${session.target}` : `card: ${inputs.target}`,
    };
  } catch {
    return { text: `Model screen: ${session.target}` };
  }
}

function JobLines({ job, width }: { job: JobRecord; width: number }) {
  const p = job.progress;
  const budget = recoverBudget(job);
  const used = p ? `${bar(p.seconds / budget, 10)} budget ${duration(p.seconds)}/${duration(budget)}` : job.status;
  const step = p && p.total > 0 ? ` · ${p.detail ?? ''} ${p.step}/${p.total}` : '';
  const phases = recoverPhases.map((name) => {
    const ph = job.phases?.find((x) => x.name === name);
    return ph ? `${phaseLabel(name)} ${phaseSymbol[ph.status]}` : phaseLabel(name);
  });
  const best = job.result === undefined && p?.best !== undefined ? `best ${quoted(p.best, 30)}${p.loss !== undefined ? ` loss ${p.loss.toFixed(3)}` : ''}${p.asr !== undefined ? ` ASR ${p.asr.toFixed(2)}` : ''}` : null;
  return (
    <>
      <Text>{truncate(`${statusSymbol[job.status]} ${job.label} ${job.id}${job.restarts > 0 ? ` (resumed ×${job.restarts})` : ''} ${used}${step}`, width)}</Text>
      <Text>{truncate(phases.join('  '), width)}</Text>
      {best && <Text>{truncate(best, width)}</Text>}
      {job.error && <Text>{truncate(`✗ ${job.error}`, width * 2)}</Text>}
    </>
  );
}

export function RecoverScreen({ state, dispatch, width }: { state: AppState; dispatch: Dispatch<Action>; width: number }) {
  const jobs = useJobsController();
  const inner = width - 4;
  const { session } = state;
  const job = latestOfKind(session, 'recover');
  const result = job?.result?.kind === 'recover' ? job.result : undefined;
  const found = job?.found ?? [];
  const count = result ? result.candidates.length : found.length;
  const at = Math.min(state.cursor.recover, Math.max(0, count - 1));
  const defaults = useMemo(() => cardDefaults(session), [session.modelDir, session.target, session.targetEdited]);

  const verify = () => {
    const chosen = result?.candidates[at];
    const text = chosen?.text ?? found[at]?.text;
    if (text === undefined) return;
    jobs.start('verify', (s, id) => verifySpec(s, id, text, chosen && verifyPlacement(chosen)));
    dispatch({ type: 'go', stage: 'verify' });
  };
  useInput(
    (char, key) => {
      if (char === 's') {
        if (isRunning(job)) return dispatch({ type: 'error', message: 'recover is running; wait for it, or stop it with esc' });
        jobs.start('recover', (s, id) => recoverSpec(s, id));
      } else if (char === 'o') dispatch({ type: 'input-open', field: 'form' });
      else if (key.upArrow) dispatch({ type: 'cursor', name: 'recover', value: Math.max(0, at - 1) });
      else if (key.downArrow) dispatch({ type: 'cursor', name: 'recover', value: Math.min(count - 1, at + 1) });
      else if (key.return) verify();
      else if (!job) return;
      else if (char === ' ') jobs.togglePause(job.id);
      else if (key.escape) jobs.cancel(job.id);
      else if (char === 'r' && !isRunning(job) && job.status !== 'finished') jobs.restart(job.id);
    },
    { isActive: state.input === null && !state.quitting },
  );

  const form = session.forms.recover;
  const y = typeof form.text === 'string' ? form.text : defaults.text ?? session.target;
  const ref = typeof form.reference === 'string' ? form.reference : (defaults.reference ?? 'card');
  const settings = `budget ${showValue(form.budget ?? recoverFields.budget.default)} · Y ${y} · reference ${ref}`;
  const formOpen = state.input === 'form' || state.input === 'form-edit';
  return (
    <Panel title="5 Recover" width={width}>
      <Text>{truncate(settings, inner)}</Text>
      {formOpen ? (
        <FieldForm form="recover" state={state} dispatch={dispatch} defaults={defaults} width={inner} />
      ) : (
        <>
          {job ? <JobLines job={job} width={inner} /> : <Text>{truncate('Not started: s runs the whole pipeline within the budget; o changes its settings.', inner)}</Text>}
          <RecoverTable result={result} found={found} at={at} width={inner} />
        </>
      )}
    </Panel>
  );
}
