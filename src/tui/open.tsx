// @jsxRuntime automatic (see App.tsx)
/** `triggerfish tui`: finds or makes the session and runs the UI until the user quits. */
import { render } from 'ink';
import { resolve } from 'node:path';
import { BadInputError } from '../errors.js';
import { defaultModel, modelChoices } from './model-info.js';
import { builtInPrompts } from './prompt-sets.js';
import { sessionForms } from './session/forms.js';
import type { SizeOverrides } from './session/settings.js';
import { sessionSettings } from './session/settings.js';
import { createSession, defaultSessionsRoot, latestUnfinished, loadSession } from './session/store.js';
import { Root } from './Root.js';
import type { Opened } from './Root.js';

export interface TuiOptions {
  model?: string | undefined;
  modelsRoot?: string | undefined;
  session?: string | undefined;
  sessionsRoot?: string | undefined;
  /** Start a new session without offering to resume. */
  fresh?: boolean;
  quick?: boolean;
  sizes?: SizeOverrides;
}

export async function openTui(options: TuiOptions): Promise<void> {
  // A named session is checked first, so that a damaged one is reported even without a terminal.
  const opened: Opened | null = options.session ? { dir: resolve(options.session), session: loadSession(resolve(options.session)) } : null;
  if (!process.stdin.isTTY) throw new BadInputError('the UI needs a terminal; for scripts use the other commands (triggerfish --help)');
  const root = options.sessionsRoot ? resolve(options.sessionsRoot) : defaultSessionsRoot();
  const models = modelChoices(resolve(options.modelsRoot ?? 'models'), options.model);
  const offer = opened || options.fresh ? null : latestUnfinished(root);
  const create = (): Opened => {
    const model = options.model ? models[0] : defaultModel(models);
    return createSession(root, {
      modelDir: model?.dir ?? null,
      prompts: builtInPrompts(),
      target: model?.card?.behaviours[0]?.target ?? '',
      settings: sessionSettings(options.quick ?? false, options.sizes),
      forms: sessionForms(options.quick ?? false),
    });
  };
  const app = render(<Root opened={opened} offer={offer} create={create} models={models} />, { exitOnCtrlC: false });
  await app.waitUntilExit();
}
