/** What every CLI command is: a name, a usage line, its flags (each described for --help), and a run function. */

import type { Flags, ParsedArgs } from '../jobs/flags.js';

export type { Flag, Flags, ParsedArgs } from '../jobs/flags.js';

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
  options: Flags;
  /** Extra help lines after the usage line. */
  help?: string;
  /** Subcommands (the first positional), each with its own flags and --help; `options` then holds the flags they share. */
  subcommands?: Subcommand[];
  /** Left out of `triggerfish --help` (commands that programs run, not people). */
  hidden?: boolean;
  run(args: ParsedArgs, io: Io): Promise<void>;
}

export interface Subcommand {
  name: string;
  summary: string;
  usage: string;
  options: Flags;
  help?: string;
}

export const jsonOption: Flags = { json: { type: 'boolean', description: 'print one JSON object on stdout instead of text' } };

export const stdio: Io = {
  print: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  json: (value) => process.stdout.write(JSON.stringify(value) + '\n'),
  log: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
};
