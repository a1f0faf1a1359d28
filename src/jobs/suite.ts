/**
 * The benchmark suite's settings (benchmarks/suite.ts runs it): `triggerfish bench` and the suite
 * derive their flags from these fields, and the suite hands them on to its worker processes. The
 * suite turns its budgets into the other jobs' specs (benchmarks/suite/methods.ts).
 */
import type { Fields } from './fields.js';

export interface SuiteSpec {
  models: string;
  quick: boolean;
  methods: string | undefined;
  only: string | undefined;
  seeds: number[] | undefined;
  out: string;
  jobs: number;
  report: boolean;
  worker: boolean;
}

export const suiteFields: Fields<SuiteSpec> = {
  models: { type: 'string', default: 'models', placeholder: '<dir>', description: 'folder of zoo-format model folders (clean siblings are skipped)' },
  quick: { type: 'boolean', default: false, description: 'the quick budget: a smoke test of minutes' },
  methods: { type: 'string', default: undefined, placeholder: '<a,b,...>', description: 'methods to run (default: all)' },
  only: { type: 'string', default: undefined, placeholder: '<name,...>', description: 'run only these model folders of --models (the others stay there as references and siblings)' },
  seeds: { type: 'numbers', default: undefined, description: "seeds (default: the budget's)" },
  out: { type: 'string', default: 'benchmarks/results', placeholder: '<dir>', description: 'where the JSON lines, the table and the plots go' },
  jobs: { type: 'number', default: 1, integer: true, min: 1, description: '(model, seed) pairs run at once, one worker process each' },
  report: { type: 'boolean', default: false, description: 'write the table and plots from the runs already in --out, running nothing' },
  worker: { type: 'boolean', default: false, description: 'set by the suite on the worker processes it forks; not for people' },
};

export const suiteUsage = '--models <dir> [--quick] [--jobs 2] [--methods a,b] [--only model,model] [--seeds 0,1,2] [--out benchmarks/results] [--report]';
