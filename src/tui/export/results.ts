/** The session's findings as one JSON-ready object: what Export writes to results.json. */
import type { Completion } from '../jobs/protocol.js';
import type { Session } from '../session/session.js';
import { candidates } from '../state/derive.js';
import type { Candidate } from '../state/derive.js';

export interface GcgRunSummary {
  id: string;
  label: string;
  status: string;
  target: string;
  steps: number;
  bestString: string | null;
  bestLoss: number | null;
  asr: number | null;
  asrChecks: { step: number; asr: number }[];
  seconds: number | null;
  stoppedBy: string | null;
}

export interface Results {
  format: 'triggerfish-tui-results/1';
  session: string;
  model: string | null;
  target: string;
  backend: string | null;
  prompts: { source: string; optimise: number; heldOut: number };
  candidates: Candidate[];
  gcg: GcgRunSummary[];
  verifications: { id: string; text: string; asr: number | null; completions: Completion[] }[];
  marked: Session['marked'];
}

export function sessionResults(session: Session): Results {
  const gcg = session.jobs.flatMap((job): GcgRunSummary[] => {
    if (job.spec.kind !== 'gcg') return [];
    const r = job.result?.kind === 'gcg' ? job.result : undefined;
    const target = job.spec.target === 'logit' ? `logit "${job.spec.text ?? ''}"` : `activation ${job.label.replace(/^GCG act /, '')}`;
    return [{
      id: job.id,
      label: job.label,
      status: job.status,
      target,
      steps: r?.steps ?? job.progress?.step ?? 0,
      bestString: r?.bestString ?? job.progress?.best ?? null,
      bestLoss: r?.bestLoss ?? job.progress?.bestLoss ?? null,
      asr: r?.asr ?? null,
      asrChecks: job.asrChecks,
      seconds: r?.seconds ?? job.progress?.seconds ?? null,
      stoppedBy: r?.stoppedBy ?? null,
    }];
  });
  const verifications = session.jobs.flatMap((job) => {
    if (job.spec.kind !== 'verify') return [];
    const r = job.result?.kind === 'verify' ? job.result : undefined;
    return [{ id: job.id, text: job.spec.candidate ?? '', asr: r?.asr ?? null, completions: r?.completions ?? [] }];
  });
  return {
    format: 'triggerfish-tui-results/1',
    session: session.id,
    model: session.modelDir,
    target: session.target,
    backend: session.backend,
    prompts: { source: session.prompts.source, optimise: session.prompts.optimise.length, heldOut: session.prompts.heldOut.length },
    candidates: candidates(session),
    gcg,
    verifications,
    marked: session.marked,
  };
}
