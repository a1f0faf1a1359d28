/** The markdown report Export writes: a readable account of the session's results. */
import type { Results } from './results.js';

const cell = (text: string) => text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
const num = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));

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
