/**
 * Strict checks of a session.json before the UI trusts it: a damaged session is refused in one line
 * (and skipped when the UI looks for one to resume), and a live job whose folder has gone is marked
 * failed with a message, so that the UI starts it afresh instead of crashing on its missing files.
 */
import { existsSync } from 'node:fs';
import { BadFileError, BadInputError } from '../../errors.js';
import type { FieldSource, Json } from '../../util/validate.js';
import { arrayField, boolField, fieldError, intField, isRecord, realField, recordField, show, stringField } from '../../util/validate.js';
import { jobDir } from '../jobs/job-files.js';
import { jobKinds } from '../jobs/protocol.js';
import type { FormName } from './forms.js';
import { checkFormValue, emptyForms, formFields } from './forms.js';
import type { FormValue, JobRecord, JobStatus, Session, SessionForms } from './session.js';
import { sessionFormat, stages } from './session.js';
import { fullSettings } from './settings.js';

const statuses: readonly JobStatus[] = ['starting', 'running', 'paused', 'finished', 'failed', 'cancelled', 'interrupted'];
const live: readonly JobStatus[] = ['starting', 'running', 'paused', 'interrupted'];

function strings(src: FieldSource, obj: Json, key: string, where = ''): void {
  const list = arrayField(src, obj, key, where);
  const bad = list.findIndex((s) => typeof s !== 'string');
  if (bad >= 0) throw fieldError(src, `${where}${key}[${bad}]`, `must be a string, got ${show(list[bad])}`);
}

function checkPrompts(src: FieldSource, raw: Json): void {
  const prompts = recordField(src, raw, 'prompts');
  if (!['built-in', 'file', 'typed'].includes(prompts.source as string)) throw fieldError(src, 'prompts.source', `must be built-in, file or typed, got ${show(prompts.source)}`);
  strings(src, prompts, 'optimise', 'prompts.');
  strings(src, prompts, 'heldOut', 'prompts.');
}

function checkSettings(src: FieldSource, raw: Json): void {
  const settings = recordField(src, raw, 'settings');
  for (const key of Object.keys(fullSettings)) {
    if (settings[key] === undefined) continue; // sessions from before a setting existed get its default
    if (key === 'radius' || key === 'supervisedRelativeRadius') realField(src, settings, key, { min: 0, max: 1e6 }, undefined, 'settings.');
    else intField(src, settings, key, { min: key === 'asrEvery' ? 0 : 1, max: 10_000_000 }, undefined, 'settings.');
  }
}

function checkJob(src: FieldSource, job: unknown, i: number): void {
  const where = `jobs[${i}].`;
  if (!isRecord(job)) throw fieldError(src, `jobs[${i}]`, `must be an object, got ${show(job)}`);
  const id = stringField(src, job, 'id', { nonEmpty: true }, where);
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id === '.' || id === '..') throw fieldError(src, `${where}id`, `must be a plain folder name, got ${show(id)}`);
  if (!(jobKinds as readonly unknown[]).includes(job.kind)) throw fieldError(src, `${where}kind`, `must be one of ${jobKinds.join(', ')}, got ${show(job.kind)}`);
  if (!(statuses as readonly unknown[]).includes(job.status)) throw fieldError(src, `${where}status`, `must be one of ${statuses.join(', ')}, got ${show(job.status)}`);
  stringField(src, job, 'label', {}, where);
  stringField(src, job, 'created', {}, where);
  const spec = recordField(src, job, 'spec', where);
  if (spec.kind !== job.kind || spec.id !== id) throw fieldError(src, `${where}spec`, `must be the spec of job ${show(id)} (${show(job.kind)}), got kind ${show(spec.kind)} and id ${show(spec.id)}`);
  const losses = arrayField(src, job, 'losses', where);
  const bad = losses.findIndex((x) => x !== null && typeof x !== 'number');
  if (bad >= 0) throw fieldError(src, `${where}losses[${bad}]`, `must be a number, got ${show(losses[bad])}`);
  arrayField(src, job, 'asrChecks', where).forEach((check, j) => {
    if (!isRecord(check)) throw fieldError(src, `${where}asrChecks[${j}]`, `must be {step, asr}, got ${show(check)}`);
    intField(src, check, 'step', { min: 0, max: 1e9 }, undefined, `${where}asrChecks[${j}].`);
    realField(src, check, 'asr', { min: 0, max: 1 }, undefined, `${where}asrChecks[${j}].`);
  });
  if (job.progress !== undefined) recordField(src, job, 'progress', where);
  if (job.phases !== undefined) arrayField(src, job, 'phases', where).forEach((phase, j) => checkPhase(src, phase, `${where}phases[${j}]`));
  if (job.found !== undefined) {
    arrayField(src, job, 'found', where).forEach((f, j) => {
      if (!isRecord(f)) throw fieldError(src, `${where}found[${j}]`, `must be {text, asr}, got ${show(f)}`);
      stringField(src, f, 'text', {}, `${where}found[${j}].`);
      realField(src, f, 'asr', { min: 0, max: 1 }, undefined, `${where}found[${j}].`);
    });
  }
  if (job.result !== undefined) recordField(src, job, 'result', where);
  if (job.error !== undefined) stringField(src, job, 'error', {}, where);
  intField(src, job, 'restarts', { min: 0, max: 1e9 }, 0, where);
}

function checkPhase(src: FieldSource, phase: unknown, where: string): void {
  if (!isRecord(phase)) throw fieldError(src, where, `must be {name, status, seconds}, got ${show(phase)}`);
  stringField(src, phase, 'name', { nonEmpty: true }, `${where}.`);
  if (!['start', 'done', 'skipped', 'resumed'].includes(phase.status as string)) throw fieldError(src, `${where}.status`, `must be start, done, skipped or resumed, got ${show(phase.status)}`);
  realField(src, phase, 'seconds', { min: 0, max: 1e9 }, undefined, `${where}.`);
}

/** The stages' forms (missing in sessions from before them): each value checked against its job field. */
function checkForms(src: FieldSource, raw: Json): SessionForms {
  if (raw.forms === undefined) return emptyForms();
  const forms = recordField(src, raw, 'forms');
  const checked = emptyForms();
  for (const name of Object.keys(formFields) as FormName[]) {
    if (forms[name] === undefined) continue;
    const values = recordField(src, forms, name, 'forms.');
    for (const [key, value] of Object.entries(values)) {
      try {
        checked[name][key] = checkFormValue(name, key, value as FormValue);
      } catch (err) {
        if (err instanceof BadInputError) throw fieldError(src, `forms.${name}.${key}`, err.message.replace(`${key} `, ''));
        throw err;
      }
    }
  }
  return checked;
}

function checkMarked(src: FieldSource, raw: Json): void {
  if (raw.marked === undefined) return;
  arrayField(src, raw, 'marked').forEach((m, i) => {
    if (!isRecord(m)) throw fieldError(src, `marked[${i}]`, `must be {file, index, label}, got ${show(m)}`);
    stringField(src, m, 'file', { nonEmpty: true }, `marked[${i}].`);
    intField(src, m, 'index', { min: 0, max: 1e9 }, undefined, `marked[${i}].`);
    stringField(src, m, 'label', {}, `marked[${i}].`);
  });
}

/** Checks a parsed session.json; returns it typed, with settings filled from the defaults. */
export function checkSession(raw: unknown, file: string): Session {
  const src: FieldSource = { file, fix: 'start a new session with --new' };
  if (!isRecord(raw)) throw new BadFileError(file, `must hold a JSON object; ${src.fix}`);
  if (raw.format !== sessionFormat) throw fieldError(src, 'format', `must be "${sessionFormat}", got ${show(raw.format)}`);
  for (const key of ['id', 'created', 'updated']) stringField(src, raw, key, { nonEmpty: true });
  if (raw.modelDir !== null) stringField(src, raw, 'modelDir', { nonEmpty: true });
  checkPrompts(src, raw);
  stringField(src, raw, 'target');
  boolField(src, raw, 'targetEdited', false);
  if (raw.backend !== undefined && raw.backend !== null) stringField(src, raw, 'backend');
  checkSettings(src, raw);
  checkMarked(src, raw);
  const forms = checkForms(src, raw);
  const jobs = arrayField(src, raw, 'jobs');
  jobs.forEach((job, i) => checkJob(src, job, i));
  const ids = jobs.map((j) => (j as Json).id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw fieldError(src, 'jobs', `hold two jobs with id ${show(twice)}`);
  const finished = boolField(src, raw, 'finished', false);
  if (raw.exported !== undefined) strings(src, raw, 'exported');
  const stage = (stages as readonly unknown[]).includes(raw.stage) ? (raw.stage as Session['stage']) : 'model';
  // Sessions from before a field existed get its default.
  return {
    ...(raw as unknown as Session),
    stage,
    finished,
    targetEdited: raw.targetEdited === true,
    backend: typeof raw.backend === 'string' ? raw.backend : null,
    marked: (raw.marked ?? []) as Session['marked'],
    forms,
    exported: (raw.exported ?? []) as string[],
    settings: { ...fullSettings, ...(raw.settings as object) },
  };
}

/** Live jobs whose folder is gone cannot be resumed: marked failed with a message, to be started afresh. */
export function markOrphanedJobs(session: Session, dir: string): Session {
  const jobs = session.jobs.map((job): JobRecord => {
    if (!live.includes(job.status) || existsSync(jobDir(dir, job.id))) return job;
    return { ...job, status: 'failed', error: `its folder ${jobDir(dir, job.id)} is gone, so it cannot be resumed; start it again` };
  });
  return { ...session, jobs };
}
