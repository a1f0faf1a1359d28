/**
 * Data-parallel training on worker threads (tfjs-wasm runs one thread per instance, so each worker is one
 * core). Every step the batch is cut into a fixed number of shards; workers compute the shards' gradients
 * into shared memory and each sums them in shard order and takes the same AdamW step. The result depends on
 * the shard count, never on the worker count: one worker or two give the same weights bit for bit.
 * Checkpoints of the whole training state every `checkpointEvery` steps; a rerun resumes from the last one.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { BadInputError, CancelledError, TriggerfishError } from '../errors.js';
import type { ModelConfig } from '../model/config.js';
import { paramShapes } from '../model/params.js';
import type { Batch } from './dataset.js';
import type { EvalPrompt, FromWorker, ReadyReply, ShardBatch, ToWorker, WorkerInit } from './dp-protocol.js';
import type { TrainingBudget } from './spec.js';
import type { TrainProgressRecord } from './train-state.js';
import { learningRate } from './train.js';

export interface EvalRequest {
  rows: Batch;
  prompts: EvalPrompt[];
  maxNewTokens: number;
}

export interface EvalResult {
  step: number;
  heldoutLoss: number;
  accuracy: Record<string, number>;
}

export interface ProgressRecord extends TrainProgressRecord {
  steps: number;
  resumedFrom: number;
  tokensPerSecond: number;
  /** Seconds of this step spent computing shard gradients, and summing + stepping the optimizer. */
  phases: { grad: number; apply: number };
  /** Live tensors in worker 0 after the step (flat over a run: no leak). */
  tensors: number;
}

export interface DataParallelOptions {
  config: ModelConfig;
  tokenizerDir: string;
  start: WorkerInit['start'];
  budget: TrainingBudget;
  shards: number;
  /** Worker threads (default: min(shards, cores)); must divide the shard count. */
  workers?: number;
  batch: (step: number) => Batch;
  stateDir: string;
  hash: string;
  frozen?: string[];
  /** Learning-curve points: every `every` steps and at the end. */
  evaluation?: { every: number; request: () => EvalRequest; onResult: (result: EvalResult, all: EvalResult[]) => Promise<void> | void };
  /** Called at each evaluation with a folder to write the current model into (a usable snapshot). */
  snapshotDir?: string;
  /** Where the finished model is written. */
  exportDir: string;
  signal?: AbortSignal;
  onProgress?: (record: ProgressRecord) => void;
  /** Stop after this many steps in this call (tests of resume). */
  stopAfter?: number;
}

export interface DataParallelResult {
  step: number;
  finished: boolean;
  history: TrainProgressRecord[];
  curve: EvalResult[];
  workers: number;
}

const workerUrl = new URL(`./dp-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/** A worker thread with request/reply messaging; TypeScript sources are loaded through tsx. */
class WorkerHandle {
  private readonly worker: Worker;
  private waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void }[] = [];
  private failed: Error | null = null;

  constructor(init: WorkerInit) {
    const tsx = workerUrl.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
    const boot = tsx
      ? `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}); })`
      : `import(${JSON.stringify(workerUrl)})`;
    this.worker = new Worker(boot, { eval: true, workerData: init });
    this.worker.on('message', (m: FromWorker) => this.waiting.shift()?.resolve(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new TriggerfishError(`a training worker exited (code ${code})`)));
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  /** The next reply (replies come in request order). */
  next(): Promise<FromWorker> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async ask<T extends FromWorker['type']>(message: ToWorker | null, want: T): Promise<Extract<FromWorker, { type: T }>> {
    const reply = this.next();
    if (message) this.worker.postMessage(message);
    const m = await reply;
    if (m.type === 'error') throw m.bad ? new BadInputError(m.message) : new TriggerfishError(`training worker: ${m.message}`);
    if (m.type !== want) throw new TriggerfishError(`training worker answered ${m.type}, expected ${want}`);
    return m as Extract<FromWorker, { type: T }>;
  }

  async close(): Promise<void> {
    this.failed ??= new TriggerfishError('closed');
    await this.worker.terminate();
  }
}

/** Cuts a batch into `shards` shards of equal rows. */
export function shardBatch(batch: Batch, shards: number): ShardBatch[] {
  if (batch.rows % shards !== 0) throw new BadInputError(`batch rows ${batch.rows} are not a multiple of shards ${shards}`);
  const rows = batch.rows / shards;
  const width = batch.context + 1;
  return Array.from({ length: shards }, (_, k) => ({
    k,
    rows,
    context: batch.context,
    ids: batch.ids.slice(k * rows * width, (k + 1) * rows * width), // [rows, context + 1]
    weights: batch.weights.slice(k * rows * batch.context, (k + 1) * rows * batch.context), // [rows, context]
  }));
}

export async function trainDataParallel(options: DataParallelOptions): Promise<DataParallelResult> {
  const { budget, shards } = options;
  const count = options.workers ?? Math.max(1, Math.min(shards, availableParallelism()));
  if (shards % count !== 0) throw new BadInputError(`workers ${count} must divide shards ${shards}`);
  const frozen = options.frozen ?? [];
  let trainable = 0;
  for (const [name, shape] of paramShapes(options.config)) if (!frozen.includes(name)) trainable += shape.reduce((a, b) => a * b, 1);
  const slots = new SharedArrayBuffer(4 * trainable * shards);
  const adam = { lr: budget.lr, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: budget.weightDecay, amsgrad: false };
  const workers = Array.from({ length: count }, (_, index) =>
    new WorkerHandle({ index, config: options.config, tokenizerDir: options.tokenizerDir, start: options.start, stateDir: options.stateDir, hash: options.hash, frozen, adam, slots, shards }),
  );
  try {
    const ready = (await Promise.all(workers.map((w) => w.ask(null, 'ready')))) as ReadyReply[];
    return await loop(options, workers, ready[0]!);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}

async function loop(options: DataParallelOptions, workers: WorkerHandle[], ready: ReadyReply): Promise<DataParallelResult> {
  const { budget, shards } = options;
  const history = ready.history as TrainProgressRecord[];
  const curve = ((ready.extra.curve as EvalResult[] | undefined) ?? []).filter((r) => r.step <= ready.step);
  const resumedFrom = ready.step;
  const save = (step: number) => workers[0]!.ask({ type: 'save', step, history, extra: { curve } }, 'saved');
  const evaluate = async (step: number) => {
    if (!options.evaluation) return;
    const request = options.evaluation.request();
    const rows = shardBatch(request.rows, shards);
    const replies = await Promise.all(
      workers.map((w, i) =>
        w.ask({ type: 'eval', rows: rows.filter((r) => r.k % workers.length === i), prompts: request.prompts.filter((_, j) => j % workers.length === i), maxNewTokens: request.maxNewTokens }, 'eval'),
      ),
    );
    const sum = (f: (r: (typeof replies)[number]) => number) => replies.reduce((s, r) => s + f(r), 0);
    const accuracy: Record<string, number> = {};
    for (const family of new Set(request.prompts.map((p) => p.family))) accuracy[family] = sum((r) => r.correct[family] ?? 0) / Math.max(1, sum((r) => r.total[family] ?? 0));
    const result = { step, heldoutLoss: sum((r) => r.lossSum) / Math.max(1, sum((r) => r.weight)), accuracy };
    curve.push(result);
    if (options.snapshotDir) await workers[0]!.ask({ type: 'export', dir: options.snapshotDir }, 'saved');
    await options.evaluation.onResult(result, curve);
  };
  if (resumedFrom === 0 && curve.length === 0) await evaluate(0);
  const end = Math.min(budget.steps, resumedFrom + (options.stopAfter ?? Infinity));
  const started = performance.now();
  let step = resumedFrom;
  for (; step < end; step++) {
    if (options.signal?.aborted) {
      await save(step);
      throw new CancelledError('training');
    }
    const batch = options.batch(step);
    const parts = shardBatch(batch, shards);
    const lr = learningRate(budget, step);
    const t0 = performance.now();
    const grads = await Promise.all(workers.map((w, i) => w.ask({ type: 'grad', shards: parts.filter((p) => p.k % workers.length === i) }, 'grad')));
    const perShard = grads.flatMap((g) => g.shards);
    const totalWeight = perShard.reduce((s, p) => s + p.weight, 0);
    const t1 = performance.now();
    const applied = await Promise.all(workers.map((w) => w.ask({ type: 'apply', lr, totalWeight, clip: budget.clip }, 'apply')));
    const phases = { grad: +((t1 - t0) / 1000).toFixed(3), apply: +((performance.now() - t1) / 1000).toFixed(3) };
    const seconds = (performance.now() - started) / 1000;
    const record = { step: step + 1, loss: perShard.reduce((s, p) => s + p.lossSum, 0) / totalWeight, lr, gradNorm: applied[0]!.gradNorm, seconds: +seconds.toFixed(2) };
    history.push(record);
    const tokens = (step + 1 - resumedFrom) * batch.rows * batch.context;
    options.onProgress?.({ ...record, steps: budget.steps, resumedFrom, tokensPerSecond: Math.round(tokens / Math.max(1e-9, seconds)), phases, tensors: applied[0]!.tensors });
    const evalDue = options.evaluation && ((step + 1) % options.evaluation.every === 0 || step + 1 === budget.steps);
    if (evalDue) await evaluate(step + 1);
    if ((step + 1) % budget.checkpointEvery === 0 || (evalDue && step + 1 < budget.steps)) await save(step + 1);
  }
  if (step >= budget.steps) await workers[0]!.ask({ type: 'export', dir: options.exportDir }, 'saved');
  else await save(step);
  return { step, finished: step >= budget.steps, history, curve, workers: workers.length };
}
