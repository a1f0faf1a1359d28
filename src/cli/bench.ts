/** triggerfish bench [suite flags]: runs the benchmark suite (benchmarks/suite.ts) as its own process. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TriggerfishError } from '../errors.js';
import { flagsOf, toArgv } from '../jobs/flags.js';
import { suiteFields, suiteUsage } from '../jobs/suite.js';
import type { Command } from './command.js';

// a path to run, not an import: nothing in src depends on benchmarks/
const suite = fileURLToPath(new URL('../../benchmarks/suite.ts', import.meta.url));

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmark suite on a folder of zoo-format models (blind attacks, scored afterwards against each model secret)',
  usage: `triggerfish bench ${suiteUsage}`,
  get options() {
    return flagsOf(suiteFields);
  },
  async run(args) {
    const { backend: _backend, ...suiteFlags } = args.values; // the suite picks its backend from the environment
    const forwarded = toArgv(suiteFlags);
    const result = spawnSync(process.execPath, ['--import', 'tsx', suite, ...forwarded], { stdio: 'inherit' });
    if (result.status !== 0) throw new TriggerfishError(`the benchmark suite exited with code ${result.status}; its log is above`);
  },
};
