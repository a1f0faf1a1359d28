/** Where a job keeps its files: <session>/jobs/<id>/{spec,state,result}.json, stderr.log and pid. */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadFileError } from '../../errors.js';
import { writeJsonAtomic } from '../../util/json-file.js';
import type { JobResult, JobSpec } from './protocol.js';
import { jobKinds } from './protocol.js';

export function jobDir(sessionDir: string, id: string): string {
  return join(sessionDir, 'jobs', id);
}

export const jobFiles = (sessionDir: string, id: string) => {
  const dir = jobDir(sessionDir, id);
  return {
    dir,
    spec: join(dir, 'spec.json'),
    /** The job's own resumable state: the GCG loop's (src/gcg/state.ts), recover's (src/recover/state.ts). */
    state: join(dir, 'state.json'),
    result: join(dir, 'result.json'),
    stderr: join(dir, 'stderr.log'),
    pid: join(dir, 'pid'),
    /** A steer job's vector set (src/steer's safetensors format). */
    vectors: join(dir, 'vectors.safetensors'),
    /** Exists while the UI wants the job to stop (see job-main.ts for why a file as well as SIGINT). */
    cancel: join(dir, 'cancel'),
  };
};

export function writeSpec(sessionDir: string, spec: JobSpec): void {
  const files = jobFiles(sessionDir, spec.id);
  mkdirSync(files.dir, { recursive: true });
  writeJsonAtomic(files.spec, spec);
}

function readJson(file: string, what: string): Record<string, unknown> {
  if (!existsSync(file)) throw new BadFileError(file, `missing: no ${what} here`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new BadFileError(file, `not valid JSON (${(err as Error).message})`);
  }
}

export function readSpec(sessionDir: string, id: string): JobSpec {
  const file = jobFiles(sessionDir, id).spec;
  const raw = readJson(file, 'job spec');
  if (!jobKinds.includes(raw.kind as never) || raw.id !== id || typeof raw.model !== 'string') {
    throw new BadFileError(file, `not a job spec for job ${id} (kind, id and model are required)`);
  }
  return raw as unknown as JobSpec;
}

export function writeResult(sessionDir: string, id: string, result: JobResult): void {
  writeJsonAtomic(jobFiles(sessionDir, id).result, result);
}

/** The result a job saved before the UI heard of it (the UI was gone when it finished), or null. */
export function readResult(sessionDir: string, id: string): JobResult | null {
  const file = jobFiles(sessionDir, id).result;
  if (!existsSync(file)) return null;
  try {
    return readJson(file, 'result') as unknown as JobResult;
  } catch {
    return null;
  }
}
