/**
 * triggerfish gcg --model <dir> --target logit|activation|mixed: search token space for a string
 * that makes the model show Y (a candidate trigger). The flags are the GCG job's fields
 * (src/jobs/gcg.ts); progress on stderr, the result as JSON with --json.
 */
import { initBackend } from '../engine/backend.js';
import { gcgFields, runGcgJob } from '../jobs/gcg.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag } from './args.js';
import { flagsOf, specFromArgs } from '../jobs/flags.js';
import { abortOnSignals } from './signals.js';

export const gcgCommand: Command = {
  name: 'gcg',
  summary: 'search for a trigger with GCG, aiming at the logits of Y or at a steering direction',
  usage: 'triggerfish gcg --model <dir> --target logit|activation|mixed [--text Y] [--vector <file> --index 0] [--steps 250] [--json]',
  help: [
    'Y defaults to the first behaviour target of the model card. Prompts: --prompts <file>, or the built-in clean set',
    '(8 optimised, 40 held out for ASR). An interrupted run resumes when the same command is run again.',
  ].join('\n'),
  // a getter: flags follow the fields even when a field is added at run time (test/jobs/settings.test.ts)
  get options() {
    return { ...jsonOption, ...flagsOf(gcgFields) };
  },
  async run(args, io) {
    const spec = specFromArgs(gcgFields, args);
    const backend = await initBackend();
    io.log(`GCG on ${spec.model ?? '?'} (${backend.name}): ${spec.target} target`);
    const { result, heldOut } = await runGcgJob(spec, {
      signal: abortOnSignals(),
      onEvent: (e) => {
        if (e.type === 'log') return io.log(e.message);
        io.log(`step ${e.step} loss ${e.loss!.toFixed(4)} best ${e.bestLoss!.toFixed(4)} ${e.seconds.toFixed(1)} s${e.asr !== undefined ? ` ASR ${e.asr.toFixed(2)}` : ''}  ${JSON.stringify(e.best)}`);
      },
    });
    if (flag(args, 'json')) return io.json({ ...result, target: spec.target, backend: backend.name });
    io.print(`best string ${JSON.stringify(result.bestString)}  loss ${result.bestLoss.toFixed(4)}  ASR ${result.asr === null ? 'n/a' : result.asr.toFixed(2)} (${heldOut} held-out prompts)`);
    io.print(`${result.history.length} steps, ${result.seconds.toFixed(1)} s, ${result.forwardPasses} forward passes, stopped by ${result.stoppedBy}`);
  },
};
