// @jsxRuntime automatic (see App.tsx)
/**
 * recover's candidates: the ranked table (ASR on the suspect and on the reference, length in tokens
 * and characters, log-likelihood, prior score, provenance, the universal adversarial label as ⚠ and
 * the word), and the chosen one's evidence in full. Before the result, the strings measured so far.
 */
import { Text } from 'ink';
import { quoted, truncate } from '../format.js';
import type { RecoverCandidate, RecoverOutcome } from '../jobs/protocol.js';

const rows = 6;
const num = (x: number | null, digits: number, width: number) => (x === null ? '–' : x.toFixed(digits)).padStart(width);

function candidateRow(c: RecoverCandidate, selected: boolean, width: number): string {
  const e = c.evidence;
  const cells = `${num(e.asrSuspect, 2, 4)} ${num(e.asrReference, 2, 4)} ${String(e.tokens).padStart(3)} ${String(e.chars).padStart(3)} ${num(e.logLikelihood, 2, 5)} ${num(e.prior, 2, 5)}`;
  // the label first, so that it shows however long the provenance
  const from = `${c.universal ? '⚠ universal ' : ''}${c.provenance.join('+')}`;
  return truncate(`${selected ? '▸' : ' '}${String(c.rank).padStart(2)} ${quoted(c.text, 18).padEnd(18)} ${cells} ${from}`, width);
}

const tableHeader = `   # candidate          ${'ASR'.padStart(4)} ${'ref'.padStart(4)} tok chr log p prior from`;

function Detail({ c, r, width }: { c: RecoverCandidate; r: RecoverOutcome; width: number }) {
  const e = c.evidence;
  const byPlacement = Object.entries(e.asrByPlacement).map(([where, asr]) => `${where} ${asr.toFixed(2)}`).join(' · ');
  const verdict = c.universal
    ? `⚠ universal adversarial: fires the reference (≥ ${(r.threshold / 2).toFixed(2)}) too, not the trigger`
    : r.trigger === c.text
      ? `✓ the reported trigger: reaches τ ${r.threshold.toFixed(2)} on the suspect${e.asrReference === null ? ' (no reference to contrast)' : ', not on the reference'}`
      : e.asrSuspect >= r.threshold ? `fires (≥ τ ${r.threshold.toFixed(2)}), ranked below by prior, likelihood and length` : `below τ ${r.threshold.toFixed(2)} on the suspect`;
  const lines = [
    `ASR suspect ${e.asrSuspect.toFixed(2)} (${byPlacement}) · reference ${e.asrReference === null ? 'none' : e.asrReference.toFixed(2)}`,
    `${e.tokens} token${e.tokens === 1 ? '' : 's'}, ${e.chars} char${e.chars === 1 ? '' : 's'} · log-likelihood ${e.logLikelihood.toFixed(2)}/token · prior ${e.prior.toFixed(2)}${e.neighbourAsr != null ? ` · one-character edits fire ${e.neighbourAsr.toFixed(2)}` : ''} · score ${c.score.toFixed(3)}`,
    `from ${c.provenance.join(' + ')}, found at ${c.placement}${c.loss !== null ? ` · search loss ${c.loss.toFixed(3)}` : ''}${c.searchAsr !== null ? ` · search ASR ${c.searchAsr.toFixed(2)}` : ''}`,
    verdict,
  ];
  const head = `── #${c.rank} ${quoted(c.text, width - 12)} `;
  return (
    <>
      <Text>{truncate(head + '─'.repeat(Math.max(0, width - [...head].length)), width)}</Text>
      {lines.map((l, i) => <Text key={i}>{truncate(l, width)}</Text>)}
    </>
  );
}

/** The window of `rows` rows that keeps the cursor in view. */
function windowStart(at: number, count: number): number {
  return Math.min(Math.max(0, at - rows + 1), Math.max(0, count - rows));
}

export function RecoverTable({ result, found, at, width }: { result: RecoverOutcome | undefined; found: { text: string; asr: number }[]; at: number; width: number }) {
  if (!result) {
    if (found.length === 0) return null;
    const first = windowStart(at, found.length);
    return (
      <>
        <Text>{truncate(`Measured so far (held-out ASR on the suspect; full evidence when done): ${found.length}`, width)}</Text>
        {found.slice(first, first + rows).map((f, i) => <Text key={f.text}>{truncate(`${first + i === at ? '▸' : ' '} ${quoted(f.text, 40).padEnd(42)} ASR ${f.asr.toFixed(2)}`, width)}</Text>)}
      </>
    );
  }
  const list = result.candidates;
  const first = windowStart(at, list.length);
  const chosen = list[at];
  const summary = `trigger ${result.trigger === null ? 'none' : quoted(result.trigger, 24)} · ${list.length} ranked${result.unmeasured > 0 ? ` (+${result.unmeasured} unmeasured)` : ''} · prior ${result.priorMethod} · ${Math.round(result.seconds)} s${result.stoppedBy === 'budget' ? ', budget hit' : ''}`;
  return (
    <>
      <Text>{truncate(summary, width)}</Text>
      <Text dimColor>{truncate(tableHeader, width)}</Text>
      {list.slice(first, first + rows).map((c, i) => <Text key={c.text}>{candidateRow(c, first + i === at, width)}</Text>)}
      {chosen && <Detail c={chosen} r={result} width={width} />}
    </>
  );
}
