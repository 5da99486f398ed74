import { allocate } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';

/**
 * A copy of `tensor` holding only the entries at `keep` (ascending) along `axis`.
 *
 * @example
 * ```ts
 * keepAlongAxis(hostTensor('float32', [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)), 1, [0, 2]).data; // [1, 3, 4, 6]
 * ```
 */
export function keepAlongAxis(tensor: HostTensor, axis: number, keep: readonly number[]): HostTensor {
  const shape = tensor.shape;
  const outer = shape.slice(0, axis).reduce((product, size) => product * size, 1);
  const length = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((product, size) => product * size, 1);
  const data = allocate(tensor.dtype, outer * keep.length * inner);
  const source = tensor.data;
  let at = 0;
  for (let block = 0; block < outer; block++) {
    const base = block * length * inner;
    for (const index of keep) {
      const start = base + index * inner;
      // Typed arrays of one dtype share set/subarray, whatever their element type.
      (data as Float32Array).set((source as Float32Array).subarray(start, start + inner), at);
      at += inner;
    }
  }
  const newShape = [...shape];
  newShape[axis] = keep.length;
  return { dtype: tensor.dtype, shape: newShape, data } as HostTensor;
}
