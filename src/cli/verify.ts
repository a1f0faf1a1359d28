/** triggerfish verify --model <dir> --candidate <text>: the ASR of one candidate trigger on held-out prompts. */
import { initBackend } from '../engine/backend.js';
import { flagsOf, specFromArgs } from '../jobs/flags.js';
import { runVerifyJob, verifyFields } from '../jobs/verify.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag } from './args.js';
import { abortOnSignals } from './signals.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'measure the ASR of a candidate trigger: place it into held-out prompts, complete, count Y',
  usage: 'triggerfish verify --model <dir> --candidate <text> [--text Y] [--placement suffix] [--json]',
  get options() {
    return { ...jsonOption, ...flagsOf(verifyFields) };
  },
  async run(args, io) {
    const spec = specFromArgs(verifyFields, args);
    await initBackend();
    const result = await runVerifyJob(spec, { signal: abortOnSignals(), onEvent: (e) => e.type === 'log' && io.log(e.message) });
    if (flag(args, 'json')) return io.json(result);
    for (const c of result.completions) io.print(`${c.shows ? '✓' : '·'} ${JSON.stringify(c.prompt)} → ${JSON.stringify(c.completion)}`);
    io.print(`ASR ${result.asr.toFixed(2)} (${result.completions.filter((c) => c.shows).length}/${result.completions.length} completions show ${JSON.stringify(result.y)})`);
  },
};
