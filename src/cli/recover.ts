/**
 * triggerfish recover --model <dir> [--reference <dir>] [--target "Y"] [--budget 10m] [--json]:
 * flags → RecoverOptions → recover(). Progress on stderr; the ranked candidates with their evidence
 * on stdout (all of them, as one JSON object, with --json). The state is kept under runs/recover/
 * while it runs, so the same command resumes after Ctrl-C or a crash.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { initBackend } from '../engine/backend.js';
import { BadInputError } from '../errors.js';
import { runKey } from '../gcg/state.js';
import type { RecoverConfig, RecoverEvent, RecoverOptions } from '../recover/options.js';
import { defaultRecoverConfig } from '../recover/options.js';
import { recover } from '../recover/pipeline.js';
import type { ParsedArgs } from './command.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag, num, requireStr, str, strList } from './args.js';
import { inputsFromCard } from './recover-card.js';
import { abortOnSignals } from './signals.js';

/** "10m", "90s", "1h", or a number of seconds. */
export function parseBudget(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(raw.trim());
  if (!match || Number(match[1]) <= 0) throw new BadInputError(`--budget '${raw}' must be a duration like 10m, 90s or 1h`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
}

export function recoverOptionsFrom(args: ParsedArgs): RecoverOptions {
  const config: Partial<RecoverConfig> = {
    budgetSeconds: parseBudget(str(args, 'budget') ?? '10m'),
    asrThreshold: num(args, 'threshold', defaultRecoverConfig.asrThreshold, { min: 0, max: 1 }),
    maxTokens: num(args, 'max-tokens', defaultRecoverConfig.maxTokens, { min: 1, max: 40, integer: true }),
    seed: num(args, 'seed', 0, { integer: true }),
    useContrast: !flag(args, 'no-contrast'),
    usePrior: !flag(args, 'no-prior'),
    useLeak: !flag(args, 'no-leak'),
    useMinimise: !flag(args, 'no-minimise'),
  };
  const reference = str(args, 'reference');
  const target = str(args, 'target');
  const siblings = strList(args, 'sibling');
  const behaviour = str(args, 'behaviour');
  const inputs = inputsFromCard({
    model: requireStr(args, 'model', 'the model folder to recover the trigger of'),
    ...(reference !== undefined && { reference }),
    ...(target !== undefined && { target }),
    ...(siblings.length > 0 && { siblings }),
    ...(behaviour !== undefined && { behaviour: num(args, 'behaviour', 0, { min: 0, integer: true }) }),
  });
  return { ...inputs, config };
}

function describe(event: RecoverEvent): string | null {
  if (event.kind === 'stage') return `[${event.seconds.toFixed(0)} s] ${event.stage}${event.note ? ` (${event.note})` : ''}: ${event.status}`;
  if (event.kind === 'progress' && event.best !== undefined) {
    return `  ${event.stage} ${event.done}/${event.total}${event.loss !== undefined ? ` loss ${event.loss.toFixed(3)}` : ''}${event.asr !== undefined ? ` ASR ${event.asr.toFixed(2)}` : ''} ${JSON.stringify(event.best)}`;
  }
  return event.kind === 'note' ? event.text : null;
}

export const recoverCommand: Command = {
  name: 'recover',
  summary: 'recover the trigger itself: priors, short strings, growing, minimisation, leaks, ranked with evidence',
  usage: 'triggerfish recover --model <dir> [--reference <dir>] [--target "Y"] [--budget 10m] [--json]',
  help: [
    'Y and the reference come from the card (its base, else its clean sibling) unless given; --sibling <dir> (repeatable)',
    'adds fine-tunes of the same base for z-scoring the prior. Ablations: --no-contrast --no-prior --no-leak --no-minimise.',
  ].join('\n'),
  options: {
    ...jsonOption,
    model: { type: 'string' },
    reference: { type: 'string' },
    sibling: { type: 'string', multiple: true },
    target: { type: 'string' },
    behaviour: { type: 'string' },
    budget: { type: 'string', default: '10m' },
    threshold: { type: 'string', default: String(defaultRecoverConfig.asrThreshold) },
    'max-tokens': { type: 'string', default: String(defaultRecoverConfig.maxTokens) },
    seed: { type: 'string', default: '0' },
    'no-contrast': { type: 'boolean', default: false },
    'no-prior': { type: 'boolean', default: false },
    'no-leak': { type: 'boolean', default: false },
    'no-minimise': { type: 'boolean', default: false },
    state: { type: 'string' },
  },
  async run(args, io) {
    const options = recoverOptionsFrom(args);
    const backend = await initBackend();
    const explicit = str(args, 'state');
    const { budgetSeconds: _b, ...trajectory } = options.config ?? {};
    const { shows: _shows, ...keyed } = options;
    const statePath = explicit ?? join('runs', 'recover', `${runKey([resolve(options.model), { ...keyed, config: trajectory }])}.json`);
    if (existsSync(statePath)) io.log(`resuming from ${statePath}`);
    else mkdirSync(dirname(resolve(statePath)), { recursive: true });
    const result = await recover({ ...options, statePath }, { signal: abortOnSignals(), onEvent: (e) => { const line = describe(e); if (line) io.log(line); } });
    if (!explicit) rmSync(statePath, { force: true }); // finished: nothing left to resume
    if (flag(args, 'json')) return io.json({ ...result, backend: backend.name });
    io.print(`reference: ${result.reference ?? 'none'}; prior: ${result.priorMethod}; ${result.seconds.toFixed(0)} s, stopped by ${result.stoppedBy}`);
    io.print(result.trigger ? `trigger: ${JSON.stringify(result.trigger.text)} (ASR ${result.trigger.evidence.asrSuspect.toFixed(2)} at ${result.trigger.evidence.bestPlacement})` : 'no candidate reaches the threshold without firing the reference');
    for (const c of result.candidates.slice(0, 10)) {
      const e = c.evidence;
      const ref = e.asrReference === null ? '  – ' : e.asrReference.toFixed(2);
      io.print(`${String(c.rank).padStart(2)}. ${JSON.stringify(c.text).padEnd(28)} ASR ${e.asrSuspect.toFixed(2)} ref ${ref} ${e.tokens} tok ll ${e.logLikelihood.toFixed(2)} prior ${e.prior.toFixed(2)} ${c.provenance.join('+')}${c.universal ? ' [universal adversarial]' : ''}`);
    }
  },
};
