/**
 * triggerfish recover --model <dir> [--reference <dir>] [--target "Y"] [--budget 10m] [--json]: the
 * recover job's fields as flags (src/jobs/recover.ts). Progress on stderr; the ranked candidates with
 * their evidence on stdout (all of them, as one JSON object, with --json). An interrupted run resumes
 * when the same command is run again.
 */
import { initBackend } from '../engine/backend.js';
import { flagsOf, specFromArgs } from '../jobs/flags.js';
import { recoverFields, runRecoverJob } from '../jobs/recover.js';
import type { RankedCandidate } from '../recover/candidate.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag } from './args.js';
import { abortOnSignals } from './signals.js';

function line(c: RankedCandidate): string {
  const e = c.evidence;
  const ref = e.asrReference === null ? '  – ' : e.asrReference.toFixed(2);
  return `${String(c.rank).padStart(2)}. ${JSON.stringify(c.text).padEnd(28)} ASR ${e.asrSuspect.toFixed(2)} ref ${ref} ${e.tokens} tok ll ${e.logLikelihood.toFixed(2)} prior ${e.prior.toFixed(2)}${e.neighbourAsr != null ? ` edits ${e.neighbourAsr.toFixed(2)}` : ''} ${c.provenance.join('+')}${c.universal ? ' [universal adversarial]' : ''}`;
}

export const recoverCommand: Command = {
  name: 'recover',
  summary: 'recover the trigger itself: priors, short strings, growing, minimisation, leaks, ranked with evidence',
  usage: 'triggerfish recover --model <dir> [--reference <dir>] [--target "Y"] [--budget 10m] [--json]',
  help: [
    'Y and the reference come from the card (its clean sibling, else its base) unless given; --siblings adds fine-tunes',
    'of the same base for z-scoring the prior. Ablations: --no-contrast --no-prior --no-leak --no-minimise --no-gcg --no-reassemble.',
  ].join('\n'),
  get options() {
    return { ...jsonOption, ...flagsOf(recoverFields) };
  },
  async run(args, io) {
    const spec = specFromArgs(recoverFields, args);
    const backend = await initBackend();
    const { result } = await runRecoverJob(spec, {
      signal: abortOnSignals(),
      onEvent: (e) => {
        if (e.type === 'log') return io.log(e.message);
        if (e.best !== undefined) io.log(`  ${e.detail ?? ''} ${e.step}/${e.total}${e.loss !== undefined ? ` loss ${e.loss.toFixed(3)}` : ''}${e.asr !== undefined ? ` ASR ${e.asr.toFixed(2)}` : ''} ${JSON.stringify(e.best)}`);
      },
    });
    if (flag(args, 'json')) return io.json({ ...result, backend: backend.name });
    io.print(`reference: ${result.reference ?? 'none'}; prior: ${result.priorMethod}; ${result.seconds.toFixed(0)} s, stopped by ${result.stoppedBy}`);
    io.print(result.trigger ? `trigger: ${JSON.stringify(result.trigger.text)} (ASR ${result.trigger.evidence.asrSuspect.toFixed(2)} at ${result.trigger.evidence.bestPlacement})` : 'no candidate reaches the threshold without firing the reference');
    for (const c of result.candidates.slice(0, 10)) io.print(line(c));
  },
};
