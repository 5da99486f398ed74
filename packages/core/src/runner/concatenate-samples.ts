/** Host tensors of successive batches joined along their first (sample) axis. */
import { WhittleError } from '../errors.ts';
import { typedArrayConstructor } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';

/**
 * One host tensor holding every batch's samples in order: batches must share dtype and every
 * axis but the first. `name` names the capture in an error.
 *
 * @example
 * ```ts
 * concatenateSamples([hostTensor('float32', [2, 3]), hostTensor('float32', [5, 3])], 'dense/kernel').shape; // [7, 3]
 * ```
 */
export function concatenateSamples(parts: readonly HostTensor[], name: string): HostTensor {
  const [first] = parts;
  if (first === undefined) throw new WhittleError('invalid-argument', 'there are no batches to capture from', { field: 'data' });
  const rest = first.shape.slice(1);
  let samples = 0;
  let length = 0;
  for (const part of parts) {
    if (part.dtype !== first.dtype || part.shape.length !== first.shape.length || part.shape.slice(1).some((size, axis) => size !== rest[axis])) {
      throw new WhittleError('invalid-argument', `the inputs of ${JSON.stringify(name)} change shape between batches: [${first.shape.join(', ')}] then [${part.shape.join(', ')}]`, {
        field: 'data',
      });
    }
    samples += part.shape[0]!;
    length += part.data.length;
  }
  const Constructor = typedArrayConstructor(first.dtype) as unknown as new (length: number) => HostTensor['data'] & { set(array: ArrayLike<number>, offset: number): void };
  const data = new Constructor(length);
  let offset = 0;
  for (const part of parts) {
    data.set(part.data as ArrayLike<number>, offset);
    offset += part.data.length;
  }
  return { dtype: first.dtype, shape: [samples, ...rest], data } as HostTensor;
}
