/** The markdown report Export writes: a readable account of the session's results. */
import type { RecoverRunSummary, Results } from './results.js';

const cell = (text: string) => text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
const num = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));

/** One recover run: what it used and found, then its ranked candidates with their evidence. */
function recoverSection(run: RecoverRunSummary): string[] {
  const found = run.trigger !== null ? `trigger \`${cell(run.trigger)}\`` : run.candidates.length > 0 ? 'no trigger (no candidate reaches the threshold without firing the reference)' : 'no result';
  const lines = [
    `### ${run.id} (${run.status}): ${found}`,
    '',
    `Reference ${run.referenceUsed === null ? 'none' : `\`${run.referenceUsed}\``}, prior ${run.priorMethod ?? '–'}, budget ${run.budget}${run.seconds !== null ? `, ${Math.round(run.seconds)} s` : ''}${run.stoppedBy === 'budget' ? ', cut by the budget' : ''}.`,
    '',
  ];
  if (run.candidates.length === 0) return [...lines, ...run.notes.map((n) => `- ${cell(n)}`), ''];
  lines.push('| rank | candidate | ASR | reference ASR | tokens | chars | log p | prior | from | label |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const c of run.candidates) {
    const e = c.evidence;
    const label = c.universal ? '⚠ universal adversarial' : c.text === run.trigger ? 'trigger' : '';
    lines.push(`| ${c.rank} | \`${cell(c.text)}\` | ${e.asrSuspect.toFixed(2)} | ${num(e.asrReference, 2)} | ${e.tokens} | ${e.chars} | ${e.logLikelihood.toFixed(2)} | ${e.prior.toFixed(2)} | ${c.provenance.join('+')} | ${label} |`);
  }
  return [...lines, '', ...run.notes.map((n) => `- ${cell(n)}`), ''];
}

export function markdownReport(r: Results): string {
  const lines = [
    `# triggerfish session ${r.session}`,
    '',
    `- Model: \`${r.model ?? 'none'}\``,
    `- Target Y: "${r.target}"`,
    `- Backend: ${r.backend ?? 'unknown'}`,
    `- Prompts: ${r.prompts.optimise} optimised (${r.prompts.source}), ${r.prompts.heldOut} held out for ASR`,
    '',
    '## GCG runs',
    '',
  ];
  if (r.gcg.length === 0) lines.push('None.');
  else {
    lines.push('| job | target | status | steps | best string | loss | ASR |', '|---|---|---|---|---|---|---|');
    for (const g of r.gcg) lines.push(`| ${g.id} | ${cell(g.target)} | ${g.status} | ${g.steps} | \`${cell(g.bestString ?? '')}\` | ${num(g.bestLoss, 3)} | ${num(g.asr, 2)} |`);
  }
  lines.push('', '## Recover runs', '');
  if (r.recover.length === 0) lines.push('None.');
  for (const run of r.recover) lines.push(...recoverSection(run));
  lines.push('', '## Verified strings', '');
  if (r.verifications.length === 0) lines.push('None.');
  for (const v of r.verifications) {
    lines.push(`### "${cell(v.text)}": ASR ${num(v.asr, 2)}`, '');
    for (const c of v.completions) lines.push(`- ${c.shows ? '✓' : '✗'} ${cell(c.prompt)} → ${cell(c.completion)}`);
    lines.push('');
  }
  lines.push('', '## Marked steering vectors', '');
  if (r.marked.length === 0) lines.push('None.');
  for (const m of r.marked) lines.push(`- ${m.label}: \`${m.file}\` #${m.index}`);
  return lines.join('\n') + '\n';
}
