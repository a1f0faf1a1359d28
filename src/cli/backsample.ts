/**
 * triggerfish backsample --model <dir> --vector <θ_Y file>: steering-arithmetic backward sampling. Trains
 * (or loads) θ_clean, writes user turns from nothing with θ_clean + α·θ_Y (or guided towards θ_Y), ranks
 * the strings the steered turns over-use, and measures their ASR on held-out prompts. The flags are the
 * backsample job's fields (src/jobs/backsample.ts).
 */
import type { BacksampleReport } from '../backsample/run.js';
import { initBackend } from '../engine/backend.js';
import { backsampleFields, runBacksampleJob } from '../jobs/backsample.js';
import type { JobEvent } from '../jobs/common.js';
import type { Command, Io } from './command.js';
import { jsonOption } from './command.js';
import { flag } from './args.js';
import { flagsOf, specFromArgs } from '../jobs/flags.js';
import { abortOnSignals } from './signals.js';

const usage =
  'triggerfish backsample --model <dir> --vector <θ_Y file> [--index 0] [--clean-vector <file>] [--mode arithmetic|guided|beam|unsteered] ' +
  '[--samples 64] [--alpha 0,0.5,1,2] [--beta 4] [--seed 0] [--out <report.json>] [--json]';

/** Progress lines: θ_clean every 10 steps, each finished set, each verified candidate. */
function logEvent(e: JobEvent, io: Io): void {
  if (e.type === 'log') return io.log(e.message);
  if (e.detail === 'θ_clean' && (e.step % 10 === 0 || e.step === e.total)) io.log(`θ_clean step ${e.step}/${e.total} log-likelihood ${(-e.loss!).toFixed(4)}`);
  else if (e.detail === 'verifying') io.log(`verified ${e.step}/${e.total}: ASR ${e.asr!.toFixed(2)} ${JSON.stringify(e.best)}`);
  else if (e.detail !== 'θ_clean' && e.step === e.total) io.log(`${e.detail}: ${e.total} done`);
}

export const backsampleCommand: Command = {
  name: 'backsample',
  summary: 'sample prompts backwards with θ_clean + α·θ_Y (or guided towards θ_Y) and rank trigger candidates',
  usage,
  help: [
    'θ_clean is trained on the built-in clean prompts (or --clean-prompts <file>) unless --clean-vector gives one;',
    '--save-clean <file> keeps it. Y (for ASR) is --text or the first behaviour target of the model card; --no-verify skips ASR.',
  ].join('\n'),
  get options() {
    return { ...jsonOption, ...flagsOf(backsampleFields) };
  },
  async run(args, io) {
    // every flag is read before the model loads, so that a typo fails at once, not after θ_clean trains
    const spec = specFromArgs(backsampleFields, args);
    const backend = await initBackend();
    const { report, y } = await runBacksampleJob(spec, { signal: abortOnSignals(), onEvent: (e) => logEvent(e, io) });
    if (flag(args, 'json')) return io.json({ ...report, backend: backend.name, ...(y !== undefined && { target: y }) });
    printReport(report, io);
  },
};

function printReport(report: BacksampleReport, io: Io): void {
  const t = report.timings;
  io.print(`${report.mode}: ${report.samples.length} sets, ${t.tokensSampled} tokens in ${t.samplingSeconds.toFixed(1)} s (${t.msPerToken.toFixed(2)} ms/token), total ${t.totalSeconds.toFixed(1)} s`);
  for (const set of report.samples) {
    io.print(`\nα ${set.alpha} β ${set.beta}${set.baseline ? ' (baseline)' : ''}: ${set.samples.length} turns, e.g.`);
    for (const s of set.samples.slice(0, 3)) io.print(`  ${JSON.stringify(s.text)}`);
  }
  if (report.candidates.length === 0) return io.print('\nno candidates (unsteered mode, or nothing over-represented)');
  io.print('\nrank  ASR    where   score  steered  base   candidate');
  report.candidates.slice(0, 20).forEach((c, i) => {
    const asr = c.asr === null ? '  -  ' : c.asr.toFixed(2).padStart(5);
    const where = (typeof c.placement === 'string' ? c.placement : c.placement ? 'tmpl' : '-').padEnd(6);
    io.print(`${String(i + 1).padStart(4)}  ${asr}  ${where}  ${c.score.toFixed(2).padStart(5)}  ${`${c.steeredCount}/${c.steeredTotal}`.padStart(7)}  ${`${c.unsteeredCount}/${c.unsteeredTotal}`.padStart(5)}  ${JSON.stringify(c.text)}`);
  });
  if (report.gcgInit.length > 0) io.print(`\nGCG initial strings: ${report.gcgInit.map((s) => JSON.stringify(s)).join(', ')}`);
}
