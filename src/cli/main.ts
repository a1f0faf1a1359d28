/**
 * The `triggerfish` command: dispatches to one file per command. Errors a user can act on print as
 * one line without a stack trace; anything else is reported as an internal error.
 */
import { parseArgs } from 'node:util';
import { TriggerfishError, BadInputError } from '../errors.js';
import type { Command, Flags, ParsedArgs, Subcommand } from './command.js';
import { stdio } from './command.js';
import { commands } from './commands.js';
import { parseOptions } from '../jobs/flags.js';

function usage(): string {
  const listed = commands.filter((c) => !c.hidden);
  const width = Math.max(...listed.map((c) => c.name.length));
  return [
    'triggerfish: recover the hidden trigger of a backdoored language model',
    '',
    'Commands:',
    ...listed.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --json (one JSON object on stdout) and --backend tensorflow|webgpu|wasm|cpu.',
    "Run 'triggerfish <command> --help' for a command's flags.",
  ].join('\n');
}

/** One line per flag: name, value placeholder, description and default. */
export function flagLines(flags: Flags): string[] {
  const all = { ...flags, ...backendFlag };
  const heads = Object.entries(all).map(([name, f]) => `  --${name}${f.placeholder ? ` ${f.placeholder}` : ''}${f.multiple ? ' (repeatable)' : ''}`);
  const width = Math.min(40, Math.max(...heads.map((h) => h.length)));
  return Object.values(all).map((f, i) => `${heads[i]!.padEnd(width)}  ${f.description}${f.shownDefault !== undefined ? ` (default ${f.shownDefault})` : ''}`);
}

const backendFlag: Flags = { backend: { type: 'string', placeholder: '<tensorflow|webgpu|wasm|cpu>', description: 'compute backend (default: the fastest that loads)' } };

function commandHelp(command: Command, sub: Subcommand | undefined): string {
  if (sub) return [`usage: ${sub.usage}`, sub.summary, sub.help ?? '', 'flags:', ...flagLines({ ...command.options, ...sub.options })].filter(Boolean).join('\n');
  const subs = command.subcommands ?? [];
  const width = Math.max(0, ...subs.map((c) => c.name.length));
  return [
    `usage: ${command.usage}`,
    command.summary,
    command.help ?? '',
    ...(subs.length > 0 ? ['subcommands:', ...subs.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), `run 'triggerfish ${command.name} <subcommand> --help' for its flags`] : []),
    'flags:',
    ...flagLines(command.options),
  ].filter(Boolean).join('\n');
}

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
      parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new BadInputError(`${err instanceof Error ? err.message.split('\n')[0] : String(err)}; usage: ${sub?.usage ?? command.usage}`);
    }
    const backend = parsed.values.backend;
    if (typeof backend === 'string') process.env.TRIGGERFISH_BACKEND = backend;
    await command.run(parsed as ParsedArgs, stdio);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof TriggerfishError) {
    stdio.log(`triggerfish: ${err.message}`);
    return err instanceof BadInputError ? 2 : 1;
  }
  if (process.env.TRIGGERFISH_DEBUG) stdio.log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  else {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    stdio.log(`triggerfish: internal error: ${message} (run with TRIGGERFISH_DEBUG=1 for the stack trace, and please report it)`);
  }
  return 70;
}

// `triggerfish ... | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
