/** --help texts: the command list, and each command's or subcommand's flags with descriptions and defaults. */
import type { Command, Flags, Subcommand } from './command.js';
import { commands } from './commands.js';

export function usage(): string {
  const listed = commands.filter((c) => !c.hidden);
  const width = Math.max(...listed.map((c) => c.name.length));
  return [
    'triggerfish: recover the hidden trigger of a backdoored language model',
    '',
    'Commands:',
    ...listed.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --json (one JSON object on stdout) and --backend tensorflow|webgpu|wasm|cpu.',
    'Forward-only work runs on --engine onnx|tfjs (default onnx where ONNX Runtime loads) with --threads N (default: all cores).',
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

export const backendFlag: Flags = {
  backend: { type: 'string', placeholder: '<tensorflow|webgpu|wasm|cpu>', description: 'compute backend (default: the fastest that loads)' },
  engine: { type: 'string', placeholder: '<onnx|tfjs>', description: 'engine for forward-only work (default: onnx where ONNX Runtime loads)' },
  threads: { type: 'string', placeholder: '<n>', description: 'ONNX Runtime threads (default: all cores)' },
};

export function commandHelp(command: Command, sub: Subcommand | undefined): string {
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

