/** What the GCG loop needs from a candidate scorer, on either engine (score.ts: tfjs, onnx-score.ts: ORT). */
export interface Scorer {
  /** Mean loss over prompts for each candidate (all of the same length); `base`: the string they were made from. */
  score(candidates: readonly (readonly number[])[], base?: readonly number[]): Promise<Float32Array>;
  /** Forward passes run so far (one per batch per prompt), for fair budgets. */
  forwardPasses: number;
  dispose(): void;
}
