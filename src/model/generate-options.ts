/** What generate() takes and returns, on either engine (kept apart so the ORT generator can share them). */
import type { EngineName } from '../engine/engine.js';
import type { Hooks } from './hooks.js';
import type { SamplingOptions } from './sampling.js';
import type { SteerSpec } from './steer-spec.js';

export interface GenerateOptions extends SamplingOptions {
  /** Default 32. */
  maxNewTokens?: number;
  seed?: number;
  /** Generation of a row ends after it emits one of these (the token is kept in the output). */
  stopIds?: readonly number[];
  /** Called with a row's new tokens after each step; true ends that row (stop strings). */
  stopWhen?: (row: number, newTokens: readonly number[]) => boolean;
  hooks?: Hooks;
  /** Steering as data (runs on either engine); tfjs hooks force the tfjs engine. */
  steer?: readonly SteerSpec[];
  /** Engine for the forward passes (default: forwardEngine()). */
  engine?: EngineName;
  /** Token used for left padding (default 0; it is masked out, so its value does not matter). */
  padId?: number;
  signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length';

export interface Generation {
  /** New tokens per prompt (prompt excluded). */
  tokens: number[][];
  finish: FinishReason[];
}
