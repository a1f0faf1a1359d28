// @jsxRuntime automatic (see App.tsx)
/** Before the app: offer to resume the latest unfinished session, or make a new one. */
import { useApp, useStdout } from 'ink';
import { useState } from 'react';
import { App } from './App.js';
import type { ModelSummary } from './model-info.js';
import { describeModelDir } from './model-info.js';
import { ResumeScreen } from './screens/ResumeScreen.js';
import type { Session } from './session/session.js';

export interface Opened {
  dir: string;
  session: Session;
}

export interface RootProps {
  /** A session to open at once (--session). */
  opened: Opened | null;
  /** The latest unfinished session, to offer. */
  offer: Opened | null;
  create(): Opened;
  models: ModelSummary[];
  columns?: number;
}

/** The model list, with a resumed session's model added when it is not among them. */
function withSessionModel(models: ModelSummary[], session: Session): ModelSummary[] {
  if (!session.modelDir || models.some((m) => m.dir === session.modelDir)) return models;
  return [describeModelDir(session.modelDir), ...models];
}

export function Root({ opened, offer, create, models, columns }: RootProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [current, setCurrent] = useState<Opened | null>(() => opened ?? (offer ? null : create()));
  if (!current && offer) {
    return <ResumeScreen dir={offer.dir} session={offer.session} width={columns ?? Math.min(stdout.columns || 80, 100)} onResume={() => setCurrent(offer)} onNew={() => setCurrent(create())} onQuit={() => exit()} />;
  }
  if (!current) return null;
  return <App session={current.session} sessionDir={current.dir} models={withSessionModel(models, current.session)} {...(columns !== undefined && { columns })} />;
}
