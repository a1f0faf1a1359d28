/** triggerfish bench [suite flags]: runs the benchmark suite (benchmarks/suite.ts) as its own process. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BadInputError, CancelledError, TriggerfishError } from '../errors.js';
import { flagsOf, toArgv } from '../jobs/flags.js';
import { suiteFields, suiteUsage } from '../jobs/suite.js';
import { adoptChild, exitCodeOf } from '../util/children.js';
import type { Command } from './command.js';

// a path to run, not an import: nothing in src depends on benchmarks/
const suite = fileURLToPath(new URL('../../benchmarks/suite.ts', import.meta.url));
/** tsx's loader, resolved from this package (not from the working directory, which may be anywhere). */
const tsxLoader = import.meta.resolve('tsx');

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
    const child = adoptChild(spawn(process.execPath, ['--import', tsxLoader, suite, ...forwarded], { stdio: ['inherit', 'inherit', 'pipe'] }), { forwardSignals: true });
    // The suite's log passes through line by line; its last line is held back, so that a refusal of
    // its flags (exit 2) becomes this command's one-line error rather than a second line.
    let partial = '';
    let pending: string | null = null;
    child.stderr!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (pending !== null) process.stderr.write(pending + '\n');
        pending = line;
      }
    });
    const code = await exitCodeOf(child);
    const last = (partial || pending || '').trim();
    if (code === 2 && last) throw new BadInputError(last.replace(/^triggerfish bench: /, ''));
    if (pending !== null) process.stderr.write(pending + '\n');
    if (partial) process.stderr.write(partial + '\n');
    if (code === null) throw new CancelledError('the benchmark suite');
    if (code !== 0) throw new TriggerfishError(`the benchmark suite exited with code ${code}; its log is above`);
  },
};
