// @jsxRuntime automatic (see App.tsx)
/**
 * Stage 1: pick a model folder (its card: architecture, sizes, behaviours, clean sibling), the
 * prompts (built-in, a file or typed) and the target text Y (the card's first behaviour by default).
 */
import { Box, Text, useInput } from 'ink';
import type { Dispatch } from 'react';
import { TextInput } from '../components/TextInput.js';
import { Panel } from '../components/Panel.js';
import { userMessage } from '../errors.js';
import { count, truncate } from '../format.js';
import type { ModelSummary } from '../model-info.js';
import { builtInPrompts, describePrompts, promptsFromFile, promptsTyped } from '../prompt-sets.js';
import type { Action } from '../state/actions.js';
import type { AppState } from '../state/state.js';

export const modelKeys = '↑↓ choose model · enter use it · p prompts · y target';

// Rows of the model list shown at once; the list scrolls with the cursor.
const listRows = 4;

function ModelDetails({ model, width }: { model: ModelSummary | undefined; width: number }) {
  if (!model) return <Text>No model folders found: pass one with triggerfish tui --model &lt;dir&gt;, or build the zoo into models/.</Text>;
  if (model.error) return <Text>{truncate(`✗ ${model.error}`, width * 2)}</Text>;
  const sizes = `${model.arch} · ${model.layers} layers · d_model ${model.dModel} · ${count(model.params ?? 0)} params · vocab ${model.vocab} · ${model.dtype}`;
  return (
    <>
      <Text>{truncate(sizes, width)}</Text>
      {model.card?.behaviours.map((b, i) => <Text key={i}>{truncate(`Behaviour (card): ${b.description}`, width)}</Text>)}
      <Text>{truncate(`Clean sibling: ${model.sibling ?? 'none'}`, width)}</Text>
    </>
  );
}

export function ModelScreen({ state, dispatch, models, width }: { state: AppState; dispatch: Dispatch<Action>; models: ModelSummary[]; width: number }) {
  const inner = width - 4;
  const { session, cursor, input } = state;
  const at = Math.min(cursor.model, Math.max(0, models.length - 1));
  const highlighted = models[at];
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      dispatch({ type: 'error', message: userMessage(err) });
    }
  };

  useInput(
    (char, key) => {
      if (key.upArrow) dispatch({ type: 'cursor', name: 'model', value: Math.max(0, at - 1) });
      else if (key.downArrow) dispatch({ type: 'cursor', name: 'model', value: Math.min(models.length - 1, at + 1) });
      else if (key.return && highlighted) {
        if (highlighted.error) return dispatch({ type: 'error', message: `${highlighted.name}: ${highlighted.error}` });
        dispatch({ type: 'model-chosen', dir: highlighted.dir, cardTarget: highlighted.card?.behaviours[0]?.target ?? null });
        dispatch({ type: 'go', stage: 'steer' });
      } else if (char === 'p') dispatch({ type: 'input-open', field: 'prompt-source' });
      else if (char === 'y') dispatch({ type: 'input-open', field: 'target' });
    },
    { isActive: input === null && !state.quitting },
  );
  useInput(
    (char, key) => {
      if (char === 'b') dispatch({ type: 'prompts-chosen', prompts: builtInPrompts() });
      else if (char === 'f') dispatch({ type: 'input-open', field: 'prompt-file' });
      else if (char === 't') dispatch({ type: 'input-open', field: 'prompt-typed' });
      else if (key.escape) dispatch({ type: 'input-close' });
    },
    { isActive: input === 'prompt-source' },
  );

  const first = Math.min(Math.max(0, at - listRows + 1), Math.max(0, models.length - listRows));
  return (
    <Panel title="1 Model" width={width}>
      <Text>{`Model folders (${models.length}):`}</Text>
      {models.slice(first, first + listRows).map((m, i) => {
        const inUse = m.dir === session.modelDir ? '● in use' : '';
        const mark = m.error ? '✗ unusable' : `✓ ${m.card?.behaviours.length ?? 0} behaviour(s)`;
        return <Text key={m.dir}>{truncate(`${first + i === at ? '▸' : ' '} ${m.name.padEnd(28)} ${mark.padEnd(18)} ${inUse}`, inner)}</Text>;
      })}
      <ModelDetails model={highlighted} width={inner} />
      <Text>{truncate(`Prompts: ${describePrompts(session.prompts)}   (p to change)`, inner)}</Text>
      <Text>{truncate(`Target Y: ${session.target || '(empty)'}   (y to edit)`, inner)}</Text>
      {input === 'prompt-source' && <Text>{'Prompts from: b built-in clean set · f a file · t type them · esc back'}</Text>}
      {input === 'prompt-file' && (
        <TextInput label="Prompt file:" width={inner} onCancel={() => dispatch({ type: 'input-close' })} onSubmit={(v) => attempt(() => dispatch({ type: 'prompts-chosen', prompts: promptsFromFile(v.trim()) }))} />
      )}
      {input === 'prompt-typed' && (
        <TextInput label="Prompts (| between):" width={inner} onCancel={() => dispatch({ type: 'input-close' })} onSubmit={(v) => attempt(() => dispatch({ type: 'prompts-chosen', prompts: promptsTyped(v) }))} />
      )}
      {input === 'target' && (
        <TextInput label="Target Y:" initial={session.target} width={inner} onCancel={() => dispatch({ type: 'input-close' })} onSubmit={(v) => (v.trim() === '' ? dispatch({ type: 'error', message: 'Y cannot be empty: type the text a completion shows when the backdoor fires' }) : dispatch({ type: 'target-set', text: v.trim() }))} />
      )}
      <Box />
    </Panel>
  );
}
