/**
 * triggerfish tui: the terminal UI that drives a whole trigger-recovery session (also what a bare
 * `triggerfish` opens in a terminal). `__job` is the hidden command the UI starts its job processes
 * with; it speaks NDJSON on stdout (src/tui/jobs/protocol.ts) and is not for people.
 */
import { BadInputError } from '../errors.js';
import type { Command } from './command.js';
import { flag, str } from './args.js';
import { pickFields } from '../jobs/fields.js';
import { flagsOf, specFromArgs } from '../jobs/flags.js';
import { gcgFields } from '../jobs/gcg.js';

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
    model: { type: 'string', placeholder: '<dir>', description: 'add this model folder and select it' },
    models: { type: 'string', placeholder: '<dir>', shownDefault: './models', description: 'folder of model folders to list' },
    session: { type: 'string', placeholder: '<dir>', description: 'resume this session folder' },
    sessions: { type: 'string', placeholder: '<dir>', shownDefault: './sessions', description: 'folder of sessions' },
    new: { type: 'boolean', description: 'start a fresh session' },
    // the GCG sizes a session fixes, derived from the GCG job's fields
    ...flagsOf(pickFields(gcgFields, ['steps', 'searchWidth', 'topK', 'length', 'asrEvery'])),
  },
  async run(args) {
    if (args.positionals.length > 0) throw new BadInputError(`unexpected argument '${args.positionals[0]}'; usage: ${usage}`);
    if (str(args, 'session') && flag(args, 'new')) throw new BadInputError('give --session or --new, not both');
    const given = specFromArgs(pickFields(gcgFields, ['steps', 'searchWidth', 'topK', 'length', 'asrEvery']), args);
    const sizes = (name: string, key: keyof typeof given) => (str(args, name) === undefined ? undefined : given[key]);
    // React and Ink load only when the UI opens, so other commands stay quick to start.
    const { openTui } = await import('../tui/open.js');
    await openTui({
      model: str(args, 'model'),
      modelsRoot: str(args, 'models'),
      session: str(args, 'session'),
      sessionsRoot: str(args, 'sessions'),
      fresh: flag(args, 'new'),
      quick: process.env.TRIGGERFISH_TUI_QUICK === '1',
      sizes: { steps: sizes('steps', 'steps'), searchWidth: sizes('width', 'searchWidth'), topK: sizes('topk', 'topK'), length: sizes('length', 'length'), asrEvery: sizes('asr-every', 'asrEvery') },
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
