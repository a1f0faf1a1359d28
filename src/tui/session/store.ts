/**
 * Session folders: sessions/<date>-<n>/ under the current directory, each holding session.json
 * and a jobs/ folder with one sub-folder per job (spec, state, result, stderr log).
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadFileError } from '../../errors.js';
import { isLive } from '../jobs/specs.js';
import { writeJsonAtomic } from '../../util/json-file.js';
import { emptyForms } from './forms.js';
import type { PromptSet, SessionForms, SessionSettings, Session } from './session.js';
import { sessionFormat } from './session.js';
import { checkSession, markOrphanedJobs } from './session-validate.js';
import { readJsonFile } from '../../util/json-file.js';

export function defaultSessionsRoot(cwd = process.cwd()): string {
  return resolve(cwd, 'sessions');
}

export function sessionFile(dir: string): string {
  return join(dir, 'session.json');
}

function localDate(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export interface NewSession {
  modelDir: string | null;
  prompts: PromptSet;
  target: string;
  settings: SessionSettings;
  /** The stages' forms as a new session starts (default: nothing set). */
  forms?: SessionForms;
}

/** Makes the next free <date>-<n> folder (mkdir is the lock, so two UIs never share one) and saves it. */
export function createSession(root: string, init: NewSession, now = new Date()): { dir: string; session: Session } {
  mkdirSync(root, { recursive: true });
  const date = localDate(now);
  for (let n = 1; ; n++) {
    const dir = join(root, `${date}-${n}`);
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new BadFileError(dir, `cannot create the session folder (${(err as Error).message})`);
    }
    const stamp = now.toISOString();
    const session: Session = {
      format: sessionFormat,
      id: `${date}-${n}`,
      created: stamp,
      updated: stamp,
      ...init,
      forms: init.forms ?? emptyForms(),
      targetEdited: false,
      stage: 'model',
      backend: null,
      marked: [],
      jobs: [],
      finished: false,
      exported: [],
    };
    saveSession(dir, session);
    return { dir, session };
  }
}

export function saveSession(dir: string, session: Session): void {
  writeJsonAtomic(sessionFile(dir), session);
}

export function loadSession(dir: string): Session {
  const file = sessionFile(dir);
  if (!existsSync(file)) throw new BadFileError(file, 'missing: this folder is not a triggerfish session');
  const raw = readJsonFile(file, 'start a new session with --new');
  return markOrphanedJobs(checkSession(raw, file), dir);
}

/** Every readable session under root, newest first; unreadable folders are skipped. */
export function listSessions(root: string): { dir: string; session: Session }[] {
  if (!existsSync(root)) return [];
  const found: { dir: string; session: Session }[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    try {
      found.push({ dir, session: loadSession(dir) });
    } catch {
      // A half-made or foreign folder is not a session to offer.
    }
  }
  return found.sort((a, b) => b.session.created.localeCompare(a.session.created) || b.dir.localeCompare(a.dir));
}

/** Unfinished: not exported yet, or exported with a job still to run (quit while it ran). */
export function latestUnfinished(root: string): { dir: string; session: Session } | null {
  return listSessions(root).find((s) => !s.session.finished || s.session.jobs.some(isLive)) ?? null;
}
