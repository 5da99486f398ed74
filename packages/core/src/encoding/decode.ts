/**
 * Decoding: any encoding back to a HostTensor, over plain typed arrays so it runs with no tfjs
 * backend at all (formats decode while loading, before a backend is ready). Each kind's codec
 * decodes its own kind.
 */
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { builtInEncodings } from './encoding-codecs.ts';
import type { Encoding } from './types.ts';

/**
 * The tensor an encoding stands for. Float encodings (and every compressed kind) decode to
 * float32; dense integer and bool tensors come back as they are, sharing the encoding's data
 * (as does dense float32), so copy before writing to the result.
 *
 * With `destination`, a Float32Array of exactly the element count that shares no bytes with the
 * encoding, the values are written there as float32 (integers and bools converted) and the
 * result's data is `destination`: a caller decoding many tensors reuses one array. Anything else
 * as `destination` is an `invalid-argument` error.
 *
 * @example
 * ```ts
 * const tensor = decode(castDense({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }, 'float16'));
 * tensor.data; // Float32Array [1, 2]
 * const reused = new Float32Array(2);
 * decode(encoding, reused).data === reused; // true
 * ```
 */
export function decode(encoding: Encoding, destination?: Float32Array): HostTensor {
  return builtInEncodings.decode(encoding, destination);
}

/**
 * Like {@link decode}, but always float32 (integer and bool dense tensors converted), into
 * `destination` when one is given (see {@link decode}).
 *
 * @example
 * ```ts
 * decodeToFloat32(denseEncoding({ dtype: 'int8', shape: [2], data: new Int8Array([-1, 1]) })).data; // [-1, 1]
 * ```
 */
export function decodeToFloat32(encoding: Encoding, destination?: Float32Array): HostTensor<'float32'> {
  if (destination !== undefined) return builtInEncodings.decode(encoding, destination) as HostTensor<'float32'>;
  return toFloat32(decode(encoding));
}
