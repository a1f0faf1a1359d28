/**
 * The suite's flags, in one place: the suite parses them, `triggerfish bench` accepts and forwards
 * them, and the suite hands them on to its worker processes.
 */
export const suiteOptions = {
  models: { type: 'string', default: 'models' },
  quick: { type: 'boolean', default: false },
  methods: { type: 'string' },
  seeds: { type: 'string' },
  out: { type: 'string', default: 'benchmarks/results' },
  jobs: { type: 'string', default: '1' },
  /** Set by the suite on the processes it forks; not for people. */
  worker: { type: 'boolean', default: false },
} as const;

export const suiteUsage = '--models <dir> [--quick] [--jobs 2] [--methods a,b] [--seeds 0,1,2] [--out benchmarks/results]';

/** Parsed flag values back into an argument list (false and missing flags are left out). */
export function toArgv(values: Record<string, unknown>): string[] {
  return Object.entries(values).flatMap(([key, value]) => (value === undefined || value === false ? [] : value === true ? [`--${key}`] : [`--${key}`, String(value)]));
}
