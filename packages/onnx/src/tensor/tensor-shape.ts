import { checkShapeLimits, WhittleError } from '@whittle/core';
import type { TensorProto } from '../proto/onnx_pb.ts';

/**
 * An initializer's dims as numbers, each checked: no negative or unsafe dims, and no more
 * elements or dimensions than whittle takes for one tensor. Throws `malformed-file` naming
 * `file` and `field` (`graph.initializer[2].dims`).
 *
 * @example
 * ```ts
 * tensorShape(initializer, 'model.onnx', 'graph.initializer[0].dims'); // [768, 3072]
 * ```
 */
export function tensorShape(tensor: Pick<TensorProto, 'dims'>, file: string, field: string): number[] {
  const shape = tensor.dims.map((dimension, axis) => {
    if (dimension < 0n || dimension > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new WhittleError('malformed-file', `dimension ${axis} is ${dimension}, not a size`, { file, field });
    }
    return Number(dimension);
  });
  try {
    checkShapeLimits(shape, { file, field });
  } catch (error) {
    throw error instanceof WhittleError ? new WhittleError('malformed-file', error.detail, { file, field }) : error;
  }
  return shape;
}

/** Elements of a checked shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
}
