/**
 * Messages between the data-parallel coordinator (dp-trainer.ts) and its worker threads (dp-worker.ts).
 * Gradients travel through shared memory (one slot per shard), everything else through these messages.
 */
import type { AdamWConfig } from '../engine/adamw.js';
import type { ModelConfig } from '../model/config.js';

/** One shard of a batch: `rows` rows of `context + 1` ids (see dataset.ts's Batch). */
export interface ShardBatch {
  k: number;
  ids: Int32Array;
  weights: Float32Array;
  rows: number;
  context: number;
}

export interface EvalPrompt {
  family: string;
  user: string;
  assistant: string;
}

export interface WorkerInit {
  index: number;
  config: ModelConfig;
  tokenizerDir: string;
  /** Fresh weights from a seed, or a saved model folder (fine-tuning); a saved training state wins over both. */
  start: { seed: number } | { modelDir: string };
  stateDir: string | null;
  hash: string;
  /** Parameter names that stay fixed (frozen embeddings). */
  frozen: string[];
  adam: AdamWConfig;
  /** shards × trainable floats: worker-written gradient slots, summed by every worker in slot order. */
  slots: SharedArrayBuffer;
  shards: number;
}

export type ToWorker =
  | { type: 'grad'; shards: ShardBatch[] }
  | { type: 'apply'; lr: number; totalWeight: number; clip: number }
  | { type: 'eval'; rows: ShardBatch[]; prompts: EvalPrompt[]; maxNewTokens: number }
  | { type: 'save'; step: number; history: unknown[]; extra: Record<string, unknown> }
  | { type: 'export'; dir: string };

export interface ReadyReply {
  type: 'ready';
  step: number;
  history: unknown[];
  extra: Record<string, unknown>;
  trainable: number;
}

export type FromWorker =
  | ReadyReply
  | { type: 'grad'; shards: { k: number; lossSum: number; weight: number }[] }
  | { type: 'apply'; gradNorm: number; tensors: number }
  | { type: 'eval'; lossSum: number; weight: number; correct: Record<string, number>; total: Record<string, number> }
  | { type: 'saved' }
  | { type: 'error'; message: string; bad: boolean };
