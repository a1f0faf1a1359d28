/** The session's findings as one JSON-ready object: what Export writes to results.json. */
import type { Completion, RecoverCandidate } from '../jobs/protocol.js';
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

/** A recover run: its settings, outcome and every ranked candidate with its evidence (none while unfinished). */
export interface RecoverRunSummary {
  id: string;
  status: string;
  budget: string;
  /** The reference as the form named it (null: the card's), and as the run used it. */
  reference: string | null;
  referenceUsed: string | null;
  /** Y as typed (null: the card's behaviour). */
  target: string | null;
  trigger: string | null;
  stoppedBy: string | null;
  seconds: number | null;
  priorMethod: string | null;
  notes: string[];
  candidates: RecoverCandidate[];
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
  recover: RecoverRunSummary[];
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
  const recover = session.jobs.flatMap((job): RecoverRunSummary[] => {
    if (job.spec.kind !== 'recover') return [];
    const r = job.result?.kind === 'recover' ? job.result : undefined;
    return [{
      id: job.id,
      status: job.status,
      budget: job.spec.budget,
      reference: job.spec.reference ?? null,
      referenceUsed: r?.reference ?? null,
      target: job.spec.text ?? null,
      trigger: r?.trigger ?? null,
      stoppedBy: r?.stoppedBy ?? null,
      seconds: r?.seconds ?? job.progress?.seconds ?? null,
      priorMethod: r?.priorMethod ?? null,
      notes: r?.notes ?? [],
      candidates: r?.candidates ?? [],
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
    recover,
    verifications,
    marked: session.marked,
  };
}
