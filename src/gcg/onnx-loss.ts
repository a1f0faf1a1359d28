/** The loss primitives of loss-formula.ts as ONNX nodes, so the ORT scorer fuses the loss into its graph. */
import type { GraphBuilder } from '../engine/onnx-graph.js';
import type { LossOps } from './loss-formula.js';

/** `responseIds` is an int64 [R] graph value. */
export function onnxLossOps(g: GraphBuilder, responseIds: string | null): LossOps<string> {
  const keep0 = (op: string, x: string, axis: number) => g.op(op, [x], { axes: [axis], keepdims: 0 });
  return {
    logSoftmax: (x) => g.op('LogSoftmax', [x], { axis: -1 }),
    pickResponse: (logProbs) => {
      // ids [R] -> [1, R, 1] -> [B, R, 1]; GatherElements picks logProbs[b, r, ids[r]]
      const rows = g.op('Slice', [g.op('Shape', [logProbs]), g.ints([0]), g.ints([2])]); // [B, R]
      const index = g.op('Expand', [g.op('Unsqueeze', [responseIds!, g.ints([0, 2])]), g.op('Concat', [rows, g.ints([1])], { axis: 0 })]);
      return g.op('Squeeze', [g.op('GatherElements', [logProbs, index], { axis: 2 }), g.ints([2])]);
    },
    mean: (x, axis) => keep0('ReduceMean', x, axis),
    sum: (x, axis) => g.op('ReduceSum', [x, g.ints([axis])], { keepdims: 0 }),
    logSumExp: (x, axis) => keep0('ReduceLogSumExp', x, axis),
    norm: (x, axis) => keep0('ReduceL2', x, axis),
    relu: (x) => g.op('Relu', [x]),
    add: (a, b) => g.op('Add', [a, b]),
    sub: (a, b) => g.op('Sub', [a, b]),
    mul: (a, b) => g.op('Mul', [a, b]),
    div: (a, b) => g.op('Div', [a, b]),
    neg: (x) => g.op('Neg', [x]),
    scalar: (v) => g.floats([v], []),
  };
}
