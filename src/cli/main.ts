/**
 * The `triggerfish` command: dispatches to one file per command. Errors a user can act on print as
 * one line without a stack trace; anything else is reported as an internal error.
 */
import { parseArgs } from 'node:util';
import { TriggerfishError, BadInputError } from '../errors.js';
import { printable } from '../util/printable.js';
import type { ParsedArgs } from './command.js';
import { stdio } from './command.js';
import { commands } from './commands.js';
import { applyEngineFlags } from './engine-flags.js';
import { parseOptions } from '../jobs/flags.js';
import { backendFlag, commandHelp, usage } from './help.js';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // A bare `triggerfish` in a terminal opens the UI; piped or scripted, it prints the usage.
  if (name === undefined && process.stdin.isTTY && process.stdout.isTTY) return main(['tui']);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    stdio.print(usage());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) throw new BadInputError(`unknown command '${name}'; run 'triggerfish --help' for the list`);
    const sub = command.subcommands?.find((c) => c.name === rest[0]);
    if (rest.includes('--help') || rest.includes('-h')) {
      stdio.print(commandHelp(command, sub));
      return 0;
    }
    const options = parseOptions({ ...command.options, ...sub?.options, ...backendFlag });
    let parsed;
    try {
      parsed = parseArgs({ args: joinNegativeValues(rest, options), allowPositionals: true, options, strict: true });
    } catch (err) {
      throw new BadInputError(`${err instanceof Error ? err.message.split('\n')[0] : String(err)}; usage: ${sub?.usage ?? command.usage}`);
    }
    const backend = parsed.values.backend;
    if (typeof backend === 'string') process.env.TRIGGERFISH_BACKEND = backend;
    applyEngineFlags(parsed.values.engine, parsed.values.threads);
    await command.run(parsed as ParsedArgs, stdio);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

/**
 * `--steps -1` as `--steps=-1`: parseArgs takes a value that starts with '-' for an option and stops, so
 * a negative number would get Node's "argument is ambiguous" instead of the flag's own range message.
 */
function joinNegativeValues(args: string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|inf)/i.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function reportError(err: unknown): number {
  if (err instanceof TriggerfishError) {
    stdio.log(`triggerfish: ${err.message}`);
    return err instanceof BadInputError ? 2 : 1;
  }
  if (process.env.TRIGGERFISH_DEBUG) stdio.log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  else {
    const message = printable(err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)).slice(0, 300);
    stdio.log(`triggerfish: internal error: ${message} (run with TRIGGERFISH_DEBUG=1 for the stack trace, and please report it)`);
  }
  return 70;
}
