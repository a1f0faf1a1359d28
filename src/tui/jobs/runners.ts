/**
 * Which function runs a job spec in the job process. A new kind of job plugs in here: a spec in
 * protocol.ts, a runner beside the others, a case below, and a screen that starts it.
 */
import type { JobContext } from './job-context.js';
import type { JobResult, JobSpec } from './protocol.js';
import { runBacksampleJob } from './run-backsample.js';
import { runGcgJob } from './run-gcg.js';
import { runSteerJob } from './run-steer.js';
import { runVerifyJob } from './run-verify.js';

export function runnerFor(spec: JobSpec): (context: JobContext) => Promise<JobResult> {
  switch (spec.kind) {
    case 'gcg':
      return (context) => runGcgJob(spec, context);
    case 'verify':
      return (context) => runVerifyJob(spec, context);
    case 'steer':
      return (context) => runSteerJob(spec, context);
    case 'backsample':
      return (context) => runBacksampleJob(spec, context);
  }
}
