/** triggerfish bench [suite flags]: runs the benchmark suite (benchmarks/suite.ts) as its own process. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TriggerfishError } from '../errors.js';
import type { Command } from './command.js';

const suite = fileURLToPath(new URL('../../benchmarks/suite.ts', import.meta.url));

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmark suite on a folder of zoo-format models (blind attacks, scored afterwards against each model secret)',
  usage: 'triggerfish bench --models <dir> [--quick] [--jobs 2] [--methods a,b] [--seeds 0,1,2] [--out benchmarks/results]',
  options: {
    models: { type: 'string', default: 'models' },
    quick: { type: 'boolean', default: false },
    methods: { type: 'string' },
    seeds: { type: 'string' },
    out: { type: 'string' },
    jobs: { type: 'string' },
  },
  async run(args) {
    const forwarded = Object.entries(args.values).flatMap(([key, value]) => (key === 'backend' || value === undefined || value === false ? [] : value === true ? [`--${key}`] : [`--${key}`, String(value)]));
    const result = spawnSync(process.execPath, ['--import', 'tsx', suite, ...forwarded], { stdio: 'inherit' });
    if (result.status !== 0) throw new TriggerfishError(`the benchmark suite exited with code ${result.status}; its log is above`);
  },
};
