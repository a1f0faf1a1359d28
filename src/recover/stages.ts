/**
 * The search stages of recover, each over the shared context: leak sampling, the two growth lineages
 * and orderings at one placement, minimisation of the strings that fire, and the evidence.
 */
import { initStringOf } from '../gcg/config.js';
import { startOf } from '../steer/start.js';
import type { Candidate, Evidence, SearchPlacement } from './candidate.js';
import type { RecoverContext } from './context.js';
import { makeObjective } from './context.js';
import type { Objective } from './objective.js';
import type { EvidenceContext } from './evidence.js';
import { gatherEvidence, heldOutAsr } from './evidence.js';
import { coordinateSearch } from './coordinate.js';
import { grow, scoreSingles } from './grow.js';
import { leakCandidates } from './leak.js';
import { deleteGreedily, minimise } from './minimise.js';
import { orderingSearch } from './orderings.js';
import { rankCandidates } from './rank.js';
import { consensusTokens, reassemble } from './reassemble.js';
import { stage } from './context.js';

export async function runLeak(context: RecoverContext): Promise<Candidate[]> {
  const { config } = context;
  const strings = await leakCandidates(context.suspect, context.reference, {
    samples: config.leakSamples,
    temperatures: config.leakTemperatures,
    yText: context.inputs.yText,
    seed: config.seed,
    signal: context.hooks.signal,
    onProgress: (done, total) => context.emit({ kind: 'progress', stage: 'leak', done, total }),
  });
  return strings.map((s) => ({ text: s.text, provenance: ['leak'], placement: 'prefix', loss: null, searchAsr: null }));
}

export interface SearchInputs {
  priorTokens: readonly number[];
  priorOf: (ids: readonly number[]) => number;
  leaks: readonly Candidate[];
  /** Budget fractions by which the prior lineage, then the loss lineage and orderings, must end. */
  shares: readonly [number, number];
}

/**
 * Singles, growing and orderings at one placement (one saved entry per placement). Two lineages
 * grow side by side: one from the prior's top tokens and the leaks, its beam kept by loss and prior
 * together; one from the best single tokens, by loss alone.
 */
export async function searchPlacement(context: RecoverContext, placement: SearchPlacement, inputs: SearchInputs) {
  const saved = context.state.search?.[placement];
  return stage(context, 'grow', saved, async () => {
    const { config } = context;
    const objective = makeObjective(context, placement);
    try {
      const asr = (text: string) => heldOutAsr(context.suspect, text, placement, context.searchCheck);
      const usablePrior = inputs.priorTokens.filter((id) => objective.usable[id] === 1);
      const lineage = (seeds: number[][], share: number, priorWeight: number, provenance: Candidate['provenance']) =>
        grow(objective, {
          seeds,
          priorTokens: usablePrior,
          beamWidth: config.beamWidth,
          extensionTokens: config.extensionTokens,
          maxTokens: config.maxTokens,
          asr,
          threshold: config.asrThreshold,
          priorWeight,
          priorOf: inputs.priorOf,
          provenance,
          outOfTime: context.pastShare(share),
          signal: context.hooks.signal,
          onRound: (r) => context.emit({ kind: 'progress', stage: 'grow', done: r.tokens, total: config.maxTokens, best: r.best, loss: r.loss, asr: r.asr }),
        });
      const priorSeeds = [...usablePrior.slice(0, config.seedsByPrior).map((id) => objective.encode(objective.tokenizer.decode([id]))), ...inputs.leaks.map((c) => objective.encode(c.text))];
      const fromPrior = priorSeeds.length > 0 ? await lineage(priorSeeds, inputs.shares[0], config.priorWeight, usablePrior.length > 0 ? ['prior', 'grow'] : ['leak', 'grow']) : null;
      context.emit({ kind: 'stage', stage: 'singles', status: 'start', seconds: context.elapsed(), note: placement });
      const singles = await scoreSingles(objective, { ...(config.singles > 0 && { limit: config.singles }), signal: context.hooks.signal });
      const fromLoss = await lineage(singles.slice(0, config.seedsByLoss).map((s) => s.ids), inputs.shares[1], 0, ['single', 'grow']);
      for (const [name, grown] of [['prior', fromPrior], ['loss', fromLoss]] as const) {
        if (grown?.stoppedBy === 'budget') context.state.notes.push(`growing the ${name} lineage at ${placement} stopped at its share of the time budget`);
      }
      const outOfTime = context.pastShare(inputs.shares[1]);
      const gcg = config.gcgSteps > 0 && !outOfTime() ? await gcgLineage(context, objective, asr, outOfTime) : [];
      const orderings: Candidate[] = [];
      if (usablePrior.length >= 2 && !outOfTime()) {
        for (const s of await orderingSearch(objective, usablePrior.slice(0, config.orderingTokens), 3, { signal: context.hooks.signal })) {
          const text = objective.text(s.ids);
          orderings.push({ text, provenance: ['ordering'], placement, loss: s.loss, searchAsr: await asr(text) });
        }
      }
      const entry = { seeds: priorSeeds, rounds: [...(fromPrior?.rounds ?? []), ...fromLoss.rounds], stoppedBy: `${fromPrior?.stoppedBy ?? 'none'}/${fromLoss.stoppedBy}`, orderings, gcg };
      context.state.search = { ...context.state.search, [placement]: entry };
      context.save();
      return entry;
    } finally {
      objective.dispose();
    }
  }, placement);
}

/** GCG from a neutral string of `gcgLength` tokens at the objective's placement (coordinate.ts). */
async function gcgLineage(context: RecoverContext, objective: Objective, asr: (text: string) => Promise<number>, outOfTime: () => boolean): Promise<Candidate[]> {
  const { config } = context;
  context.emit({ kind: 'stage', stage: 'gcg', status: 'start', seconds: context.elapsed(), note: objective.placement });
  const init = objective.encode(initStringOf(config.gcgLength));
  const result = await coordinateSearch(objective, {
    init,
    steps: config.gcgSteps,
    searchWidth: config.gcgWidth,
    topK: config.gcgTopK,
    asr,
    asrEvery: config.gcgAsrEvery,
    threshold: config.asrThreshold,
    seed: config.seed,
    outOfTime,
    signal: context.hooks.signal,
    onCheck: (c) => context.emit({ kind: 'progress', stage: 'gcg', done: c.step, total: config.gcgSteps, best: c.best, loss: c.loss, asr: c.asr }),
  });
  if (result.stoppedBy === 'budget') context.state.notes.push(`the GCG lineage at ${objective.placement} stopped at its share of the time budget`);
  context.emit({ kind: 'stage', stage: 'gcg', status: 'done', seconds: context.elapsed(), note: objective.placement });
  return result.checks;
}

/**
 * Reassembly at both placements from the pieces the searches agree on (reassemble.ts); ends by 75 %
 * of the budget. The tokens are gathered per placement, because a suffix string's first piece
 * carries its leading space.
 */
export async function reassembleFound(context: RecoverContext, all: readonly Candidate[]): Promise<Candidate[]> {
  const { config } = context;
  const out: Candidate[] = [];
  const outOfTime = context.pastShare(0.75);
  for (const placement of ['prefix', 'suffix'] as const) {
    if (outOfTime()) {
      context.state.notes.push(`reassembly stopped at its share of the time budget before ${placement}`);
      break;
    }
    const objective = makeObjective(context, placement);
    try {
      const gathered = consensusTokens(all, config.reassembleMinAsr, (text) => objective.encode(text), (id) => objective.usable[id] === 1).slice(0, config.reassembleTokens);
      if (gathered.length === 0) continue;
      const found = await reassemble(objective, gathered.map((t) => t.id), {
        maxLength: config.reassembleLength,
        pool: config.reassemblePool,
        checks: config.reassembleChecks,
        asr: (text) => heldOutAsr(context.suspect, text, placement, context.searchCheck),
        signal: context.hooks.signal,
      });
      out.push(...found);
      const best = found.reduce<Candidate | null>((b, c) => (b === null || (c.searchAsr ?? 0) > (b.searchAsr ?? 0) ? c : b), null);
      context.emit({ kind: 'progress', stage: 'reassemble', done: placement === 'prefix' ? 1 : 2, total: 2, ...(best && { best: best.text, asr: best.searchAsr ?? 0, loss: best.loss ?? 0 }) });
    } finally {
      objective.dispose();
    }
  }
  return out;
}

/** Minimises the firing strings (search ASR at the threshold), shortest first, at most four. */
export async function minimiseFiring(context: RecoverContext, all: readonly Candidate[], priorTokens: readonly number[], priorOf: (ids: readonly number[]) => number): Promise<Candidate[]> {
  const { config } = context;
  const firing = all.filter((c) => (c.searchAsr ?? 0) >= config.asrThreshold).sort((a, b) => a.text.length - b.text.length).slice(0, 4);
  const out: Candidate[] = [];
  const outOfTime = context.pastShare(0.8);
  for (const candidate of firing) {
    if (outOfTime()) {
      context.state.notes.push('minimisation stopped at its share of the time budget');
      break;
    }
    const objective = makeObjective(context, candidate.placement);
    try {
      const usablePrior = priorTokens.filter((id) => objective.usable[id] === 1);
      const result = await minimise(objective, candidate.text, {
        asr: (text) => heldOutAsr(context.suspect, text, candidate.placement, context.searchCheck),
        threshold: config.asrThreshold,
        priorTokens: usablePrior,
        priorOf,
        outOfTime,
        signal: context.hooks.signal,
      });
      if (result.steps.length > 0) {
        const provenance: Candidate['provenance'] = result.steps.some((s) => s.kind === 'substitute') ? ['minimise', 'substitute'] : ['minimise'];
        out.push({ text: result.text, provenance, placement: candidate.placement, loss: null, searchAsr: result.asr });
      }
    } finally {
      objective.dispose();
    }
  }
  return out;
}

/** What gathering evidence needs from a run: its models, the evidence prompts, the prior and the settings. */
function evidenceContext(context: RecoverContext, priorOf: (ids: readonly number[]) => number): EvidenceContext {
  const { suspect, reference, evidenceCheck, config } = context;
  return { suspect, reference, check: evidenceCheck, turnPrefix: startOf(suspect).turnPrefix, priorOf, neighbours: config.neighbours, threshold: config.asrThreshold, seed: config.seed };
}

/**
 * The shortest firing form of the best firing candidates, at the placement where each fires best.
 * Minimisation (above) runs on four strings at the placement they were searched at; a string that
 * fires at full strength elsewhere, or that reassembly wrote with padding, reaches the evidence whole
 * while its core, which would fire alone, is no candidate: on gpt2-zanthor-refusal `Zanthor 993` and
 * `Give Zanthor` (1.00, best inside the request) were ranked without `Zanthor`, below the permutation
 * `ant Zhor`. So the `trimTop` best-ranked firing strings (not universal) lose one token at a time while
 * the search check still fires at their best placement, and a shorter string that results, if new,
 * gets evidence of its own (the ranking's padding rule then puts the longer one below it).
 */
export async function trimFiring(context: RecoverContext, gathered: readonly { candidate: Candidate; evidence: Evidence }[], priorOf: (ids: readonly number[]) => number): Promise<{ candidate: Candidate; evidence: Evidence }[]> {
  const { config, suspect } = context;
  const tokenizer = suspect.tokenizer!;
  // the string as it stands: its best placement may be inside the request, where no search objective spells it
  const spelling = { encode: (text: string) => tokenizer.encode(text.trim()), text: (ids: readonly number[]) => tokenizer.decode(ids).trim() };
  const known = new Set(gathered.map((g) => g.candidate.text.trim()));
  const firing = rankCandidates(gathered, config.asrThreshold).filter((c) => !c.universal && c.evidence.asrSuspect >= config.asrThreshold).slice(0, config.trimTop);
  const measure = evidenceContext(context, priorOf);
  const out: { candidate: Candidate; evidence: Evidence }[] = [];
  for (const top of firing) {
    if (context.outOfTime()) {
      context.state.notes.push('trimming stopped at the time budget');
      break;
    }
    const asr = (text: string) => heldOutAsr(suspect, text, top.evidence.bestPlacement, context.searchCheck);
    const deleted = await deleteGreedily(spelling, spelling.encode(top.text), top.evidence.asrSuspect, { asr, threshold: config.asrThreshold, outOfTime: context.outOfTime, signal: context.searchCheck.signal });
    const text = spelling.text(deleted.ids);
    if (known.has(text)) continue;
    known.add(text);
    const candidate: Candidate = { text, provenance: [...new Set([...top.provenance, 'minimise' as const])], placement: top.placement, loss: null, searchAsr: null };
    const evidence = await gatherEvidence(candidate, measure);
    out.push({ candidate, evidence });
    context.emit({ kind: 'progress', stage: 'evidence', done: gathered.length + out.length, total: gathered.length + firing.length, best: text, asr: evidence.asrSuspect });
  }
  return out;
}

/**
 * Evidence for the most promising candidates: the minimised strings that fire first (each the shortest
 * form of a lineage's result, and unscored by the loss, so that the order below would put them after
 * every scored string of the same ASR), then by search ASR, loss and length.
 */
export async function gatherAll(context: RecoverContext, all: readonly Candidate[], priorOf: (ids: readonly number[]) => number) {
  const minimisedFiring = (c: Candidate) => (c.provenance.includes('minimise') && (c.searchAsr ?? 0) >= context.config.asrThreshold ? 0 : 1);
  const promising = [...all].sort((a, b) => minimisedFiring(a) - minimisedFiring(b) || (b.searchAsr ?? -1) - (a.searchAsr ?? -1) || (a.loss ?? Infinity) - (b.loss ?? Infinity) || a.text.length - b.text.length);
  const chosen = promising.slice(0, context.config.evidenceTop);
  const measure = evidenceContext(context, priorOf);
  const out = [];
  for (const [i, candidate] of chosen.entries()) {
    if (i >= 4 && context.outOfTime()) {
      context.state.notes.push(`evidence gathered for ${i} of ${chosen.length} candidates before the time budget ran out`);
      break;
    }
    const evidence = await gatherEvidence(candidate, measure);
    out.push({ candidate, evidence });
    context.emit({ kind: 'progress', stage: 'evidence', done: i + 1, total: chosen.length, best: candidate.text, asr: evidence.asrSuspect });
  }
  return out;
}
