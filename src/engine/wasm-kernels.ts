/**
 * Kernels the wasm backend lacks but training needs. tfjs-backend-wasm 4.22 has no
 * UnsortedSegmentSum, which is the gradient of `gather`: without it an embedding table cannot be
 * trained on wasm. This implementation runs in JavaScript over the wasm heap; it is linear in the
 * data and only runs once per backward pass, so its speed does not matter next to the matmuls.
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let registered = false;

export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const wasm = backend as unknown as WasmBackendLike;
      if (x.dtype !== 'float32' && x.dtype !== 'int32') {
        throw new Error(`UnsortedSegmentSum (wasm): dtype ${x.dtype} is not supported`);
      }
      // x [n, ...inner], segmentIds [n] (tfjs flattens leading segment dims before calling this)
      const n = segmentIds.shape.reduce((a, b) => a * b, 1);
      const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const out = wasm.makeOutput(outShape, x.dtype);
      const outData = wasm.typedArrayFromHeap(out);
      outData.fill(0);
      const xData = wasm.typedArrayFromHeap(x);
      const ids = wasm.typedArrayFromHeap(segmentIds);
      for (let i = 0; i < n; i++) {
        const segment = ids[i]!;
        if (segment < 0 || segment >= numSegments) continue;
        const src = i * inner;
        const dst = segment * inner;
        for (let j = 0; j < inner; j++) outData[dst + j]! += xData[src + j]!;
      }
      return out;
    },
  });
}
