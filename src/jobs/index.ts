/**
 * The job layer: one spec and one runner per kind of job. Each spec's fields (name, type, default,
 * one-line description) are the only list of that job's settings: the CLI derives its flags and
 * --help from them (src/cli), the UI writes specs of them for its job processes (src/tui/jobs), the
 * suite fills them from its budgets (benchmarks/suite). A runner, `run(spec, { signal, onEvent })`,
 * loads the model and card, resolves Y, prompts and vectors, keeps any state file under one key,
 * enforces budgets, and returns a result that says how it stopped (a cancel throws CancelledError).
 *
 * A new kind plugs in as a file here with its spec, fields and runner, and an entry below. The
 * recover pipeline (src/recover) is to join as `recover` the same way.
 */
import type { BacksampleJobResult, BacksampleSpec } from './backsample.js';
import { backsampleFields, runBacksampleJob } from './backsample.js';
import type { RunOptions } from './common.js';
import type { Fields } from './fields.js';
import type { GcgJobResult, GcgSpec } from './gcg.js';
import { gcgFields, runGcgJob } from './gcg.js';
import type { SteerJobResult, SteerSpec } from './steer.js';
import { runSteerJob, steerFields } from './steer.js';
import type { VerifyJobResult, VerifySpec } from './verify.js';
import { runVerifyJob, verifyFields } from './verify.js';

export interface JobKind<S, R> {
  fields: Fields<S>;
  run(spec: S, options?: RunOptions): Promise<R>;
}

export const jobKinds: {
  gcg: JobKind<GcgSpec, GcgJobResult>;
  steer: JobKind<SteerSpec, SteerJobResult>;
  backsample: JobKind<BacksampleSpec, BacksampleJobResult>;
  verify: JobKind<VerifySpec, VerifyJobResult>;
  // recover: JobKind<RecoverSpec, RecoverJobResult>  (src/recover, in progress)
} = {
  gcg: { fields: gcgFields, run: runGcgJob },
  steer: { fields: steerFields, run: runSteerJob },
  backsample: { fields: backsampleFields, run: runBacksampleJob },
  verify: { fields: verifyFields, run: runVerifyJob },
};
