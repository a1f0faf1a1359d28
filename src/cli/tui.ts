/**
 * triggerfish tui: the terminal UI that drives a whole trigger-recovery session (also what a bare
 * `triggerfish` opens in a terminal). `__job` is the hidden command the UI starts its job processes
 * with; it speaks NDJSON on stdout (src/tui/jobs/protocol.ts) and is not for people.
 */
import { BadInputError } from '../errors.js';
import type { Command } from './command.js';
import { flag, num, str } from './args.js';

const usage = 'triggerfish tui [--model <dir>] [--models <dir>] [--session <dir> | --new] [--sessions <dir>] [--steps N] [--width N]';

export const tuiCommand: Command = {
  name: 'tui',
  summary: 'open the terminal UI: model → steer → search → backsample → verify → export, resumable',
  usage,
  help: [
    'Offers to resume the newest unfinished session under ./sessions (or --sessions); --new starts a fresh one.',
    'Model folders are listed from ./models (or --models); --model adds one and selects it.',
    'Search sizes (--steps, --width, --topk, --length, --asr-every) are fixed when a session starts;',
    'TRIGGERFISH_TUI_QUICK=1 makes them tiny, for demonstrations and tests.',
  ].join('\n'),
  options: {
    model: { type: 'string' },
    models: { type: 'string' },
    session: { type: 'string' },
    sessions: { type: 'string' },
    new: { type: 'boolean', default: false },
    steps: { type: 'string' },
    width: { type: 'string' },
    topk: { type: 'string' },
    length: { type: 'string' },
    'asr-every': { type: 'string' },
  },
  async run(args) {
    if (args.positionals.length > 0) throw new BadInputError(`unexpected argument '${args.positionals[0]}'; usage: ${usage}`);
    if (str(args, 'session') && flag(args, 'new')) throw new BadInputError('give --session or --new, not both');
    const sizes = (name: string) => (str(args, name) === undefined ? undefined : num(args, name, 1, { min: name === 'asr-every' ? 0 : 1, integer: true }));
    // React and Ink load only when the UI opens, so other commands stay quick to start.
    const { openTui } = await import('../tui/open.js');
    await openTui({
      model: str(args, 'model'),
      modelsRoot: str(args, 'models'),
      session: str(args, 'session'),
      sessionsRoot: str(args, 'sessions'),
      fresh: flag(args, 'new'),
      quick: process.env.TRIGGERFISH_TUI_QUICK === '1',
      sizes: { steps: sizes('steps'), searchWidth: sizes('width'), topK: sizes('topk'), length: sizes('length'), asrEvery: sizes('asr-every') },
    });
  },
};

const jobUsage = 'triggerfish __job <session-dir> <job-id>';

export const jobCommand: Command = {
  name: '__job',
  summary: 'run one job of a TUI session, reporting NDJSON events on stdout (used by the UI)',
  usage: jobUsage,
  hidden: true,
  options: {},
  async run(args) {
    const [sessionDir, jobId, ...rest] = args.positionals;
    if (!sessionDir || !jobId || rest.length > 0) throw new BadInputError(`usage: ${jobUsage}`);
    const { runJobProcess } = await import('../tui/jobs/job-main.js');
    const outcome = await runJobProcess(sessionDir, jobId);
    // The events already told the UI; rethrowing gives the process its exit code (1, or 70 for a bug).
    if (outcome.status === 'failed') throw outcome.error;
  },
};
