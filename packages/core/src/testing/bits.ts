/**
 * Bit-exact views of tensors for assertions: comparing bit patterns (not values) tells -0 from
 * +0 and compares NaNs by payload, which `toEqual` on numbers cannot.
 */
import type { HostTensor } from '../tensor/host-tensor.ts';

/**
 * The dtype, shape and raw element bit patterns of a tensor, as plain data for `toEqual`.
 *
 * @example
 * ```ts
 * expect(tensorBits(decode(encoding))).toEqual(tensorBits(original));
 * ```
 */
export function tensorBits(tensor: HostTensor): { dtype: string; shape: number[]; bits: number[] } {
  const data = tensor.data;
  const bits =
    data instanceof Float32Array
      ? Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length))
      : Array.from(data);
  return { dtype: tensor.dtype, shape: [...tensor.shape], bits };
}
