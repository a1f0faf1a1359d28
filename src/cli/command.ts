/** What every CLI command is: a name, a usage line, its flags, and a run function. */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface Io {
  /** Human-readable output on stdout. */
  print(text: string): void;
  /** The one machine-readable JSON object of a --json run, on stdout. */
  json(value: unknown): void;
  /** Progress and logs, on stderr (never mixed into --json output). */
  log(text: string): void;
}

export interface Command {
  name: string;
  summary: string;
  /** e.g. "triggerfish info <model-dir> [--json]" */
  usage: string;
  options: OptionSpec;
  /** Extra help lines after the usage line. */
  help?: string;
  /** Left out of `triggerfish --help` (commands that programs run, not people). */
  hidden?: boolean;
  run(args: ParsedArgs, io: Io): Promise<void>;
}

export const jsonOption: OptionSpec = { json: { type: 'boolean', default: false } };

export const stdio: Io = {
  print: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  json: (value) => process.stdout.write(JSON.stringify(value) + '\n'),
  log: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
};
